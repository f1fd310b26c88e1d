/**
 * A stick someone else had in their hands (issue 18, holes 2, 3 and 8): its
 * vault file may be a forged copy whose sidecar lies about its ancestry, a
 * link to a private file or to /dev/zero, a FIFO; a directory on the way to
 * it, its backups dir, its base or its lock may be links; its sidecar may be
 * huge. `stv sync` (and `--watch`) must never let a copy it cannot
 * authenticate replace another, never read or write outside the stick, never
 * hang or grow, and must say which copy it left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { STV, tempDir, isolatedEnv, type RunResult } from '../helpers/tools.js';
import { Vault } from '../../src/vault/index.js';
import { makeStick, removeStick } from './sticks.js';

const PW = 'attack test pw';
let top: string;
let cleanup: () => void;

beforeAll(() => {
  ({ dir: top, cleanup } = tempDir('stv-stick-attacks-'));
});
afterAll(() => cleanup?.());

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** One laptop with a vault and one stick (a plain directory, found through stickPaths), synced. */
function laptop(name: string, o: { file?: string } = {}) {
  const home = join(top, name);
  const env = isolatedEnv(home);
  const local = join(home, 'laptop', 'personal.kdbx');
  const stick = join(home, 'media', 'WHITE');
  const pwFile = join(home, 'pw');
  const outside = join(home, 'outside');
  for (const d of [join(home, 'laptop'), stick, outside, join(home, 'config', 'stickvault')]) mkdirSync(d, { recursive: true });
  writeFileSync(pwFile, `${PW}\n`, { mode: 0o600 });
  writeFileSync(join(home, 'config', 'stickvault', 'config.json'), JSON.stringify({ defaultVault: 'personal', vaults: { personal: { path: local } }, stickPaths: [stick] }));
  const run = (args: string[], x: { key?: boolean; timeout?: number } = {}): RunResult => {
    const r = spawnSync(process.execPath, [STV, '--no-agent', ...(x.key === false ? [] : ['--password-file', pwFile]), ...args], {
      env, input: '', encoding: 'utf8', timeout: x.timeout ?? 60_000, maxBuffer: 64 * 1024 * 1024,
    });
    return { status: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') + (r.error ? String(r.error) : '') };
  };
  const ok = (args: string[]) => {
    const r = run(args);
    if (r.status !== 0) throw new Error(`stv ${args.join(' ')} → ${r.status}: ${r.stderr}`);
    return r;
  };
  ok(['init', '--kdf-iterations', '2', '--kdf-memory', '8']);
  ok(['add', 'Bank', '-u', 'fred']);
  ok(['stick', 'init', stick, '--label', 'white', ...(o.file ? ['--file', o.file] : [])]);
  const copy = join(stick, o.file ?? 'personal.kdbx');
  expect(sha(copy)).toBe(sha(local));
  const syncJson = (x: { key?: boolean; timeout?: number } = {}) => {
    const r = run(['--json', 'sync'], x);
    let report;
    try {
      report = JSON.parse(r.stdout).vaults[0];
    } catch {
      report = undefined;
    }
    return { ...r, report };
  };
  const vaultId = syncJson().report.vaultId as string;
  /** A private file of the laptop's user, outside every stick. */
  const secret = join(home, 'private', 'secret.txt');
  const marker = `TOP-SECRET-${randomBytes(8).toString('hex')}`;
  mkdirSync(join(home, 'private'), { recursive: true });
  writeFileSync(secret, `${marker}\n`, { mode: 0o600 });
  return { home, env, local, stick, copy, outside, run, ok, syncJson, vaultId, secret, marker, pwFile };
}

type Laptop = ReturnType<typeof laptop>;

/** Every regular file under `root` (links are not followed) whose bytes contain `marker`. */
function filesContaining(root: string, marker: string, skip: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (p === skip) continue;
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && readFileSync(p).includes(marker)) found.push(p);
    }
  };
  walk(root);
  return found;
}

const copyOf = (report: { copies: { label: string; status: string; detail?: string }[] }, label: string) => report.copies.find((c) => c.label === label)!;

/** Peak RSS in MiB of one stv run, by GNU time. */
function peakRss(l: Laptop, args: string[]): { status: number; mib: number; stderr: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', process.execPath, STV, '--no-agent', '--password-file', l.pwFile, ...args], { env: l.env, input: '', encoding: 'utf8', timeout: 60_000 });
  const m = /MAXRSS (\d+)/.exec(String(r.stderr));
  return { status: r.status ?? -1, mib: m ? Number(m[1]) / 1024 : Infinity, stderr: String(r.stderr) };
}

describe('a forged copy on a stick (issue 18 hole 2)', () => {
  it('a valid header followed by random bytes, with a sidecar claiming to descend from the laptop copy, never replaces the laptop copy', async () => {
    const l = laptop('forged');
    const before = sha(l.local);
    const good = readFileSync(l.local);
    const { headerBytes } = Vault.header(good);
    // The laptop's own header, its SHA-256 and HMAC (so the header checks out), then noise.
    const forged = Buffer.concat([good.subarray(0, headerBytes.length + 64), randomBytes(16 * 1024)]);
    writeFileSync(l.copy, forged);
    const forgedSha = createHash('sha256').update(forged).digest('hex');
    writeFileSync(join(l.stick, '.stickvault', `${l.vaultId}.state.json`), JSON.stringify({
      format: 1, vaultId: l.vaultId, file: 'personal.kdbx', sha256: forgedSha, ancestors: [before], writtenAt: new Date().toISOString(),
    }));

    // Without the key nothing can vouch for the stick's copy: nothing is replaced.
    const keyless = l.syncJson({ key: false });
    expect(keyless.status, keyless.stdout + keyless.stderr).not.toBe(0);
    expect(sha(l.local)).toBe(before);
    expect(sha(l.copy)).toBe(forgedSha);

    // With the key: the stick's copy is found damaged, replaced by the laptop's, and kept as a generation.
    const r = l.syncJson();
    expect(r.status, r.stderr).toBe(7);
    expect(sha(l.local)).toBe(before);
    expect(copyOf(r.report, 'local').status).toBe('unchanged');
    expect(copyOf(r.report, 'white')).toMatchObject({ status: 'updated', detail: expect.stringMatching(/damaged/) });
    expect(sha(l.copy)).toBe(before);
    const kept = readdirSync(join(l.stick, '.stickvault', 'backups', l.vaultId));
    expect(kept.some((f) => readFileSync(join(l.stick, '.stickvault', 'backups', l.vaultId, f)).equals(forged))).toBe(true);
    expect(l.run(['ls']).status).toBe(0);
  });
  it('a genuine newer copy that another machine wrote replaces the laptop copy only once opened with the key, and then as it is', () => {
    const l = laptop('other-machine');
    const before = sha(l.local);
    // Another machine (its own state dir, so its own ledger) edits the stick's copy with stv.
    const elsewhere = isolatedEnv(join(l.home, 'elsewhere'));
    const r1 = spawnSync(process.execPath, [STV, '--no-agent', '--password-file', l.pwFile, '--vault', l.copy, 'add', 'FromElsewhere', '-u', 'e'], { env: elsewhere, input: '', encoding: 'utf8' });
    expect(r1.status, r1.stderr).toBe(0);
    const theirs = sha(l.copy);
    const keyless = l.syncJson({ key: false });
    expect(keyless.status).toBe(5); // the key is needed, and there is no way to ask for it
    expect(sha(l.local)).toBe(before);
    const r = l.syncJson();
    expect(r.status, r.stderr).toBe(0);
    expect(r.report).toMatchObject({ mode: 'merge', from: 'white' });
    expect(sha(l.local)).toBe(theirs); // the stick's bytes as they are: nothing re-encrypted
    expect(sha(l.copy)).toBe(theirs);
    expect(l.syncJson({ key: false }).report.mode).toBe('identical');
  });
});

describe('links and special files on a stick (issue 18 hole 3)', () => {
  it("a vault file that links to the laptop user's private file: its bytes are copied nowhere", () => {
    const l = laptop('link-out');
    rmSync(l.copy);
    symlinkSync(l.secret, l.copy);
    l.ok(['add', 'AfterLink', '-u', 'x']);
    const r = l.syncJson();
    expect(r.status).toBe(7);
    expect(copyOf(r.report, 'white')).toMatchObject({ status: 'failed', detail: expect.stringMatching(/symbolic link/) });
    expect(readlinkSync(l.copy)).toBe(l.secret);
    expect(readFileSync(l.secret, 'utf8')).toBe(`${l.marker}\n`);
    expect(filesContaining(l.home, l.marker, join(l.home, 'private'))).toEqual([]);
  });

  it("a linked directory in the stick's file path: nothing is written outside the stick", () => {
    const l = laptop('link-dir', { file: 'sub/personal.kdbx' });
    const target = join(l.outside, 'sub');
    renameSync(join(l.stick, 'sub'), target);
    symlinkSync(target, join(l.stick, 'sub'));
    const outsideBefore = sha(join(target, 'personal.kdbx'));
    l.ok(['add', 'AfterDirLink', '-u', 'x']);
    const r = l.syncJson();
    expect(r.status).toBe(7);
    expect(copyOf(r.report, 'white')).toMatchObject({ status: 'failed', detail: expect.stringMatching(/symbolic link/) });
    expect(sha(join(target, 'personal.kdbx'))).toBe(outsideBefore);
    expect(readdirSync(target)).toEqual(['personal.kdbx']);
  });

  it('a linked backups directory (or a linked generations dir in it): nothing outside is deleted or written, the stick copy is left as it was', () => {
    for (const variant of ['backups', 'backups/VAULT'] as const) {
      const l = laptop(`link-backups-${variant.replace('/', '-')}`);
      const victim = join(l.outside, 'victim');
      const names = Array.from({ length: 6 }, (_, i) => `2024010${i + 1}T000000Z-${'a'.repeat(11)}${i}.kdbx`);
      const victimFiles = variant === 'backups' ? join(victim, l.vaultId) : victim;
      mkdirSync(victimFiles, { recursive: true });
      for (const n of names) writeFileSync(join(victimFiles, n), 'victim file');
      const backups = join(l.stick, '.stickvault', 'backups');
      rmSync(backups, { recursive: true, force: true });
      if (variant === 'backups') symlinkSync(victim, backups);
      else {
        mkdirSync(backups);
        symlinkSync(victim, join(backups, l.vaultId));
      }
      const stickBefore = sha(l.copy);
      l.ok(['add', 'AfterBackupsLink', '-u', 'x']);
      const r = l.syncJson();
      expect(r.status).toBe(7);
      // A replaced copy must stay as a generation; where that cannot be kept, the copy is not replaced.
      expect(copyOf(r.report, 'white')).toMatchObject({ status: 'failed', detail: expect.stringMatching(/symbolic link/) });
      expect(sha(l.copy)).toBe(stickBefore);
      expect(readdirSync(victimFiles).sort()).toEqual(names);
      for (const n of names) expect(readFileSync(join(victimFiles, n), 'utf8')).toBe('victim file');
    }
  });

  it('a FIFO in place of the vault copy: sync does not hang and leaves it alone', () => {
    const l = laptop('fifo');
    rmSync(l.copy);
    expect(spawnSync('mkfifo', [l.copy]).status).toBe(0);
    l.ok(['add', 'AfterFifo', '-u', 'x']);
    const r = l.syncJson({ timeout: 30_000 });
    expect(r.status, r.stderr).toBe(7);
    expect(copyOf(r.report, 'white')).toMatchObject({ status: 'failed', detail: expect.stringMatching(/FIFO/) });
    expect(lstatSync(l.copy).isFIFO()).toBe(true);
  });

  it('links to /dev/zero as the vault copy, the stick file or a lock: no read grows, nothing hangs', () => {
    const l = laptop('dev-zero');
    rmSync(l.copy);
    symlinkSync('/dev/zero', l.copy);
    // A second stick whose stick.json is a link to /dev/zero is not a stick at all. Loop-mounted when
    // we are root, so that it is found where --watch and every sync look first: the mount table.
    const other = makeStick(l.home, 'BLACK');
    try {
      mkdirSync(join(other.root, '.stickvault'), { recursive: true });
      symlinkSync('/dev/zero', join(other.root, '.stickvault', 'stick.json'));
      if (!other.mounted) {
        const config = join(l.home, 'config', 'stickvault', 'config.json');
        writeFileSync(config, JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), stickPaths: [l.stick, other.root] }));
      }
      l.ok(['add', 'AfterZero', '-u', 'x']);
      const r = peakRss(l, ['--json', 'sync']);
      expect(r.status, r.stderr).toBe(7);
      expect(r.mib).toBeLessThan(400);
      expect(readlinkSync(l.copy)).toBe('/dev/zero');
      const ls = peakRss(l, ['stick', 'ls']);
      expect(ls.status, ls.stderr).toBe(0);
      expect(ls.mib).toBeLessThan(400);
    } finally {
      removeStick(other);
    }

    // A lock file that links to /dev/zero is not a writer's lock: it is removed (the link, not its target) and the copy written.
    rmSync(l.copy);
    l.ok(['sync']);
    l.ok(['add', 'AfterZeroLock', '-u', 'x']);
    symlinkSync('/dev/zero', `${l.copy}.lock`);
    const locked = peakRss(l, ['sync']);
    expect(locked.status, locked.stderr).toBe(0);
    expect(locked.mib).toBeLessThan(400);
    expect(sha(l.copy)).toBe(sha(l.local));
    expect(existsSync(`${l.copy}.lock`)).toBe(false);
  });

  it("a link where the stick's base is kept: the private file is neither read into a merge nor written", () => {
    const l = laptop('link-base');
    const base = join(l.stick, '.stickvault', `${l.vaultId}.base.kdbx`);
    rmSync(base, { force: true });
    symlinkSync(l.secret, base);
    l.ok(['add', 'LocalSide', '-u', 'x']);
    l.ok(['--vault', l.copy, 'add', 'StickSide', '-u', 'y']); // forces a merge, which reads bases
    const r = l.syncJson();
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(l.secret, 'utf8')).toBe(`${l.marker}\n`);
    expect(lstatSync(base).isFile()).toBe(true); // the link was replaced by the real base, not written through
    expect(filesContaining(l.home, l.marker, join(l.home, 'private'))).toEqual([]);
  });
});

describe('sidecars (issue 18 item 8)', () => {
  it('a 300 MB sidecar is not read, and what a stick sidecar claims never reaches the laptop', () => {
    const l = laptop('big-sidecar');
    const sidecar = join(l.stick, '.stickvault', `${l.vaultId}.state.json`);
    rmSync(sidecar, { force: true });
    expect(spawnSync('truncate', ['-s', '300M', sidecar]).status).toBe(0);
    l.ok(['add', 'AfterBigSidecar', '-u', 'x']);
    const r = peakRss(l, ['sync']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.mib).toBeLessThan(250);
    expect(sha(l.copy)).toBe(sha(l.local));

    // A sidecar naming made-up ancestors, beside a copy that must be merged: none of them is remembered here.
    l.ok(['add', 'LocalSide', '-u', 'x']);
    l.ok(['--vault', l.copy, 'add', 'StickSide', '-u', 'y']);
    const madeUp = Array.from({ length: 50 }, () => randomBytes(32).toString('hex'));
    writeFileSync(sidecar, JSON.stringify({ format: 1, vaultId: l.vaultId, file: 'personal.kdbx', sha256: sha(l.copy), ancestors: [...madeUp, sha(l.local)], writtenAt: new Date().toISOString() }));
    const merged = l.syncJson();
    expect(merged.status, merged.stderr).toBe(0);
    const state = join(l.home, 'state', 'stickvault');
    const everything = (d: string): string => readdirSync(d).map((n) => (lstatSync(join(d, n)).isDirectory() ? everything(join(d, n)) : readFileSync(join(d, n), 'latin1'))).join('\n');
    const laptopState = everything(state);
    for (const fake of madeUp) expect(laptopState).not.toContain(fake);
    expect(lstatSync(sidecar).size).toBeLessThan(64 * 1024);
  });
});

describe('stv sync --watch on a tampered stick', () => {
  it('applies the same checks: a linked vault file on a stick is reported and its target copied nowhere', async () => {
    const l = laptop('watch-link');
    rmSync(l.copy);
    symlinkSync(l.secret, l.copy);
    l.ok(['add', 'WhileWatching', '-u', 'x']);
    const child = spawn(process.execPath, [STV, '--no-agent', '--password-file', l.pwFile, 'sync', 'personal', '--watch', '--watch-dir', join(l.home, 'media')], { env: l.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    try {
      const end = Date.now() + 60_000;
      while (!/white\s+failed/.test(output) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(output).toMatch(/white\s+failed.*symbolic link/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(readlinkSync(l.copy)).toBe(l.secret);
    expect(filesContaining(l.home, l.marker, join(l.home, 'private'))).toEqual([]);
  });
});
