/**
 * Concurrent writers on one vault, with real processes: two `stv edit`s that
 * both read the file before either saves, and keepassxc-cli saving the same
 * file in between. Each stv is held after opening the vault (it waits for
 * the entry password on its next stdin line; we wait until it blocks in that
 * read), so the interleaving is forced, not left to timing. Afterwards every
 * edit is in the file, read back by keepassxc-cli as well as by stv.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { acquireWriteLock, PIDLESS_LOCK_STALE_MS } from '../../src/vault/index.js';
import { join } from 'node:path';
import { isolatedEnv, keepassxc, STV, stv, tempDir } from '../helpers/tools.js';

const PW = 'concurrent pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
let fifoCount = 0;

const ok = (args: string[], input = `${PW}\n`) => {
  const r = stv(['--no-agent', '--vault', vault, ...args], { env, input });
  expect(r.status, `stv ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-concurrent-'));
  env = isolatedEnv(dir);
  vault = join(dir, 'v.kdbx');
  ok(['init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8']);
  for (const t of ['A', 'B', 'C', 'D']) ok(['add', t]);
});
afterAll(() => cleanup());

interface Held {
  child: ChildProcess;
  /** Sends the entry password line; resolves with the exit code and stderr. */
  release(entryPassword: string): Promise<{ code: number | null; stderr: string }>;
}

/**
 * Starts `stv edit ENTRY -p ...` (or keepassxc-cli edit -p) with the master password already in its stdin
 * (a FIFO, so no read can block before it), and resolves once its main thread blocks reading the entry
 * password: by then it has read the vault file and its stamp.
 */
async function holdEdit(args: string[]): Promise<Held> {
  return hold(process.execPath, [STV, '--no-agent', '--vault', vault, '--password-fd', '0', 'edit', ...args, '-p'], env);
}

async function hold(cmd: string, argv: string[], childEnv: NodeJS.ProcessEnv): Promise<Held> {
  const fifo = join(dir, `in-${fifoCount++}`);
  expect(spawnSync('mkfifo', ['-m', '0600', fifo]).status).toBe(0);
  const fd = openSync(fifo, 'r+'); // read-write: opening does not wait for the other end
  writeSync(fd, `${PW}\n`);
  const child = spawn(cmd, argv, { env: childEnv, stdio: [fd, 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    let wchan = '';
    try {
      wchan = readFileSync(`/proc/${child.pid}/wchan`, 'utf8');
    } catch { /* not started yet */ }
    if (/pipe_read|pipe_wait/.test(wchan)) break;
    if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited early (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error(`${argv.join(' ')} never reached its entry-password read (wchan ${wchan})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    child,
    async release(entryPassword: string) {
      writeSync(fd, `${entryPassword}\n`);
      const code = await exited;
      closeSync(fd);
      return { code, stderr };
    },
  };
}

const field = (entry: string, attr: string) => ok(['show', '-a', attr, entry]).trimEnd();
const kxcField = (entry: string, attr: string) => {
  const r = keepassxc(['show', '-q', '-a', attr, vault, entry], `${PW}\n`);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trimEnd();
};

describe('the writer lock', () => {
  test('a lock file that has no pid yet (being created) is waited for, not taken over; an old one is stale', () => {
    const path = join(dir, 'lock-test.kdbx');
    const lock = `${path}.lock`;
    writeFileSync(lock, ''); // what another writer's lock looks like between its open() and write()
    // That writer writes its pid 300 ms later and lives on: we wait, see a live writer, and give up.
    const writer = spawn('sh', ['-c', `sleep 0.3; printf %s $$ > '${lock}'; exec sleep 30`], { stdio: 'ignore' });
    try {
      expect(() => acquireWriteLock(path, 300)).toThrow(new RegExp(`is locked by another stv process \\(pid ${writer.pid}\\)`));
    } finally {
      writer.kill('SIGKILL');
    }
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    const release = acquireWriteLock(path, 300);
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    release();
  });

  test('a lock left without its pid (its writer killed in between) is taken over once stale, even by a writer that waits for no one', () => {
    const path = join(dir, 'lock-test-2.kdbx');
    const lock = `${path}.lock`;
    writeFileSync(lock, '');
    const aged = new Date(Date.now() - (PIDLESS_LOCK_STALE_MS - 500));
    utimesSync(lock, aged, aged);
    const release = acquireWriteLock(path, 0); // as the sync lock is taken
    expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
    release();
  });
});

describe('concurrent writers', () => {
  test('two stv edits hold the same old file while keepassxc-cli saves: all three edits survive', async () => {
    const one = await holdEdit(['A', '-u', 'a-from-stv-1']);
    const two = await holdEdit(['B', '-u', 'b-from-stv-2']);
    const k = keepassxc(['edit', '-q', '-u', 'c-from-keepassxc', vault, 'C'], `${PW}\n`);
    expect(k.status, k.stderr).toBe(0);
    const r1 = await one.release('pw-a');
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stderr).not.toMatch(/\n\s+at /);
    const r2 = await two.release('pw-b');
    expect(r2.code, r2.stderr).toBe(0);
    for (const get of [field, kxcField]) {
      expect(get('A', 'username')).toBe('a-from-stv-1');
      expect(get('A', 'password')).toBe('pw-a');
      expect(get('B', 'username')).toBe('b-from-stv-2');
      expect(get('B', 'password')).toBe('pw-b');
      expect(get('C', 'username')).toBe('c-from-keepassxc');
    }
  });

  test('three rounds of two stv edits released at once (racing for the lock) lose nothing', async () => {
    for (let round = 0; round < 3; round++) {
      const a = await holdEdit(['A', '-u', `a-${round}`]);
      const d = await holdEdit(['D', '-u', `d-${round}`]);
      const [ra, rd] = await Promise.all([a.release(`pa-${round}`), d.release(`pd-${round}`)]);
      expect(ra.code, ra.stderr).toBe(0);
      expect(rd.code, rd.stderr).toBe(0);
      expect(field('A', 'username'), `round ${round}: ${ra.stderr} | ${rd.stderr}`).toBe(`a-${round}`);
      expect(field('D', 'username')).toBe(`d-${round}`);
      expect(field('D', 'password')).toBe(`pd-${round}`);
    }
    expect(kxcField('C', 'username')).toBe('c-from-keepassxc');
  });

  test('keepassxc-cli holding the old file refuses to save over an stv save ("unmerged changes"), so nothing is lost silently', async () => {
    const kxc = await hold('/usr/bin/keepassxc-cli', ['edit', '-q', '-p', vault, 'D'], { ...process.env, QT_QPA_PLATFORM: 'offscreen' });
    ok(['edit', 'C', '-u', 'c-from-stv']);
    const r = await kxc.release('kxc-pw');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unmerged changes/);
    expect(field('C', 'username')).toBe('c-from-stv');
    expect(field('D', 'password')).not.toBe('kxc-pw');
  });

  test('two stv edits of different fields of one entry combine without a conflict: the later save merges three-way against what it read', async () => {
    const x = await holdEdit(['D', '-u', 'd-user-from-x']);
    const y = await holdEdit(['D', '--url', 'https://d.example']);
    expect((await x.release('d-same-pw')).code).toBe(0);
    const ry = await y.release('d-same-pw');
    expect(ry.code, ry.stderr).toBe(0);
    expect(ry.stderr).not.toMatch(/concurrent edit/);
    const shown = JSON.parse(ok(['--json', 'show', '-s', 'D']));
    expect([shown.username, shown.url, shown.password]).toEqual(['d-user-from-x', 'https://d.example', 'd-same-pw']);
    expect(shown.tags).not.toContain('stickvault-conflict');
  });

  test('two stv edits of the same entry keep both versions: one current, the other in history, tagged as a conflict', async () => {
    const x = await holdEdit(['B', '-u', 'b-x']);
    const y = await holdEdit(['B', '-u', 'b-y']);
    expect((await x.release('pw-x')).code).toBe(0);
    const ry = await y.release('pw-y');
    expect(ry.code, ry.stderr).toBe(0);
    expect(ry.stderr).toMatch(/concurrent edit/);
    const shown = JSON.parse(ok(['--json', 'show', '-s', 'B']));
    expect(['b-x', 'b-y']).toContain(shown.username);
    expect(shown.tags).toContain('stickvault-conflict');
    const history = ok(['find', 'stickvault-conflict']).trim();
    expect(history).toBe('B');
    // The losing version is in the entry's history, readable by keepassxc-cli too.
    const xml = keepassxc(['export', '-q', '-f', 'xml', vault], `${PW}\n`).stdout;
    expect(xml).toContain('b-x');
    expect(xml).toContain('b-y');
  });
});
