/**
 * stv clip against a real X server (Xvfb) and xsel: the value is there, it is
 * purged after the timeout, a value someone else copied survives, a newer
 * copy restarts the countdown, one helper serves racing copies, and the purge
 * helper never carries the secret in argv, environment or memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stv, STV, tempDir, isolatedEnv, type RunResult } from '../helpers/tools.js';

const PW = 'clip master pw';
const CANARY = 'CLIP_TEST_CANARY=not-for-the-helper';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let xvfb: ChildProcess;
let vault: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const xsel = (args: string[], input?: string) => spawnSync('xsel', args, { env, input, encoding: 'utf8', timeout: 10_000 });
const clipboard = () => xsel(['-ob']).stdout;
async function until(cond: () => boolean, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(100);
  }
  return cond();
}

const clip = (args: string[]) => stv(['--no-agent', '--vault', vault, 'clip', ...args], { env, input: `${PW}\n` });

function clipAsync(args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [STV, '--no-agent', '--vault', vault, 'clip', ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
    child.stdin.end(`${PW}\n`);
  });
}

const procFile = (pid: number | string, f: string) => {
  try {
    return readFileSync(`/proc/${pid}/${f}`, 'latin1');
  } catch {
    return '';
  }
};

/** Purge helpers started by this file: found by their title and this test's runtime dir. */
function helpers(): number[] {
  const ours = `XDG_RUNTIME_DIR=${join(dir, 'run')}`;
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p) && procFile(p, 'cmdline').startsWith('stickvault-clip') && procFile(p, 'environ').split('\0').includes(ours))
    .map(Number);
}

/** Whether `needle` is anywhere in the writable memory of `pid`; undefined when the kernel does not let us look. */
function inMemory(pid: number, needle: string): boolean | undefined {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/mem`, 'r');
  } catch {
    return undefined;
  }
  try {
    for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n')) {
      const [range, perms] = line.split(/\s+/);
      if (!perms.startsWith('rw')) continue;
      const [from, to] = range.split('-').map((h) => BigInt(`0x${h}`));
      const buf = Buffer.alloc(Number(to - from));
      try {
        readSync(fd, buf, 0, buf.length, from);
      } catch {
        continue; // guard pages and the like
      }
      if (buf.includes(needle, 0, 'latin1') || buf.includes(Buffer.from(needle, 'utf16le'))) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

beforeAll(async () => {
  for (const bin of ['/usr/bin/Xvfb', '/usr/bin/xsel', '/usr/bin/script', '/usr/bin/setsid']) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: install the Debian packages xvfb, xsel and util-linux (npm test installs them when run as root)`);
  }
  ({ dir, cleanup } = tempDir('stv-clip-'));
  const display = `:${90 + Math.floor(Math.random() * 400)}`;
  xvfb = spawn('/usr/bin/Xvfb', [display, '-nolisten', 'tcp', '-screen', '0', '640x480x24'], { stdio: 'ignore' });
  env = isolatedEnv(dir, { DISPLAY: display, [CANARY.split('=')[0]]: CANARY.split('=')[1] });
  if (!(await until(() => xsel(['-ob']).status === 0, 20_000))) throw new Error('Xvfb did not start');
  vault = join(dir, 'v.kdbx');
  const opts = { env, input: `${PW}\n` };
  expect(stv(['--no-agent', '--vault', vault, 'init', '--kdf-iterations', '1', '--kdf-memory', '8'], opts).status).toBe(0);
  for (const [title, pw] of [['Alpha', 'alpha-secret-1'], ['Beta', 'beta-secret-2']]) {
    const r = stv(['--no-agent', '--vault', vault, '--password-fd', '0', 'add', title, '-u', `${title.toLowerCase()}@example.com`, '-p'], { env, input: `${PW}\n${pw}\n` });
    expect(r.status, r.stderr).toBe(0);
  }
});

afterAll(async () => {
  for (const pid of helpers()) process.kill(pid);
  xvfb?.kill();
  cleanup?.();
});

describe('stv clip under Xvfb', () => {
  it('copies the password, says so on stderr without the value, and purges it after the timeout, leaving PRIMARY alone', async () => {
    xsel(['-pi'], 'the user selected this');
    const r = clip(['Alpha', '--timeout', '2']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('copied PASSWORD of Alpha; clears in 2 s');
    expect(r.stderr).not.toContain('alpha-secret-1');
    expect(clipboard()).toBe('alpha-secret-1');
    expect(await until(() => clipboard() === '')).toBe(true);
    expect(await until(() => helpers().length === 0)).toBe(true);
    expect(xsel(['-op']).stdout).toBe('the user selected this');
  });

  it('the helper holds no secret in argv, environment or memory, runs in /, and listens on a 0600 socket in a 0700 dir', async (ctx) => {
    const t0 = Date.now();
    expect(clip(['Alpha', '--timeout', '60']).status).toBe(0);
    // stv returns long before the purge: it does not wait for its helper.
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(await until(() => helpers().length === 1)).toBe(true);
    const [pid] = helpers();
    expect(procFile(pid, 'cmdline')).not.toContain('alpha-secret-1');
    const environ = procFile(pid, 'environ');
    expect(environ).not.toContain('alpha-secret-1');
    expect(environ).not.toContain(CANARY);
    expect(environ.split('\0')).toContain(`DISPLAY=${env.DISPLAY}`);
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe('/');
    const runtime = join(dir, 'run', 'stickvault');
    expect(statSync(runtime).mode & 0o777).toBe(0o700);
    expect(statSync(join(runtime, 'clip.sock')).mode & 0o777).toBe(0o600);

    const sawOwnEnv = inMemory(pid, join(dir, 'run'));
    if (sawOwnEnv === undefined) ctx.skip(`cannot read /proc/${pid}/mem here (ptrace restricted); run as root to check the helper's memory`);
    expect(sawOwnEnv).toBe(true); // the scan does find what the helper does hold
    expect(inMemory(pid, 'alpha-secret-1')).toBe(false);

    expect(stv(['clip', '--clear'], { env }).status).toBe(0);
    expect(clipboard()).toBe('');
    expect(await until(() => helpers().length === 0)).toBe(true);
  });

  it('leaves alone a value someone else copied before the timeout', async () => {
    expect(clip(['Alpha', '--timeout', '2']).status).toBe(0);
    expect(clipboard()).toBe('alpha-secret-1');
    xsel(['-ib'], 'copied by the user');
    expect(await until(() => helpers().length === 0)).toBe(true); // the helper has passed its deadline
    expect(clipboard()).toBe('copied by the user');
  });

  it('a second clip restarts the countdown for the new value and the first purge does not wipe it', async () => {
    expect(clip(['Alpha', '--timeout', '2']).status).toBe(0);
    await sleep(1000);
    const t0 = Date.now();
    expect(clip(['Beta', '--timeout', '4']).status).toBe(0);
    expect(clipboard()).toBe('beta-secret-2');
    await sleep(2500 - (Date.now() - t0)); // past the first deadline, well before the second
    expect(clipboard()).toBe('beta-secret-2');
    expect(await until(() => clipboard() === '')).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3500);
  });

  it('copying the same value again restarts its countdown', async () => {
    expect(clip(['Alpha', '--timeout', '2']).status).toBe(0);
    await sleep(1000);
    const t0 = Date.now();
    expect(clip(['Alpha', '--timeout', '4']).status).toBe(0);
    await sleep(2500 - (Date.now() - t0));
    expect(clipboard()).toBe('alpha-secret-1');
    expect(await until(() => clipboard() === '')).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3500);
  });

  it('--timeout 0 warns, never purges, and keeps a waiting purge of the same value from wiping it', async () => {
    expect(clip(['Alpha', '--timeout', '2']).status).toBe(0);
    const r = clip(['Alpha', '--timeout', '0']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: the value stays on the clipboard');
    expect(r.stderr).toContain('copied PASSWORD of Alpha; never cleared');
    expect(await until(() => helpers().length === 0)).toBe(true); // the 2 s order is settled
    expect(clipboard()).toBe('alpha-secret-1');
    expect(stv(['clip', '--clear'], { env }).status).toBe(0);
  });

  it('racing clips leave one helper, and whatever they left on the clipboard is purged', async () => {
    const results = await Promise.all([clipAsync(['Alpha', '-t', '3']), clipAsync(['Beta', '-t', '3']), clipAsync(['Alpha', '-t', '3'])]);
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    expect(['alpha-secret-1', 'beta-secret-2']).toContain(clipboard());
    expect(await until(() => helpers().length === 1)).toBe(true);
    expect(await until(() => clipboard() === '')).toBe(true);
    expect(await until(() => helpers().length === 0)).toBe(true);
  });

  it('copies other fields, and --clear purges now', async () => {
    expect(clip(['Beta', 'username', '--timeout', '30']).status).toBe(0);
    expect(clipboard()).toBe('beta@example.com');
    expect(stv(['clip', '--clear'], { env }).status).toBe(0);
    expect(clipboard()).toBe('');
    expect(await until(() => helpers().length === 0)).toBe(true);
  });
});

describe('stv clip without a clipboard', () => {
  const without = (extra: Record<string, string> = {}) => {
    const e: NodeJS.ProcessEnv = { ...env, ...extra };
    delete e.DISPLAY;
    if (!extra.WAYLAND_DISPLAY) delete e.WAYLAND_DISPLAY;
    return e;
  };

  it('no display: a clear error and exit 1, before asking for the password', () => {
    const r = stv(['--no-agent', '--vault', vault, 'clip', 'Alpha'], { env: without(), input: '' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no clipboard: no display.*--print-if-no-clipboard/);
  });

  it('Wayland without wl-clipboard: says what to install', () => {
    const bin = join(dir, 'bin-without-wl');
    spawnSync('mkdir', ['-p', bin]);
    spawnSync('ln', ['-sf', '/bin/sh', join(bin, 'sh')]);
    const r = stv(['--no-agent', '--vault', vault, 'clip', 'Alpha'], { env: without({ WAYLAND_DISPLAY: 'wayland-0', PATH: bin }), input: '' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apt install wl-clipboard');
  });

  it('--print-if-no-clipboard shows the value on the terminal, never on stdout', () => {
    const pwFile = join(dir, 'pw.txt');
    writeFileSync(pwFile, PW, { mode: 0o600 });
    const stdoutFile = join(dir, 'stdout.txt');
    // A pty starts 0x0; give it a size, as a terminal window would.
    const cmd = `stty cols 80 rows 24; '${process.execPath}' '${STV}' --no-agent --vault '${vault}' --password-file '${pwFile}' clip Alpha --print-if-no-clipboard > '${stdoutFile}'`;
    const r = spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { env: without(), encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    expect(r.status, r.stdout.slice(-2000)).toBe(0);
    expect(r.stdout).toContain('PASSWORD of Alpha: alpha-secret-1');
    expect(readFileSync(stdoutFile, 'utf8')).toBe('');
  });

  it('--print-if-no-clipboard with no terminal either: the error stands', () => {
    const r = spawnSync('/usr/bin/setsid', ['-w', process.execPath, STV, '--no-agent', '--vault', vault, 'clip', 'Alpha', '--print-if-no-clipboard'], { env: without(), input: `${PW}\n`, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('no terminal to show the value on');
    expect(r.stdout + r.stderr).not.toContain('alpha-secret-1');
  });
});
