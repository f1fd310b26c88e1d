/**
 * The agent as a real background process: keys expire after idle time, status
 * does not keep them alive, lock is immediate, the process exits when it holds
 * nothing, the socket is private, and no key shows up in /proc.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/tools.js';
import { buildTestAgent, until } from './harness.js';

let dir: string;
let cleanup: () => void;
let entry: string;
let api: typeof import('../../src/agent/index.js');

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('stv-agent-'));
  entry = await buildTestAgent();
  process.env.XDG_RUNTIME_DIR = join(dir, 'run');
  api = await import('../../src/agent/index.js');
});
afterAll(async () => {
  if (await api.isAgentRunning()) await api.agentClient().lock({ all: true });
  cleanup();
  rmSync(entry, { force: true });
});

/** This file's agents: other test files run their own agents at the same time, each under its own runtime dir. */
const agentPids = () =>
  readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const env = readFileSync(`/proc/${p}/environ`, 'utf8').split('\0');
      // The agent renames itself (process.title), which rewrites its cmdline.
      return (cmd.includes(entry) || cmd.startsWith('stickvault-agent')) && env.includes(`XDG_RUNTIME_DIR=${join(dir, 'run')}`);
    } catch {
      return false;
    }
  });

describe('agent', () => {
  it('holds a key until it is idle for the timeout, and status does not keep it alive', async () => {
    const key = randomBytes(32);
    await api.ensureAgentRunning([entry]);
    const c = api.agentClient();
    await c.unlock({ vault: '/v/a.kdbx', key, kdfFingerprint: 'fp1', timeoutSeconds: 2 });
    const got = await c.getKey('/v/a.kdbx');
    expect(Buffer.from(got!.key).equals(key)).toBe(true);
    expect(got!.kdfFingerprint).toBe('fp1');
    // /proc shows no key material.
    expect(agentPids().length).toBe(1);
    for (const pid of agentPids()) {
      for (const f of ['cmdline', 'environ']) {
        const text = readFileSync(`/proc/${pid}/${f}`, 'latin1');
        expect(text).not.toContain(key.toString('hex'));
        expect(text).not.toContain(key.toString('base64'));
      }
    }
    const s = await c.status();
    expect(s[0].vault).toBe('/v/a.kdbx');
    expect(s[0].secondsToLock).toBeLessThanOrEqual(2);
    // Polling status only: the key must still expire, and the agent then exits.
    // The agent may exit between the two calls: a refused status then means the same as an empty one.
    await until(async () => (await api.isAgentRunning().then((up) => (up ? c.status().catch(() => []) : []))).length === 0);
    await until(async () => !(await api.isAgentRunning()));
    expect(existsSync(api.socketPath())).toBe(false);
  });

  it('answers queries, passes typed errors back, locks at once, and refuses bad frames without dying', async () => {
    await api.ensureAgentRunning([entry]);
    const c = api.agentClient();
    await c.unlock({ vault: '/v/b.kdbx', key: randomBytes(32), kdfFingerprint: 'fp2', timeoutSeconds: 60 });
    expect(await c.query('/v/b.kdbx', 'show', { entry: 'x' })).toMatchObject({ fingerprint: 'fp2', keyLength: 32, query: 'show' });
    await expect(c.query('/v/b.kdbx', 'fail', {})).rejects.toMatchObject({ kind: 'not-found' });
    // Rebuilt as the typed error on this side of the socket (errorFromKind), not a look-alike object.
    await expect(c.query('/v/b.kdbx', 'fail', {})).rejects.toBeInstanceOf((await import('../../src/errors/index.js')).NotFoundError);
    expect(await c.query('/v/other.kdbx', 'show', {})).toBeUndefined();
    // Socket and directory are private.
    expect(statSync(api.socketPath()).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'run', 'stickvault')).mode & 0o777).toBe(0o700);
    // Oversized and malformed frames.
    const { createConnection } = await import('node:net');
    for (const junk of [Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2]), Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{x}')])]) {
      await new Promise<void>((resolve) => {
        const s = createConnection(api.socketPath(), () => s.write(junk));
        s.on('data', () => s.destroy());
        s.on('close', () => resolve());
        s.on('error', () => resolve());
        setTimeout(() => { s.destroy(); resolve(); }, 2000);
      });
    }
    expect(await api.isAgentRunning()).toBe(true);
    await expect(api.request({ op: 'ping', v: 99 } as never)).rejects.toThrow(/protocol 2, client 99/);
    await c.lock({ vault: '/v/b.kdbx' });
    expect(await c.getKey('/v/b.kdbx')).toBeUndefined();
    await until(async () => !(await api.isAgentRunning()));
  });

  it('replaces a stale socket and starts only one agent for concurrent starts', async () => {
    const { mkdirSync, rmSync } = await import('node:fs');
    mkdirSync(join(dir, 'run', 'stickvault'), { recursive: true, mode: 0o700 });
    rmSync(api.socketPath(), { force: true });
    writeFileSync(api.socketPath(), 'stale'); // left behind by an agent that was killed
    await Promise.all([api.ensureAgentRunning([entry]), api.ensureAgentRunning([entry]), api.ensureAgentRunning([entry])]);
    await api.agentClient().unlock({ vault: '/v/c.kdbx', key: randomBytes(32), kdfFingerprint: 'f', timeoutSeconds: 30 });
    await until(() => agentPids().length === 1);
    expect(agentPids().length).toBe(1);
    await api.agentClient().lock({ all: true });
    await until(async () => !(await api.isAgentRunning()));
  });
});

describe('lock deadlines', () => {
  const at = (mono: number, wall = mono) => ({ mono, wall });
  it('are pushed back only by use, and never pass the hard cap', () => {
    const d = api.newDeadline(at(0), 30, 100);
    expect(api.expired(d, at(29_999))).toBe(false);
    api.touch(d, at(20_000));
    expect(api.expired(d, at(49_999))).toBe(false);
    expect(api.expired(d, at(50_000))).toBe(true);
    api.touch(d, at(90_000));
    expect(api.secondsLeft(d, at(90_000))).toBe(10);
    expect(api.expired(d, at(100_000))).toBe(true);
  });

  it('lock when either clock passes: setting the wall clock back does not extend them, a sleep (wall clock only) ends them', () => {
    const d = api.newDeadline(at(1_000, 1_700_000_000_000), 30, 3600);
    // The wall clock set back by a day while 31 s pass on the monotonic clock.
    expect(api.expired(d, at(32_000, 1_700_000_000_000 - 86_400_000))).toBe(true);
    // A suspended laptop: the monotonic clock stood still, the wall clock moved on an hour.
    expect(api.expired(d, at(1_000, 1_700_000_000_000 + 3_600_000))).toBe(true);
    expect(api.expired(d, at(20_000, 1_700_000_019_000))).toBe(false);
  });
});
