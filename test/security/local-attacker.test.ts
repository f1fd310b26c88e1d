/**
 * Another local user against the agent (issue 18, hole 1), with two throwaway
 * users this test creates (useradd) and removes: the victim runs the real
 * `stv` with XDG_RUNTIME_DIR unset, so its runtime directory is
 * /tmp/stickvault-UID, a path the attacker can create first.
 *
 * - The attacker's own directory and socket there: the victim's `stv unlock`
 *   and `stv show` refuse in one line, and the attacker's socket receives
 *   not one byte (before the fix it received {"op":"unlock","key":…}).
 * - A symlink there to the victim's home: refused; the home keeps its mode
 *   (before, stv chmod-ed it 0700 and put its socket in it).
 * - A socket in the victim's own private directory served by another uid
 *   (root, standing in for any other user): the client refuses it (SO_PEERCRED).
 * - The victim's real agent: a connection from another uid gets no answer.
 *
 * Needs root (useradd, running as other users); CI runs as root.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isolatedEnv, STV, stv, tempDir } from '../helpers/tools.js';

const isRoot = process.getuid?.() === 0;
const PW = 'victim-master-Ee5!';
const tag = randomBytes(3).toString('hex');
const VICTIM = `stvv${tag}`;
const ATTACKER = `stva${tag}`;

let dir: string;
let cleanup: () => void;
let victim: { uid: number; gid: number; home: string; env: NodeJS.ProcessEnv };
let attacker: { uid: number; gid: number };
let vault: string;
const started: ChildProcess[] = [];

const idOf = (name: string) => ({ uid: Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout), gid: Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout) });
const runtimeDirOfVictim = () => `/tmp/stickvault-${victim.uid}`;

function asVictim(args: string[], input = '') {
  const r = spawnSync(process.execPath, [STV, ...args], { uid: victim.uid, gid: victim.gid, env: victim.env, input, encoding: 'utf8', cwd: victim.home, timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A socket server run as `who` that logs every connection and byte to `log`. */
async function fakeAgent(who: { uid: number; gid: number }, path: string, log: string): Promise<ChildProcess> {
  const code = `const fs = require('node:fs');
const [path, log] = process.argv.slice(1);
const srv = require('node:net').createServer((s) => {
  fs.appendFileSync(log, 'CONNECTION\\n');
  s.on('data', (d) => fs.appendFileSync(log, d.toString('hex') + '\\n'));
  s.on('error', () => {});
});
srv.listen(path, () => { fs.chmodSync(path, 0o777); fs.appendFileSync(log, ''); console.log('LISTENING'); });`;
  const child = spawn(process.execPath, ['-e', code, path, log], { uid: who.uid, gid: who.gid, stdio: ['ignore', 'pipe', 'inherit'], cwd: '/' });
  started.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('LISTENING') && resolve());
    child.once('exit', () => reject(new Error('fake agent exited')));
  });
  return child;
}

beforeAll(() => {
  if (!isRoot) return;
  ({ dir, cleanup } = tempDir('stv-local-attacker-'));
  chmodSync(dir, 0o755);
  for (const u of [VICTIM, ATTACKER]) {
    const r = spawnSync('useradd', ['-M', '-N', '-s', '/usr/sbin/nologin', u], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`useradd ${u}: ${r.stderr}`);
  }
  attacker = idOf(ATTACKER);
  const v = idOf(VICTIM);
  const home = join(dir, 'victim');
  mkdirSync(home, { mode: 0o750 });
  const env = isolatedEnv(home);
  delete env.XDG_RUNTIME_DIR;
  delete env.TMPDIR;
  victim = { ...v, home, env: { ...env, USER: VICTIM, LOGNAME: VICTIM } };
  chownSync(home, v.uid, v.gid);
  chmodSync(home, 0o750);
  vault = join(home, 'v.kdbx');
  const init = asVictim(['--no-agent', '--vault', vault, 'init', '--kdf', 'argon2id', '--kdf-memory', '8', '--kdf-iterations', '2'], `${PW}\n${PW}\n`);
  if (init.status !== 0) throw new Error(`init: ${init.stderr}`);
  const add = asVictim(['--no-agent', '--vault', vault, 'add', 'Mail', '-u', 'victim@example.com'], `${PW}\n`);
  if (add.status !== 0) throw new Error(`add: ${add.stderr}`);
}, 120_000);

afterAll(() => {
  if (!isRoot) return;
  for (const c of started) c.kill('SIGKILL');
  spawnSync('pkill', ['-KILL', '-u', VICTIM]);
  spawnSync('pkill', ['-KILL', '-u', ATTACKER]);
  for (const u of [VICTIM, ATTACKER]) spawnSync('userdel', [u]);
  rmSync(`/tmp/stickvault-${victim?.uid}`, { recursive: true, force: true });
  cleanup?.();
});

// Skipped only when not root (reason: creating the two users needs root; the test below says so when it is).
describe.skipIf(!isRoot)('another local user', () => {
  it('pre-creates /tmp/stickvault-UID with a listening agent.sock: unlock and show refuse in one line, the socket gets nothing', async () => {
    const rt = runtimeDirOfVictim();
    rmSync(rt, { recursive: true, force: true });
    mkdirSync(rt, { mode: 0o711 });
    chownSync(rt, attacker.uid, attacker.gid);
    chmodSync(rt, 0o711);
    const log = join(dir, 'attacker.log');
    writeFileSync(log, '');
    chownSync(log, attacker.uid, attacker.gid);
    const fake = await fakeAgent(attacker, join(rt, 'agent.sock'), log);

    const u = asVictim(['--vault', vault, 'unlock'], `${PW}\n`);
    expect(u.status, u.stderr).not.toBe(0);
    expect(u.stderr).toMatch(/^stv: the runtime directory \/tmp\/stickvault-\d+ belongs to uid \d+, not to you[^\n]*\n$/);
    const s = asVictim(['--vault', vault, 'show', 'Mail'], `${PW}\n`);
    expect(s.status, s.stderr).toBe(1);
    expect(s.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(s.stdout).not.toContain('victim@example.com');
    expect(readFileSync(log, 'utf8')).toBe('');
    fake.kill('SIGKILL');
    rmSync(rt, { recursive: true, force: true });
  });

  it('plants a symlink at /tmp/stickvault-UID to the victim\'s home: refused, and the home keeps its mode', () => {
    const rt = runtimeDirOfVictim();
    rmSync(rt, { recursive: true, force: true });
    symlinkSync(victim.home, rt);
    const before = lstatSync(victim.home).mode & 0o777;
    const u = asVictim(['--vault', vault, 'unlock'], `${PW}\n`);
    expect(u.status, u.stderr).not.toBe(0);
    expect(u.stderr).toMatch(/^stv: the runtime directory \/tmp\/stickvault-\d+ is a symbolic link[^\n]*\n$/);
    const s = asVictim(['--vault', vault, 'show', 'Mail'], `${PW}\n`);
    expect(s.status, s.stderr).toBe(1);
    expect(lstatSync(victim.home).mode & 0o777).toBe(before);
    expect(existsSync(join(victim.home, 'agent.sock'))).toBe(false);
    rmSync(rt, { force: true });
  });

  it("a socket in the victim's own private directory served by another uid is refused by the client (SO_PEERCRED)", async () => {
    const rt = runtimeDirOfVictim();
    rmSync(rt, { recursive: true, force: true });
    mkdirSync(rt, { mode: 0o700 });
    chownSync(rt, victim.uid, victim.gid);
    const log = join(dir, 'root-agent.log');
    writeFileSync(log, '');
    const fake = await fakeAgent({ uid: 0, gid: 0 }, join(rt, 'agent.sock'), log);
    // The file looks like the victim's (owner, mode): only the peer's credentials tell.
    chownSync(join(rt, 'agent.sock'), victim.uid, victim.gid);
    chmodSync(join(rt, 'agent.sock'), 0o600);
    const s = asVictim(['--vault', vault, 'show', 'Mail'], `${PW}\n`);
    expect(s.status, s.stderr).toBe(1);
    expect(s.stderr).toMatch(/^stv: the agent socket \S+ is served by uid 0, not by you[^\n]*\n$/);
    expect(readFileSync(log, 'utf8')).not.toMatch(/[0-9a-f]{8}/); // connected (to read its peer), sent nothing
    fake.kill('SIGKILL');
    rmSync(rt, { recursive: true, force: true });
  });

  it("the victim's agent answers the victim and refuses a connection from another uid", async () => {
    const u = asVictim(['--vault', vault, 'unlock', '--timeout', '60'], `${PW}\n`);
    expect(u.status, u.stderr).toBe(0);
    const ok = asVictim(['--vault', vault, 'show', '-a', 'username', 'Mail']);
    expect(ok.stdout).toBe('victim@example.com\n');
    const sock = join(runtimeDirOfVictim(), 'agent.sock');
    // Root passes the file permissions; the agent must still refuse it for its uid.
    const got = await new Promise<string>((resolve) => {
      let data = '';
      const c = createConnection(sock, () => {
        const body = Buffer.from(JSON.stringify({ v: 2, op: 'getKey', vault }));
        const head = Buffer.alloc(8);
        head.writeUInt32BE(body.length + 4, 0);
        head.writeUInt32BE(body.length, 4);
        c.write(Buffer.concat([head, body]));
      });
      c.on('data', (d) => (data += d.toString('hex')));
      c.on('close', () => resolve(data));
      c.on('error', () => resolve(data));
      setTimeout(() => { c.destroy(); resolve(`timeout:${data}`); }, 10_000);
    });
    expect(got).toBe('');
    // The victim's agent is still there for the victim.
    expect(asVictim(['--vault', vault, 'show', '-a', 'username', 'Mail']).stdout).toBe('victim@example.com\n');
    expect(asVictim(['lock', '--all']).status).toBe(0);
  });
});

describe.skipIf(isRoot)('another local user (needs root)', () => {
  it('is skipped: creating users needs root', () => {
    console.warn('[local-attacker] not root: the two-user attack tests did not run');
    expect(createServer).toBeDefined();
    expect(stv).toBeDefined();
  });
});
