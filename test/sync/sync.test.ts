/**
 * stv sync across real file systems: a local copy and sticks that are small
 * loop-mounted ext4 images (plain directories when not root — said in the
 * output). Concurrent edits on every copy converge with no edit lost; a copy
 * edited by keepassxc-cli merges; a missing, full, read-only or foreign stick
 * is reported while every other copy is brought up to date and the old file
 * stays readable; kill -9 at any point leaves every copy openable; a second
 * sync is refused; --watch syncs a stick as it is mounted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync, utimesSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { stv, STV, tempDir, isolatedEnv, keepassxc, type RunResult } from '../helpers/tools.js';
import { makeStick, mountAgain, remount, removeStick, unmount, type TestStick } from './sticks.js';
import { Vault, PIDLESS_LOCK_STALE_MS } from '../../src/vault/index.js';

const PW = 'sync test pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let local: string;
let pwFile: string;
const sticks: Record<string, TestStick> = {};

const run = (args: string[], o: { input?: string; key?: boolean } = {}): RunResult =>
  stv(['--no-agent', ...(o.key === false ? [] : ['--password-file', pwFile]), ...args], { env, input: o.input ?? '' });
const ok = (args: string[], o?: { input?: string; key?: boolean }) => {
  const r = run(args, o);
  if (r.status !== 0) throw new Error(`stv ${args.join(' ')} → ${r.status}: ${r.stderr}`);
  return r;
};
const syncJson = (args: string[] = [], o?: { key?: boolean }) => {
  const r = run(['--json', 'sync', ...args], o);
  return { status: r.status, stderr: r.stderr, report: r.stdout ? JSON.parse(r.stdout).vaults[0] : undefined };
};
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const copyOn = (s: TestStick) => join(s.root, 'personal.kdbx');

async function titles(path: string): Promise<string[]> {
  const v = await Vault.open(readFileSync(path), { password: Buffer.from(PW) });
  try {
    return [...v.db.entries()].filter((e) => !v.db.isInRecycleBin(e)).map((e) => e.title).sort();
  } finally {
    v.close();
  }
}

function statusOf(report: { copies: { label: string; status: string; detail?: string }[] }, label: string) {
  return report.copies.find((c) => c.label === label);
}

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-sync-'));
  env = isolatedEnv(dir);
  pwFile = join(dir, 'pw');
  writeFileSync(pwFile, `${PW}\n`, { mode: 0o600 });
  local = join(dir, 'laptop', 'personal.kdbx');
  mkdirSync(join(dir, 'laptop'));
  for (const name of ['white', 'white-backup', 'spare', 'foreign', 'late']) sticks[name] = makeStick(dir, name);
  sticks.fat = makeStick(dir, 'fat', { fs: 'vfat' });
  console.log(`sticks: ${Object.entries(sticks).map(([n, s]) => `${n}=${s.mounted ? `loop-mounted ${s.fs}` : 'plain directory'}`).join(', ')}` +
    (sticks.fat.mounted ? '' : ' (FAT: this kernel or user cannot mount vfat here)'));
  mkdirSync(join(dir, 'config', 'stickvault'), { recursive: true });
  writeFileSync(join(dir, 'config', 'stickvault', 'config.json'), JSON.stringify({
    defaultVault: 'personal',
    vaults: { personal: { path: local } },
    // Plain-directory sticks are not in the mount table; the config names them.
    stickPaths: Object.values(sticks).filter((s) => !s.mounted).map((s) => s.root),
  }));
  ok(['init', '--kdf-iterations', '2', '--kdf-memory', '8']);
  ok(['mkdir', 'Shop']);
  ok(['add', 'Shop/Amazon', '-u', 'fred']);
});

afterAll(() => {
  for (const s of Object.values(sticks)) removeStick(s);
  cleanup?.();
});

describe('stv sync', () => {
  it('stick init puts the vault on each stick; identical copies need no key', async () => {
    for (const name of ['white', 'white-backup', 'spare', 'fat']) ok(['stick', 'init', sticks[name].root, '--label', name]);
    for (const name of ['white', 'white-backup', 'spare', 'fat']) {
      expect(sha(copyOn(sticks[name]))).toBe(sha(local));
      expect(existsSync(join(sticks[name].root, '.stickvault', 'stick.json'))).toBe(true);
    }
    const r = syncJson([], { key: false });
    expect(r.status).toBe(0);
    expect(r.report.mode).toBe('identical');
    expect(r.report.copies.map((c: { status: string }) => c.status)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
  });

  it('copies a newer local version to every stick without the key (sidecars, not clocks)', async () => {
    ok(['add', 'Shop/eBay', '-u', 'fred']);
    const r = syncJson([], { key: false });
    expect(r.status, r.stderr).toBe(0);
    expect(r.report.mode).toBe('fast-forward');
    for (const name of ['white', 'white-backup', 'spare', 'fat']) {
      expect(statusOf(r.report, name)!.status).toBe('updated');
      expect(sha(copyOn(sticks[name]))).toBe(sha(local));
    }
  });

  it('an stv edit made on a stick copy also reaches the other copies without the key', async () => {
    ok(['--vault', copyOn(sticks.white), 'add', 'Shop/OnStick', '-u', 's']);
    const r = syncJson([], { key: false });
    expect(r.status, r.stderr).toBe(0);
    expect(r.report.mode).toBe('fast-forward');
    expect(statusOf(r.report, 'local')!.status).toBe('updated');
    expect(await titles(local)).toContain('OnStick');
  });

  it('edits on every copy, one by keepassxc-cli, converge with no edit lost', async () => {
    ok(['add', 'Shop/Local', '-u', 'l']);
    ok(['--vault', copyOn(sticks.white), 'add', 'Shop/White', '-u', 'w']);
    ok(['--vault', copyOn(sticks['white-backup']), 'edit', 'Shop/Amazon', '-u', 'fred@backup']);
    const kx = keepassxc(['add', '-q', '-u', 'kx', copyOn(sticks.spare), 'Shop/FromKeePassXC'], `${PW}\n`);
    expect(kx.status, kx.stderr).toBe(0);
    // Without a key the copies cannot be merged: exit 5, nothing written.
    const before = sha(local);
    expect(run(['sync'], { key: false }).status).toBe(5);
    expect(sha(local)).toBe(before);

    const r = syncJson();
    expect(r.status, r.stderr).toBe(0);
    expect(r.report.mode).toBe('merge');
    expect(r.report.conflicts).toEqual([]);
    const all = ['Amazon', 'FromKeePassXC', 'Local', 'OnStick', 'White', 'eBay'];
    expect(await titles(local)).toEqual(all);
    for (const name of ['white', 'white-backup', 'spare', 'fat']) expect(sha(copyOn(sticks[name]))).toBe(sha(local));
    expect(ok(['show', 'Shop/Amazon', '-a', 'username']).stdout.trim()).toBe('fred@backup');
    // KeePassXC still opens and reads the merged result.
    const back = keepassxc(['ls', '-R', '-f', copyOn(sticks.spare)], `${PW}\n`);
    expect(back.stdout).toContain('Shop/FromKeePassXC');
    // A second sync has nothing to do.
    expect(syncJson([], { key: false }).report.mode).toBe('identical');
  });

  it('concurrent edits of one entry keep both versions and ask for a look (exit 7)', async () => {
    ok(['edit', 'Shop/eBay', '-u', 'laptop-edit']);
    ok(['--vault', copyOn(sticks.white), 'edit', 'Shop/eBay', '-u', 'stick-edit']);
    const r = syncJson();
    expect(r.status).toBe(7);
    expect(r.report.conflicts).toHaveLength(1);
    expect(r.report.conflicts[0].path).toBe('Shop/eBay');
    const found = ok(['find', 'stickvault-conflict']).stdout;
    expect(found).toContain('Shop/eBay');
    const shown = JSON.parse(ok(['--json', 'show', 'Shop/eBay']).stdout);
    expect(['laptop-edit', 'stick-edit']).toContain(shown.username);
    // Both versions exist: the other one is in the history.
    const v = await Vault.open(readFileSync(copyOn(sticks.white)), { password: Buffer.from(PW) });
    const e = [...v.db.entries()].find((x) => x.title === 'eBay')!;
    const names = [e.get('UserName'), ...e.history.map((h) => h.get('UserName'))];
    v.close();
    expect(names).toContain('laptop-edit');
    expect(names).toContain('stick-edit');
  });

  it('a missing, full, read-only or foreign stick fails alone; the rest converge and old files stay readable', async () => {
    // foreign: a stick that claims this vault but holds another one (same password, no vault id).
    ok(['stick', 'init', sticks.foreign.root, '--label', 'foreign']);
    const other = join(dir, 'other.kdbx');
    ok(['--vault', other, 'init', '--kdf-iterations', '2', '--kdf-memory', '8']);
    copyFileSync(other, copyOn(sticks.foreign));
    unmount(sticks.spare);
    const roBefore = sha(copyOn(sticks.white));
    const fullBefore = sha(copyOn(sticks['white-backup']));
    if (sticks.white.mounted) remount(sticks.white, 'ro');
    if (sticks['white-backup'].mounted) fillUp(sticks['white-backup'].root);

    ok(['add', 'Shop/WhileBroken', '-u', 'x']);
    const r = syncJson();
    expect(r.status).toBe(7);
    expect(statusOf(r.report, 'local')!.status).not.toBe('failed');
    expect(statusOf(r.report, 'spare')).toBeUndefined();
    expect(statusOf(r.report, 'foreign')!.status).toBe('failed');
    expect(statusOf(r.report, 'foreign')!.detail).toMatch(/another vault/);
    if (sticks.white.mounted) {
      expect(statusOf(r.report, 'white')!).toMatchObject({ status: 'failed', detail: expect.stringMatching(/read-only/) });
      expect(sha(copyOn(sticks.white))).toBe(roBefore);
      expect(await titles(copyOn(sticks.white))).toContain('Amazon');
    }
    if (sticks['white-backup'].mounted) {
      expect(statusOf(r.report, 'white-backup')!).toMatchObject({ status: 'failed', detail: expect.stringMatching(/no space/) });
      expect(sha(copyOn(sticks['white-backup']))).toBe(fullBefore);
      expect(await titles(copyOn(sticks['white-backup']))).toContain('Amazon');
    }
    expect(await titles(local)).toContain('WhileBroken');
    // The other vault was not merged in, nor overwritten.
    expect(sha(copyOn(sticks.foreign))).toBe(sha(other));

    // The absent stick is known and behind.
    const ls = JSON.parse(ok(['--json', 'stick', 'ls']).stdout) as { label: string; mounted: boolean; vaults: { staleness: { current: boolean } }[] }[];
    const spare = ls.find((s) => s.label === 'spare')!;
    expect(spare.mounted).toBe(!sticks.spare.image);
    expect(spare.vaults[0].staleness.current).toBe(false);

    // Put things right: every copy converges, the foreign file is replaced only once the user removed it.
    if (sticks.white.image) remount(sticks.white, 'rw');
    rmSync(join(sticks['white-backup'].root, 'filler'), { force: true });
    if (sticks.spare.image) mountAgain(sticks.spare);
    rmSync(copyOn(sticks.foreign));
    const fixed = syncJson();
    expect(fixed.status, JSON.stringify(fixed.report?.copies)).toBe(0);
    expect(statusOf(fixed.report, 'foreign')!.status).toBe('created');
    for (const name of ['white', 'white-backup', 'spare', 'foreign']) expect(sha(copyOn(sticks[name]))).toBe(sha(local));
  });

  it('a merge uses the key the unlocked agent holds, and needs no password', async () => {
    const withAgent = (args: string[], input = '') => stv(args, { env, input });
    expect(withAgent(['--password-file', pwFile, 'unlock', '--timeout', '120']).status).toBe(0);
    try {
      ok(['add', 'Shop/AgentLocal', '-u', 'a']);
      ok(['--vault', copyOn(sticks.white), 'add', 'Shop/AgentStick', '-u', 'b']);
      const r = withAgent(['--json', 'sync']);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).vaults[0].mode).toBe('merge');
      expect(await titles(copyOn(sticks.spare))).toEqual(expect.arrayContaining(['AgentLocal', 'AgentStick']));
    } finally {
      withAgent(['lock', '--all']);
    }
  });

  it('a new machine with no local file gets its copy from the sticks, key-less', async () => {
    const home = join(dir, 'new-machine');
    const newEnv = isolatedEnv(home);
    // The new machine finds its vault by name or file name on the mounted sticks. Other test runs on
    // this machine have sticks mounted too, holding their own 'personal.kdbx': this run's vault gets a
    // name of its own on one more stick, so that only this run's sticks are ever picked.
    const own = `personal-${randomBytes(4).toString('hex')}`;
    const ownStick = join(dir, 'media', 'new-machine-stick');
    mkdirSync(ownStick, { recursive: true });
    ok(['stick', 'init', ownStick, '--label', 'carried', '--file', `${own}.kdbx`]);
    const newLocal = join(home, 'vaults', `${own}.kdbx`);
    mkdirSync(join(home, 'config', 'stickvault'), { recursive: true });
    writeFileSync(join(home, 'config', 'stickvault', 'config.json'), JSON.stringify({
      defaultVault: own,
      vaults: { [own]: { path: newLocal } },
      stickPaths: [...Object.values(sticks).filter((s) => !s.mounted).map((s) => s.root), ownStick],
    }));
    const r = stv(['--no-agent', '--json', 'sync'], { env: newEnv, input: '' });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout).vaults[0];
    expect(statusOf(report, 'local')!.status).toBe('created');
    expect(sha(newLocal)).toBe(sha(copyOn(sticks.white)));
  });

  it('refuses a second sync of the same vault while one runs', () => {
    const id = syncJson([], { key: false }).report.vaultId;
    const lock = join(dir, 'state', 'stickvault', `sync-${id}.lock`);
    writeFileSync(lock, String(process.pid)); // a live process holds it
    try {
      const r = run(['sync']);
      expect(r.status).toBe(7);
      expect(r.stderr).toMatch(/another stv sync .* is running/);
    } finally {
      rmSync(lock);
    }
  });

  it('--dry-run says what would change and writes nothing', () => {
    ok(['add', 'Shop/DryRun', '-u', 'd']);
    const before = sha(copyOn(sticks.white));
    const r = syncJson(['--dry-run'], { key: false });
    expect(r.status).toBe(0);
    expect(r.report.dryRun).toBe(true);
    expect(statusOf(r.report, 'white')!.status).toBe('updated');
    expect(sha(copyOn(sticks.white))).toBe(before);
  });

  it('kill -9 at any point of a sync leaves every copy openable with its old or its new content', async () => {
    const copies = () => [local, ...['white', 'white-backup', 'spare', 'foreign'].map((n) => copyOn(sticks[n]))];
    const t0 = Date.now();
    ok(['sync']);
    const duration = Math.max(200, Date.now() - t0);
    const points = 12;
    for (let i = 0; i < points; i++) {
      ok(['add', 'Shop/Kill' + i, '-u', 'k']);
      ok(['--vault', copyOn(sticks.white), 'add', 'Shop/WhiteKill' + i, '-u', 'k']); // forces a merge
      const before = await Promise.all(copies().map(titles));
      const union = [...new Set(before.flat())].sort();
      const child = spawn(process.execPath, [STV, '--no-agent', '--password-file', pwFile, 'sync'], { env, stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r)); // late kill points find it finished
      await new Promise((r) => setTimeout(r, Math.round((duration * 1.2 * i) / points)));
      child.kill('SIGKILL');
      await exited;
      const after = await Promise.all(copies().map(titles));
      after.forEach((t, k) => expect([before[k], union]).toContainEqual(t));
    }
    console.log(`kill -9 at ${points} points over ${Math.round(duration * 1.2)} ms of a ${copies().length}-copy sync: every copy opened with its old or new content`);
    const r = syncJson();
    expect(r.status, JSON.stringify(r.report?.copies)).toBe(0);
    const expected = await titles(local);
    for (const p of copies()) expect(await titles(p)).toEqual(expected);
    for (let i = 0; i < points; i++) expect(expected).toEqual(expect.arrayContaining(['Kill' + i, 'WhiteKill' + i]));
  }, 240_000); // 36 stv runs: generous for a loaded 2-core machine

  it('a copy whose lock a killed writer left without its pid is taken over once that lock is old enough, and the sync converges', () => {
    ok(['add', 'Shop/AfterPidlessLock', '-u', 'p']);
    const lock = `${copyOn(sticks.spare)}.lock`;
    writeFileSync(lock, ''); // what a writer killed between creating its lock and writing its pid leaves
    // Stale 2.5 s from now: longer than the 2 s a sync waits for a copy's lock held by a live writer.
    const aged = new Date(Date.now() - (PIDLESS_LOCK_STALE_MS - 2_500));
    utimesSync(lock, aged, aged);
    const r = syncJson();
    expect(r.status, JSON.stringify(r.report?.copies)).toBe(0);
    expect(statusOf(r.report, 'spare')?.status).toBe('updated');
    expect(existsSync(lock)).toBe(false);
  });

  it('--watch syncs a stick as soon as it is mounted', async () => {
    const late = sticks.late;
    ok(['stick', 'init', late.root, '--label', 'late']);
    unmount(late);
    if (!late.image) rmSync(join(late.root, '.stickvault'), { recursive: true, force: true });
    ok(['add', 'Shop/WhileAway', '-u', 'w']);
    const child = spawn(process.execPath, [STV, '--no-agent', '--password-file', pwFile, 'sync', 'personal', '--watch', '--watch-dir', join(dir, 'media')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    try {
      await until(() => stderr.includes('watching'), 20_000);
      // The watcher's first look syncs what is mounted now; then the late stick arrives.
      await until(() => sha(copyOn(sticks.white)) === sha(local), 30_000);
      if (late.image) mountAgain(late);
      else ok(['stick', 'init', late.root, '--label', 'late']);
      await until(() => existsSync(copyOn(late)) && sha(copyOn(late)) === sha(local), 30_000);
      expect(await titles(copyOn(late))).toContain('WhileAway');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});

describe('stv help sync', () => {
  it('shows the sync command and the topic: how copies converge, and a systemd unit and udev rule for --watch', () => {
    const r = ok(['help', 'sync']);
    expect(r.stdout).toContain('Usage: stv sync');
    expect(r.stdout).toContain('Sticks and sync');
    expect(r.stdout).toMatch(/\[Service\][\s\S]*ExecStart=.*stv sync --watch/);
    expect(r.stdout).toContain('udev');
  });
});

describe('stv stick init', () => {
  it('refuses a file outside the stick, and remembers a plain directory in the config so sync finds it', () => {
    const plain = join(dir, 'plain-dir-stick');
    mkdirSync(plain);
    const bad = run(['stick', 'init', plain, '--label', 'plain', '--file', '../escape.kdbx']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(plain, '.stickvault'))).toBe(false);
    ok(['stick', 'init', plain, '--label', 'plain']);
    const config = JSON.parse(readFileSync(join(dir, 'config', 'stickvault', 'config.json'), 'utf8'));
    expect(config.stickPaths).toContain(plain);
    const r = syncJson([], { key: false });
    expect(r.status, r.stderr).toBe(0);
    expect(statusOf(r.report, 'plain')!.status).toBe('unchanged');
  });
});

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

/** Fill a file system to the last block. */
function fillUp(root: string): void {
  const fd = openSync(join(root, 'filler'), 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try {
          writeSync(fd, chunk, 0, size);
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}
