/**
 * Importing a large file shows its progress on a terminal ("importing…
 * N/M entries") and nothing when stderr is not a terminal or with -q.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STV, stv, tempDir, isolatedEnv } from '../helpers/tools.js';

const PW = 'import pw';
const ROWS = 3000;
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let csv: string;
let pwFile: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-import-'));
  env = isolatedEnv(dir);
  csv = join(dir, 'big.csv');
  const rows = Array.from({ length: ROWS }, (_, i) => `"Imported","Site ${i}","user${i}","pw-${i}","https://site${i}.example","",""`);
  writeFileSync(csv, `"Group","Title","Username","Password","URL","Notes","TOTP"\n${rows.join('\n')}\n`);
  pwFile = join(dir, 'pw.txt');
  writeFileSync(pwFile, `${PW}\n`, { mode: 0o600 });
});
afterAll(() => cleanup());

/** Runs stv in a pseudo-terminal (util-linux script) and returns everything it drew there. */
function inTerminal(vault: string, extra: string[]): { status: number | null; drawn: string } {
  const log = join(dir, `typescript-${extra.length}`);
  const cmd = [process.execPath, STV, '--no-agent', '--vault', vault, '--password-file', pwFile, ...extra, 'import', csv].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('/usr/bin/script', ['-qec', `stty cols 100 rows 30; ${cmd}`, log], { env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, drawn: readFileSync(log, 'utf8') };
}

function newVault(name: string): string {
  const vault = join(dir, name);
  expect(stv(['--no-agent', '--vault', vault, 'init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: `${PW}\n` }).status).toBe(0);
  return vault;
}

it('shows "importing… N/M entries" on a terminal, ending at the total', () => {
  const { status, drawn } = inTerminal(newVault('tty.kdbx'), []);
  expect(status, drawn.slice(-500)).toBe(0);
  expect(drawn).toContain(`importing… ${ROWS}/${ROWS} entries`);
  expect(drawn).toContain(`imported ${ROWS} entries from KeePassXC CSV`);
});

it('is silent with -q on a terminal, and when stderr is not a terminal', () => {
  const quiet = inTerminal(newVault('quiet.kdbx'), ['-q']);
  expect(quiet.status).toBe(0);
  expect(quiet.drawn).not.toContain('importing…');
  const piped = stv(['--no-agent', '--vault', newVault('pipe.kdbx'), 'import', csv], { env, input: `${PW}\n` });
  expect(piped.status, piped.stderr).toBe(0);
  expect(piped.stderr).not.toContain('importing…');
  expect(piped.stderr).toContain(`imported ${ROWS} entries`);
});
