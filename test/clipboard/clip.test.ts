/**
 * stv clip against a real X server (Xvfb) and xsel: the value is there, it is
 * purged after the timeout, a value someone else copied survives, a second
 * clip restarts the countdown and is not wiped by the first, and the purge
 * helper never carries the secret in /proc.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stv, tempDir, isolatedEnv } from '../helpers/tools.js';

const PW = 'clip master pw';
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

beforeAll(async () => {
  for (const bin of ['/usr/bin/Xvfb', '/usr/bin/xsel']) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: install the Debian packages xvfb and xsel (npm test installs them when run as root)`);
  }
  ({ dir, cleanup } = tempDir('stv-clip-'));
  const display = `:${90 + Math.floor(Math.random() * 400)}`;
  xvfb = spawn('/usr/bin/Xvfb', [display, '-nolisten', 'tcp', '-screen', '0', '640x480x24'], { stdio: 'ignore' });
  env = isolatedEnv(dir, { DISPLAY: display });
  if (!(await until(() => xsel(['-ob']).status === 0, 20_000))) throw new Error('Xvfb did not start');
  vault = join(dir, 'v.kdbx');
  const opts = { env, input: `${PW}\n` };
  expect(stv(['--no-agent', '--vault', vault, 'init', '--kdf-iterations', '1', '--kdf-memory', '8'], opts).status).toBe(0);
  for (const [title, pw] of [['Alpha', 'alpha-secret-1'], ['Beta', 'beta-secret-2']]) {
    const r = stv(['--no-agent', '--vault', vault, 'add', title, '-u', `${title.toLowerCase()}@example.com`, '-p'], { env, input: `${PW}\n${pw}\n` });
    expect(r.status, r.stderr).toBe(0);
  }
});

afterAll(async () => {
  stv(['clip', '--clear'], { env });
  xvfb?.kill();
  cleanup?.();
});

const clip = (args: string[]) => stv(['--no-agent', '--vault', vault, 'clip', ...args], { env, input: `${PW}\n` });

describe('stv clip under Xvfb', () => {
  it('copies the password, says so on stderr without the value, and purges it after the timeout', async () => {
    const r = clip(['Alpha', '--timeout', '2']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('copied PASSWORD of Alpha; clears in 2 s');
    expect(r.stderr).not.toContain('alpha-secret-1');
    expect(clipboard()).toBe('alpha-secret-1');
    // The helper holds no secret in /proc.
    const findHelpers = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p) && (() => { try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('stickvault-clip'); } catch { return false; } })());
    expect(await until(() => findHelpers().length > 0, 10_000)).toBe(true);
    const helpers = findHelpers();
    for (const pid of helpers) for (const f of ['cmdline', 'environ']) expect(readFileSync(`/proc/${pid}/${f}`, 'latin1')).not.toContain('alpha-secret-1');
    expect(await until(() => clipboard() === '')).toBe(true);
  });

  it('leaves alone a value someone else copied before the timeout', async () => {
    expect(clip(['Alpha', '--timeout', '2']).status).toBe(0);
    expect(clipboard()).toBe('alpha-secret-1');
    xsel(['-ib'], 'copied by the user');
    await sleep(4000);
    expect(clipboard()).toBe('copied by the user');
  });

  it('a second clip restarts the countdown for the new value and the first purge does not wipe it', async () => {
    expect(clip(['Alpha', '--timeout', '2']).status).toBe(0);
    await sleep(1000);
    const t0 = Date.now();
    expect(clip(['Beta', '--timeout', '4']).status).toBe(0);
    expect(clipboard()).toBe('beta-secret-2');
    await sleep(2500); // past the first deadline
    expect(clipboard()).toBe('beta-secret-2');
    expect(await until(() => clipboard() === '')).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3500);
  });

  it('copies other fields, and --clear purges now', async () => {
    expect(clip(['Beta', 'username', '--timeout', '30']).status).toBe(0);
    expect(clipboard()).toBe('beta@example.com');
    expect(stv(['clip', '--clear'], { env }).status).toBe(0);
    expect(clipboard()).toBe('');
  });

  it('without a display: a clear error and exit 1', () => {
    const noDisplay = { ...env };
    delete noDisplay.DISPLAY;
    delete noDisplay.WAYLAND_DISPLAY;
    const r = stv(['--no-agent', '--vault', vault, 'clip', 'Alpha'], { env: noDisplay, input: `${PW}\n` });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no clipboard: .*display/);
  });
});
