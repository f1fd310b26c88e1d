/**
 * The spinner never loops (issue 18, hole 11): on a pseudo-terminal that
 * reports 0 columns (`script … </dev/null`, as some CI systems run commands)
 * the unlock spinner spun at 100 % CPU forever. Now a terminal without a
 * width, like a pipe, gets no spinner, and the command ends with its output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, STV, stv, tempDir } from '../helpers/tools.js';

const PW = 'spinner-master-Hh8!';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-spinner-'));
  env = isolatedEnv(dir, { TERM: 'xterm-256color' });
  vault = join(dir, 'v.kdbx');
  expect(stv(['--no-agent', '--vault', vault, 'init', '--kdf', 'argon2id', '--kdf-memory', '8', '--kdf-iterations', '2'], { env, input: `${PW}\n${PW}\n` }).status).toBe(0);
  expect(stv(['--no-agent', '--vault', vault, 'add', 'Spin', '-u', 'sam'], { env, input: `${PW}\n` }).status).toBe(0);
  writeFileSync(join(dir, 'pw'), `${PW}\n`, { mode: 0o600 });
});
afterAll(() => cleanup());

describe('the unlock spinner', () => {
  it('on a terminal of 0 columns: no spinner, the command ends with its output', () => {
    const log = join(dir, 'typescript');
    const nul = openSync('/dev/null', 'r');
    const cmd = `stty size; ${process.execPath} ${STV} --no-agent --vault ${vault} --password-file ${join(dir, 'pw')} ls`;
    // script's pty takes its size from stdin; /dev/null has none, so the pty reports 0 0.
    const r = spawnSync('/usr/bin/script', ['-qec', cmd, log], { env, stdio: [nul, 'pipe', 'pipe'], encoding: 'utf8', timeout: 30_000 });
    closeSync(nul);
    if (r.error) spawnSync('pkill', ['-KILL', '-f', `--vault ${vault} `]); // a looping stv outlives script; only this test's vault path matches
    expect(r.error, 'stv did not end: the spinner looped').toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^0 0\r?\n/); // the premise: a terminal that reports no width
    expect(r.stdout).toContain('Spin');
    expect(r.stdout).not.toContain('unlocking');
  });
});
