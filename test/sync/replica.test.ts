/**
 * stv replica and folder copies end to end (issue 23), with the real CLI and
 * keepassxc-cli as "the other device": `stv replica add DIR` puts the vault
 * in a folder a sync tool keeps; edits made there, and conflict copies the
 * tool leaves beside either copy (Syncthing and Dropbox names here), are
 * merged by the next `stv sync` with one key and set aside; `replica ls`
 * shows every copy; `replica rm` forgets one and touches nothing; `--watch`
 * syncs when a conflict copy appears; bad input is one line and exit 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { stv, STV, tempDir, isolatedEnv, keepassxc, type RunResult } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';
import { Vault } from '../../src/vault/index.js';

const PW = 'replica test pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let local: string;
let folder: string;
let pwFile: string;

const run = (args: string[]): RunResult => stv(['--no-agent', '--password-file', pwFile, ...args], { env, input: '' });
const ok = (args: string[]) => {
  const r = run(args);
  if (r.status !== 0) throw new Error(`stv ${args.join(' ')} → ${r.status}: ${r.stderr}`);
  return r;
};
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const kxAdd = (file: string, title: string) => {
  const r = keepassxc(['add', '-q', '-u', 'kx', file, title], `${PW}\n`);
  if (r.status !== 0) throw new Error(`keepassxc-cli add: ${r.stderr}`);
};

async function titles(path: string): Promise<string[]> {
  const v = await Vault.open(readFileSync(path), { password: Buffer.from(PW) });
  try {
    return [...v.db.entries()].filter((e) => !v.db.isInRecycleBin(e)).map((e) => e.title).sort();
  } finally {
    v.close();
  }
}

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-replica-'));
  env = isolatedEnv(dir);
  pwFile = join(dir, 'pw');
  writeFileSync(pwFile, `${PW}\n`, { mode: 0o600 });
  local = join(dir, 'laptop', 'personal.kdbx');
  folder = join(dir, 'Sync');
  mkdirSync(join(dir, 'laptop'));
  mkdirSync(folder);
  mkdirSync(join(dir, 'config', 'stickvault'), { recursive: true });
  writeFileSync(join(dir, 'config', 'stickvault', 'config.json'), JSON.stringify({ defaultVault: 'personal', vaults: { personal: { path: local } } }));
  ok(['init', '--kdf-iterations', '2', '--kdf-memory', '8']);
  ok(['add', 'Amazon', '-u', 'fred']);
});
afterAll(() => cleanup());

describe('stv replica', () => {
  it('add puts the vault in the folder and says so', () => {
    const r = ok(['replica', 'add', folder]);
    expect(r.stderr).toMatch(/added folder copy 'folder:Sync'/);
    expect(sha(join(folder, 'personal.kdbx'))).toBe(sha(local));
  });

  it('sync merges an edit made in the folder and two conflict copies with one key, and sets the conflict copies aside', async () => {
    ok(['add', 'Laptop', '-u', 'l']);
    // The phone's edit arrived in the folder; a tablet's edit lost a conflict there (Syncthing), another one beside the laptop's file (Dropbox).
    const st = join(folder, 'personal.sync-conflict-20260301-101500-ABCD123.kdbx');
    copyFileSync(join(folder, 'personal.kdbx'), st);
    kxAdd(st, 'Tablet');
    kxAdd(join(folder, 'personal.kdbx'), 'Phone');
    const db = join(dir, 'laptop', "personal (Fred's conflicted copy 2026-03-01).kdbx");
    copyFileSync(join(folder, 'personal.kdbx'), db);
    kxAdd(db, 'Desktop');

    const r = run(['--json', 'sync']);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout).vaults[0];
    expect(report.mode).toBe('merge');
    expect(report.copies.filter((c: { kind: string }) => c.kind === 'conflict').map((c: { status: string }) => c.status)).toEqual(['merged', 'merged']);
    expect(sha(join(folder, 'personal.kdbx'))).toBe(sha(local));
    expect(await titles(local)).toEqual(['Amazon', 'Desktop', 'Laptop', 'Phone', 'Tablet']);
    expect(existsSync(st) || existsSync(db)).toBe(false);
    expect(readdirSync(join(folder, '.stickvault', 'merged-conflicts'))).toEqual(['personal.sync-conflict-20260301-101500-ABCD123.kdbx']);
    expect(readdirSync(join(dir, 'laptop', '.stickvault', 'merged-conflicts'))).toEqual(["personal (Fred's conflicted copy 2026-03-01).kdbx"]);
    // The text report names the conflict copy and where it went.
    const again = ok(['sync']);
    expect(again.stdout).toMatch(/all copies identical/);
  });

  it('ls shows every copy with when it was last synced; rm forgets the folder and touches nothing', () => {
    const ls = ok(['replica', 'ls']);
    expect(ls.stdout).toMatch(/^personal \(/m);
    expect(ls.stdout).toContain(`local   ${local}`);
    expect(ls.stdout).toMatch(/folder {2}folder:Sync {2}.*personal\.kdbx {2}current/);
    const json = JSON.parse(ok(['--json', 'replica', 'ls']).stdout);
    // Sticks other tests have mounted on this machine show up too: look at this vault.
    const mine = json.find((v: { local?: string }) => v.local === local);
    expect(mine.folders[0]).toMatchObject({ label: 'folder:Sync', reachable: true, staleness: { current: true } });
    ok(['add', 'OnlyLocal', '-u', 'x']);
    expect(ok(['replica', 'ls']).stdout).toMatch(/folder:Sync .*behind the local edits/);
    const before = sha(join(folder, 'personal.kdbx'));
    expect(ok(['replica', 'rm', 'folder:Sync']).stderr).toMatch(/stopped syncing folder:Sync/);
    expect(ok(['replica', 'ls']).stdout).not.toContain('folder:Sync');
    expect(sha(join(folder, 'personal.kdbx'))).toBe(before);
  });

  it('refuses a folder that is not there, an unknown replica: one line, exit 2', () => {
    const r = run(['replica', 'add', join(dir, 'nope')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^stv: .*is not a directory/);
    const rm = run(['replica', 'rm', 'nothing-like-it']);
    expect(rm.stderr).toMatch(/^stv: no replica 'nothing-like-it'/);
    expect(rm.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--watch syncs when a conflict copy appears beside the folder copy', async () => {
    ok(['replica', 'add', folder]);
    mkdirSync(join(dir, 'media'), { recursive: true });
    const child = spawn(process.execPath, [STV, '--no-agent', '--password-file', pwFile, 'sync', 'personal', '--watch', '--watch-dir', join(dir, 'media')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    try {
      expect(await until(() => stderr.includes('watching'), 20_000)).toBe(true);
      const conflict = join(folder, 'personal (conflicted copy 2026-03-02 090000).kdbx');
      const tmp = join(dir, 'incoming.kdbx');
      copyFileSync(join(folder, 'personal.kdbx'), tmp);
      kxAdd(tmp, 'FromNextcloud');
      copyFileSync(tmp, conflict);
      expect(await until(() => !existsSync(conflict), 30_000), stderr).toBe(true);
      expect(await titles(local)).toContain('FromNextcloud');
      expect(sha(join(folder, 'personal.kdbx'))).toBe(sha(local));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
