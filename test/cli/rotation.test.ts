/**
 * Rotating the master key (issue 18, hole 6): after `stv passwd` (and
 * `passwd --rekey`, same password, new salt) no copy stickvault made opens
 * with the old password — or, for --rekey, with the old derived key:
 * PATH.bak and the mounted stick's backup generations are re-encrypted with
 * the new key; a stick that was not mounted has its old-key generations
 * removed at its next sync. passwd says what it did and what remains. Files
 * are checked with keepassxc-cli as well as stv.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, keepassxc, stv, tempDir } from '../helpers/tools.js';
import { Vault } from '../../src/vault/index.js';

const OLD = 'rotation-old-Ii9!';
const NEW = 'rotation-new-Jj0!';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
const stick = (name: string) => join(dir, 'sticks', name);
const generations = (name: string) => {
  const root = join(stick(name), '.stickvault', 'backups');
  return readdirSync(root).flatMap((id) => readdirSync(join(root, id)).map((f) => join(root, id, f)));
};

function ok(args: string[], input = '') {
  const r = stv(['--no-agent', '--vault', vault, ...args], { env, input });
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

/** Does this file open with `pw`? Asked of stv and of keepassxc-cli, which must agree. */
function opensWith(file: string, pw: string): boolean {
  const ours = stv(['--no-agent', '--vault', file, 'ls'], { env, input: `${pw}\n` }).status === 0;
  const theirs = keepassxc(['ls', '-q', file], `${pw}\n`).status === 0;
  expect(theirs, `keepassxc-cli and stv disagree on ${file}`).toBe(ours);
  return ours;
}

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-rotation-'));
  env = isolatedEnv(dir);
  vault = join(dir, 'v.kdbx');
  for (const s of ['white', 'black']) mkdirSync(stick(s), { recursive: true });
  mkdirSync(join(dir, 'config', 'stickvault'), { recursive: true });
  writeFileSync(join(dir, 'config', 'stickvault', 'config.json'), JSON.stringify({ stickPaths: [stick('white'), stick('black')] }));
  ok(['init', '--kdf', 'argon2id', '--kdf-memory', '8', '--kdf-iterations', '2'], `${OLD}\n${OLD}\n`);
  ok(['add', 'First', '-u', 'one'], `${OLD}\n`);
  ok(['stick', 'init', stick('white'), '--label', 'white'], `${OLD}\n`);
  ok(['stick', 'init', stick('black'), '--label', 'black'], `${OLD}\n`);
  // Two more versions synced: each stick keeps the ones it had as backup generations.
  for (const t of ['Second', 'Third']) {
    ok(['add', t], `${OLD}\n`);
    ok(['sync'], `${OLD}\n`);
  }
}, 120_000);
afterAll(() => cleanup());

describe('passwd', () => {
  it('re-encrypts .bak and the mounted stick\'s generations, and the unmounted stick\'s go at its next sync', () => {
    expect(generations('white').length).toBeGreaterThan(0);
    expect(generations('black').length).toBeGreaterThan(0);
    for (const g of [...generations('white'), ...generations('black')]) expect(opensWith(g, OLD)).toBe(true);
    // black is "not mounted": out of the configured stick paths during the key change.
    writeFileSync(join(dir, 'config', 'stickvault', 'config.json'), JSON.stringify({ stickPaths: [stick('white')] }));
    const r = ok(['--password-fd', '0', 'passwd'], `${OLD}\n${NEW}\n`);
    expect(r.stderr).toMatch(/^re-encrypted \S+v\.kdbx\.bak with the new key$/m);
    expect(r.stderr).toMatch(/^stick white: re-encrypted \d+ backup generations?$/m);
    expect(r.stderr).toMatch(/still has the old key until 'stv sync'/);
    expect(r.stderr).toMatch(/^not mounted: black: /m);
    expect(opensWith(`${vault}.bak`, OLD)).toBe(false);
    expect(opensWith(`${vault}.bak`, NEW)).toBe(true);
    for (const g of generations('white')) {
      expect(opensWith(g, OLD), g).toBe(false);
      expect(opensWith(g, NEW), g).toBe(true);
    }
    // black comes back and is synced: its copy gets the new key, and no generation opens with the old password.
    writeFileSync(join(dir, 'config', 'stickvault', 'config.json'), JSON.stringify({ stickPaths: [stick('white'), stick('black')] }));
    const sync = ok(['sync'], `${NEW}\n`);
    expect(sync.stdout + sync.stderr).toMatch(/removed \d+ backup generation\(s\) under a retired key/);
    for (const g of generations('black')) expect(opensWith(g, OLD), g).toBe(false);
    for (const g of generations('white')) expect(opensWith(g, OLD), g).toBe(false);
  });

  it('--rekey keeps the password but no old copy opens with the old derived key', async () => {
    const before = await Vault.deriveKeyFor(readFileSync(vault), { password: new TextEncoder().encode(NEW) });
    const r = ok(['passwd', '--rekey'], `${NEW}\n`);
    expect(r.stderr).toMatch(/new key for \S+ \(same password and keyfile, new KDF salt\)/);
    expect(opensWith(vault, NEW)).toBe(true);
    for (const f of [vault, `${vault}.bak`, ...generations('white')]) {
      await expect(Vault.open(readFileSync(f), { transformed: Uint8Array.from(before.transformed), kdfFingerprint: before.kdfFingerprint }), f).rejects.toThrow();
      expect(opensWith(f, NEW), f).toBe(true);
    }
  });
});
