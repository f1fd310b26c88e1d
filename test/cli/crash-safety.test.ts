/**
 * Crash safety of a save through the real CLI. SIGKILL lands at many points
 * of `stv edit` (at spread delays, and right after the temp file appears,
 * the write → fsync → backup link → rename window); afterwards the vault
 * always opens with the old or the new content, and leftovers (temp files,
 * a dead writer's lock) never block the next save. A full disk (a tmpfs
 * with a size limit, when root) fails the save with one clear line and
 * leaves the old file intact. Assertions are invariants, not timings.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Vault, Entry, Group, readVaultFile, saveVaultFile, type KdfParams } from '../../src/vault/index.js';
import { utf8 } from '../../src/secret/index.js';
import { isolatedEnv, STV, stv, tempDir } from '../helpers/tools.js';

const PW = 'crash pässword';
/** Kill points per run; CRASH_KILLS=300 for a long campaign. */
const KILLS = Number(process.env.CRASH_KILLS ?? 30);
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;

const fastKdf = (): KdfParams => ({ type: 'argon2id', salt: randomBytes(32), iterations: 1n, memoryBytes: 8n * 1024n * 1024n, parallelism: 1, version: 0x13 });

/** A vault of `n` entries with incompressible notes, so a save takes long enough to be hit. */
async function makeVault(path: string, n: number): Promise<void> {
  const v = await Vault.create('crash', { password: utf8(PW) }, { cipher: 'aes256', kdf: fastKdf(), compressed: true });
  const g = v.db.root.addGroup(new Group('Bulk'));
  const t = v.db.root.addEntry(new Entry());
  t.set('Title', 'Target');
  t.set('UserName', 'u-start');
  for (let i = 0; i < n; i++) {
    const e = g.addEntry(new Entry());
    e.set('Title', `bulk ${i}`);
    e.set('Password', `pw ${i}`, true);
    e.set('Notes', randomBytes(300).toString('base64'));
  }
  saveVaultFile(path, v.toBytes());
  v.close();
}

const username = (vault: string) => stv(['--no-agent', '--vault', vault, 'show', '-a', 'username', 'Target'], { env, input: `${PW}\n` });

/** The vault's Target username read with the library (no process start: the kill loop checks after every run). */
async function targetUser(vault: string): Promise<string> {
  const v = await Vault.open(readVaultFile(vault).bytes, { password: utf8(PW) });
  try {
    return v.db.root.entries.find((e) => e.get('Title') === 'Target')!.get('UserName');
  } finally {
    v.close();
  }
}

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-crash-'));
  env = isolatedEnv(dir);
});
afterAll(() => cleanup());

describe('SIGKILL during a save', () => {
  test(`${KILLS} kills at spread points of 'stv edit': the vault opens with the old or the new content every time`, async () => {
    const vault = join(dir, 'big.kdbx');
    await makeVault(vault, 150);
    // One uninterrupted edit tells how long a whole run takes, to spread the kill delays over it.
    const t0 = performance.now();
    expect(stv(['--no-agent', '--vault', vault, 'edit', 'Target', '-u', 'u-0'], { env, input: `${PW}\n` }).status).toBe(0);
    const full = performance.now() - t0;
    let current = 'u-0';
    const ended = { old: 0, new: 0, finished: 0, killedAfterTemp: 0 };
    for (let i = 1; i <= KILLS; i++) {
      const next = `u-${i}`;
      const afterTemp = i % 2 === 0; // half the runs: kill as soon as the temp file appears, plus 0–3 ms
      const child = spawn(process.execPath, [STV, '--no-agent', '--vault', vault, 'edit', 'Target', '-u', next], { env, stdio: ['pipe', 'ignore', 'ignore'] });
      child.stdin.end(`${PW}\n`);
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      let sawTemp = false;
      const kill = () => child.kill('SIGKILL');
      const watcher = afterTemp
        ? watch(dir, (_ev, name) => {
          if (!sawTemp && name && /^\.big\.kdbx\..*\.tmp$/.test(String(name))) {
            sawTemp = true;
            setTimeout(kill, i % 4);
          }
        })
        : undefined;
      const timer = afterTemp ? undefined : setTimeout(kill, (full * (0.2 + (0.9 * i) / KILLS)));
      const code = await exited;
      watcher?.close();
      clearTimeout(timer);
      if (code === 0) ended.finished++;
      else if (sawTemp) ended.killedAfterTemp++;
      const got = await targetUser(vault); // throws (fails the test) if the vault does not open
      expect([current, next], `after kill ${i}`).toContain(got);
      ended[got === next ? 'new' : 'old']++;
      current = got;
    }
    // Leftovers of the killed runs (temp files, a lock of a dead pid) must not block the next save.
    const leftovers = readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'));
    expect(stv(['--no-agent', '--vault', vault, 'edit', 'Target', '-u', 'u-final'], { env, input: `${PW}\n` }).status).toBe(0);
    expect(username(vault).stdout.trim()).toBe('u-final');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')), 'the next save removes what killed saves left').toEqual([]);
    expect(stv(['--no-agent', '--vault', `${vault}.bak`, 'ls'], { env, input: `${PW}\n` }).status).toBe(0);
    expect(statSync(vault).mode & 0o777).toBe(0o600);
    console.log(`[crash] ${KILLS} kill points (whole run ${Math.round(full)} ms): ${JSON.stringify(ended)}; leftovers ${leftovers.length}`);
  }, 60_000 + KILLS * 3_000);
});

describe('what killed saves leave behind', () => {
  test('a save over a .bak that is a hard link of the vault (killed between backup and rename) leaves no temp file', async () => {
    const sub = join(dir, 'linked');
    mkdirSync(sub);
    const vault = join(sub, 'v.kdbx');
    await makeVault(vault, 1);
    linkSync(vault, `${vault}.bak`);
    const stamp = readVaultFile(vault).stamp;
    saveVaultFile(vault, readFileSync(vault), { expected: stamp });
    expect(readdirSync(sub).sort()).toEqual(['v.kdbx', 'v.kdbx.bak']);
  });

  test("the next save removes stv's own stale temp files (and only those) and takes over a dead writer's lock", async () => {
    const sub = join(dir, 'stale');
    mkdirSync(sub);
    const vault = join(sub, 'v.kdbx');
    await makeVault(vault, 1);
    const stale = ['.v.kdbx.0123456789ab.tmp', 'v.kdbx.bak.89abcdef.tmp'];
    const foreign = ['.v.kdbx.keepassxc.tmp', 'other.kdbx.bak.89abcdef.tmp'];
    for (const f of [...stale, ...foreign]) writeFileSync(join(sub, f), 'x');
    writeFileSync(`${vault}.lock`, '999999999'); // no such pid
    expect(stv(['--no-agent', '--vault', vault, 'edit', 'Target', '-u', 'after'], { env, input: `${PW}\n` }).status).toBe(0);
    expect(readdirSync(sub).sort()).toEqual([...foreign, 'v.kdbx', 'v.kdbx.bak'].sort());
  });
});

describe('a full disk during a save', () => {
  let mnt: string;
  let mounted = false;

  beforeAll(() => {
    mnt = join(dir, 'small');
    mkdirSync(mnt, { mode: 0o700 });
    if (process.getuid?.() === 0) {
      const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', mnt], { encoding: 'utf8' });
      mounted = r.status === 0;
      if (!mounted) console.warn(`[disk-full] mount failed (${r.stderr.trim()}); using a plain directory`);
    } else {
      console.warn('[disk-full] not root: no size-limited filesystem; using a plain directory and a read-only directory instead of a full disk');
    }
  });

  afterAll(() => {
    if (mounted) {
      const r = spawnSync('umount', [mnt], { encoding: 'utf8' });
      if (r.status !== 0) spawnSync('umount', ['-l', mnt]);
    }
  });

  test('the save fails with one line and a non-zero exit; the old file is intact and opens; with space again the save works', async () => {
    const vault = join(mnt, 'v.kdbx');
    await makeVault(vault, 20);
    const before = readFileSync(vault);
    const filler = join(mnt, 'filler');
    if (mounted) {
      // Fill the tmpfs to the last byte.
      const fd = openSync(filler, 'w');
      const chunk = Buffer.alloc(64 * 1024);
      for (let n = chunk.length; n >= 1; ) {
        try {
          writeSync(fd, chunk, 0, n);
        } catch {
          n = n >> 1;
        }
      }
      closeSync(fd);
    } else {
      spawnSync('chmod', ['0500', mnt]);
    }
    const r = stv(['--no-agent', '--vault', vault, 'edit', 'Target', '-u', 'u-new'], { env, input: `${PW}\n` });
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(mounted ? /^stv: cannot save .*no space left on device; the previous file is intact/ : /^stv: cannot (write|save)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(vault).equals(before)).toBe(true);
    expect(readdirSync(mnt).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(username(vault).stdout.trim()).toBe('u-start');
    if (mounted) rmSync(filler);
    else spawnSync('chmod', ['0700', mnt]);
    expect(stv(['--no-agent', '--vault', vault, 'edit', 'Target', '-u', 'u-new'], { env, input: `${PW}\n` }).status).toBe(0);
    expect(username(vault).stdout.trim()).toBe('u-new');
    writeFileSync(join(mnt, 'probe'), 'x'); // the filesystem is usable again
  });
});
