/**
 * A hostile or buggy client over the agent's real socket (issue 18, hole 7):
 * every request is validated, none kills the agent or leaves a stale socket,
 * frames and connections are bounded, the hard cap is the agent's own, and
 * a connection that never sends anything cannot keep it alive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/tools.js';
import { buildTestAgent, until } from './harness.js';

let dir: string;
let cleanup: () => void;
let entry: string;
let api: typeof import('../../src/agent/index.js');

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('stv-hostile-client-'));
  entry = await buildTestAgent();
  process.env.XDG_RUNTIME_DIR = join(dir, 'run');
  process.env.XDG_CONFIG_HOME = join(dir, 'config');
  api = await import('../../src/agent/index.js');
});
afterAll(async () => {
  if (await api.isAgentRunning().catch(() => false)) await api.agentClient().lock({ all: true });
  cleanup();
  rmSync(entry, { force: true });
});

function agentPid(): number {
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const env = readFileSync(`/proc/${p}/environ`, 'utf8').split('\0');
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('stickvault-agent') && env.includes(`XDG_RUNTIME_DIR=${join(dir, 'run')}`);
    } catch {
      return false;
    }
  });
  expect(pids.length).toBe(1);
  return Number(pids[0]);
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** A raw frame: JSON (any value, or raw text) and secrets, as a hostile client may build it. */
function frame(json: unknown, secrets: Buffer[] = [], raw?: string): Buffer {
  const body = Buffer.from(raw ?? JSON.stringify(json));
  const parts = [Buffer.alloc(4), body, ...secrets.flatMap((s) => { const l = Buffer.alloc(4); l.writeUInt32BE(s.length); return [l, s]; })];
  parts[0].writeUInt32BE(body.length);
  const all = Buffer.concat(parts);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(all.length);
  return Buffer.concat([head, all]);
}

/** Send bytes, collect the answer's JSON (or '' when the agent just closed). */
function send(bytes: Buffer, ms = 8000): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = createConnection(api.socketPath(), () => s.write(bytes));
    s.on('data', (d) => chunks.push(d));
    const done = () => {
      const all = Buffer.concat(chunks);
      resolve(all.length >= 8 ? all.subarray(8, 8 + all.readUInt32BE(4)).toString('utf8') : '');
    };
    s.on('close', done);
    s.on('error', () => undefined);
    setTimeout(() => s.destroy(), ms);
  });
}

async function startAgent(): Promise<void> {
  await api.ensureAgentRunning([entry]);
  // A key keeps it alive between the probes.
  await api.agentClient().unlock({ vault: '/v/keep.kdbx', key: randomBytes(32), kdfFingerprint: 'k', timeoutSeconds: 120 });
}

describe('a hostile client', () => {
  it('gets a one-line refusal for every malformed request, and the agent lives on with its socket', async () => {
    await startAgent();
    const key = randomBytes(32);
    const cases: [string, Buffer, RegExp][] = [
      ['key as a number', frame({ v: 2, op: 'unlock', vault: '/v/x', key: 12345, kdfFingerprint: 'f', timeoutSeconds: 30 }), /unexpected field 'key'/],
      ['no key', frame({ v: 2, op: 'unlock', vault: '/v/x', kdfFingerprint: 'f', timeoutSeconds: 30 }), /needs one 32-byte key/],
      ['short key', frame({ v: 2, op: 'unlock', vault: '/v/x', kdfFingerprint: 'f', timeoutSeconds: 30 }, [randomBytes(5)]), /needs one 32-byte key/],
      ['timeout as text', frame({ v: 2, op: 'unlock', vault: '/v/x', kdfFingerprint: 'f', timeoutSeconds: 'abc' }, [key]), /invalid timeoutSeconds/],
      ['negative timeout', frame({ v: 2, op: 'unlock', vault: '/v/x', kdfFingerprint: 'f', timeoutSeconds: -1 }, [key]), /invalid timeoutSeconds/],
      ['hard cap 1e12', frame({ v: 2, op: 'unlock', vault: '/v/x', kdfFingerprint: 'f', timeoutSeconds: 30, hardCapSeconds: 1e12 }, [key]), /invalid hardCapSeconds/],
      ['vault as an object', frame({ v: 2, op: 'getKey', vault: { $ne: 1 } }), /invalid vault/],
      ['query args with an object', frame({ v: 2, op: 'query', vault: '/v/keep.kdbx', query: 'show', args: { entry: { a: 1 } } }), /invalid args/],
      ['query name with a path', frame({ v: 2, op: 'query', vault: '/v/keep.kdbx', query: '../x', args: {} }), /invalid query/],
      ['unknown op', frame({ v: 2, op: 'eval', code: '1' }), /unknown op/],
      ['__proto__ op', frame({ v: 2, op: '__proto__' }), /unknown op/],
      ['not JSON', frame(null, [], '{"v":2,'), /bad request/],
      ['JSON length past the frame', (() => { const f = frame({ v: 2, op: 'ping' }); f.writeUInt32BE(0xffff, 4); return f; })(), /JSON longer than the frame/],
      ['an array', frame([1, 2]), /not an object/],
      ['old protocol', frame({ v: 1, op: 'ping' }), /protocol 2, client 1/],
      ['frame over the request limit', (() => { const b = Buffer.alloc(8); b.writeUInt32BE(1 << 30); return b; })(), /exceeds 65536/],
    ];
    for (const [label, bytes, want] of cases) {
      const answer = await send(bytes);
      expect(answer, label).toMatch(want);
      expect(JSON.parse(answer).ok, label).toBe(false);
      expect(await api.isAgentRunning(), `alive after: ${label}`).toBe(true);
    }
    expect(existsSync(api.socketPath())).toBe(true);
    expect(await api.agentClient().getKey('/v/x')).toBeUndefined(); // none of them unlocked anything
    await api.agentClient().lock({ all: true });
    await until(async () => !(await api.isAgentRunning()));
    expect(existsSync(api.socketPath())).toBe(false);
  });

  it('cannot grow it: 20 connections announcing 16 MiB frames are cut off, memory stays small', async () => {
    await startAgent();
    const pid = agentPid();
    const before = rssMiB(pid);
    const socks: Socket[] = [];
    const chunk = randomBytes(1 << 20);
    for (let i = 0; i < 20; i++) {
      const s = createConnection(api.socketPath());
      s.on('error', () => undefined);
      s.resume();
      s.once('connect', () => {
        const head = Buffer.alloc(4);
        head.writeUInt32BE(16 * 1024 * 1024);
        s.write(head);
        for (let k = 0; k < 16 && !s.destroyed; k++) s.write(chunk);
      });
      socks.push(s);
    }
    await until(() => socks.every((s) => s.closed || s.readableEnded), 20_000);
    const after = rssMiB(pid);
    for (const s of socks) s.destroy();
    // The attack announces 320 MiB; an agent that buffered it would grow by that much. What it does grow by is
    // freed garbage its collector has not yet returned: up to ~70 MiB on Node 26, so the bound is well below 320.
    expect(after - before, `RSS ${before.toFixed(0)} → ${after.toFixed(0)} MiB`).toBeLessThan(160);
    // Once the agent has seen those connections close it answers again (it never died).
    await until(() => api.isAgentRunning());
    expect(agentPid()).toBe(pid);
    // More than MAX_CONNECTIONS idle clients at once: the extra ones are turned away, the agent still answers afterwards.
    const idle = Array.from({ length: api.MAX_CONNECTIONS + 4 }, () => createConnection(api.socketPath()).on('error', () => undefined).resume());
    await until(() => idle.filter((s) => s.destroyed || s.readableEnded).length >= 4, 10_000);
    for (const s of idle) s.destroy();
    await until(() => api.isAgentRunning());
    await api.agentClient().lock({ all: true });
    await until(async () => !(await api.isAgentRunning()));
  });

  it('enforces its own hard cap from the config, whatever the client asks', async () => {
    // An agent an earlier test left running would answer with its own config.
    if (await api.isAgentRunning()) {
      await api.agentClient().lock({ all: true });
      await until(async () => !(await api.isAgentRunning()));
    }
    mkdirSync(join(dir, 'config', 'stickvault'), { recursive: true });
    writeFileSync(join(dir, 'config', 'stickvault', 'config.json'), JSON.stringify({ agentHardCapSeconds: 2 }));
    try {
      await api.ensureAgentRunning([entry]);
      const c = api.agentClient();
      await c.unlock({ vault: '/v/capped', key: randomBytes(32), kdfFingerprint: 'f', timeoutSeconds: 3600, hardCapSeconds: 7 * 86400 });
      expect((await c.status())[0].secondsToLock).toBeLessThanOrEqual(2);
      await until(async () => !(await api.isAgentRunning().catch(() => false)), 10_000);
    } finally {
      rmSync(join(dir, 'config'), { recursive: true, force: true });
    }
  });

  it('a client that connects and sends nothing neither blocks others nor keeps a keyless agent alive', async () => {
    await startAgent();
    const silent = createConnection(api.socketPath()).on('error', () => undefined).resume();
    await new Promise((r) => silent.once('connect', r));
    expect(await api.isAgentRunning()).toBe(true);
    await api.agentClient().lock({ all: true });
    // The silent client is dropped after its request timeout, and then the agent, holding nothing, exits.
    await until(async () => !(await api.isAgentRunning()), 15_000);
    expect(silent.destroyed || silent.readableEnded).toBe(true);
    expect(existsSync(api.socketPath())).toBe(false);
    silent.destroy();
  });
});
