/**
 * The agent: a per-user background process that holds derived vault keys
 * (never passwords) until they go idle, hit the hard cap, or are locked.
 * It exits as soon as it holds no key. Read queries are delegated to a
 * handler the CLI plugs in (it keeps a parsed copy of each unlocked vault).
 *
 * Access control: the socket lives in a 0700 directory and is itself 0600, so
 * only the same user can connect (Node cannot read SO_PEERCRED).
 */
import { createServer, createConnection, type Socket } from 'node:net';
import { chmodSync, closeSync, openSync, readFileSync, unlinkSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, runtimeDir } from '../config/index.js';
import { ProtectedValue } from '../secret/index.js';
import { encodeFrame, FrameReader, PROTOCOL_VERSION, type Request, type Response, type VaultStatus } from './protocol.js';
import { expired, newDeadline, secondsLeft, touch, type Deadline } from './timer.js';

export const socketPath = (): string => join(runtimeDir(), 'agent.sock');
const lockPath = (): string => join(runtimeDir(), 'agent.lock');

export type QueryHandler = (vault: string, key: { transformed: Uint8Array; kdfFingerprint: string }, query: string, args: unknown) => Promise<unknown>;

export interface AgentOptions {
  queryHandler?: QueryHandler;
  /** Called when a vault's key is forgotten, so caches can be wiped. */
  onForget?: (vault: string) => void;
  /** Exit if nobody unlocks anything within this long after start. */
  startupGraceMs?: number;
  sweepMs?: number;
  now?: () => number;
}

interface Held {
  key: ProtectedValue;
  kdfFingerprint: string;
  deadline: Deadline;
}

export async function runAgentServer(opts: AgentOptions = {}): Promise<void> {
  const now = opts.now ?? Date.now;
  ensurePrivateDir(runtimeDir());
  if (!takeStartupLock()) return; // another agent is starting right now
  const held = new Map<string, Held>();
  const forget = (vault: string) => {
    const h = held.get(vault);
    if (!h) return;
    h.key.wipe();
    held.delete(vault);
    opts.onForget?.(vault);
  };
  const sweep = () => {
    const t = now();
    for (const [vault, h] of held) if (expired(h.deadline, t)) forget(vault);
  };

  const server = createServer((sock) => serve(sock));
  let everUnlocked = false;
  const shutdown = () => {
    clearInterval(timer);
    for (const v of [...held.keys()]) forget(v);
    server.close();
    try { unlinkSync(socketPath()); } catch { /* already gone */ }
  };
  const timer = setInterval(() => {
    sweep();
    if (held.size === 0 && (everUnlocked || now() - started > (opts.startupGraceMs ?? 10_000))) shutdown();
  }, opts.sweepMs ?? 500);
  const started = now();

  async function handle(req: Request): Promise<Response> {
    const ok = (result?: unknown): Response => ({ v: PROTOCOL_VERSION, ok: true, result });
    const fail = (error: string, extra: Partial<Extract<Response, { ok: false }>> = {}): Response => ({ v: PROTOCOL_VERSION, ok: false, error, ...extra });
    if (req.v !== PROTOCOL_VERSION) return fail(`agent speaks protocol ${PROTOCOL_VERSION}, client ${req.v}; run 'stv lock --all' and retry`);
    sweep();
    switch (req.op) {
      case 'ping':
        return ok('pong');
      case 'status': {
        const t = now();
        return ok([...held].map(([vault, h]): VaultStatus => ({ vault, secondsToLock: secondsLeft(h.deadline, t) })));
      }
      case 'unlock': {
        const key = Buffer.from(req.key, 'base64');
        forget(req.vault);
        held.set(req.vault, { key: ProtectedValue.fromBytes(key), kdfFingerprint: req.kdfFingerprint, deadline: newDeadline(now(), req.timeoutSeconds, req.hardCapSeconds ?? 8 * 3600) });
        key.fill(0);
        everUnlocked = true;
        return ok();
      }
      case 'getKey': {
        const h = held.get(req.vault);
        if (!h) return fail('locked', { locked: true });
        touch(h.deadline, now());
        const bytes = h.key.getBytes();
        const result = { key: Buffer.from(bytes).toString('base64'), kdfFingerprint: h.kdfFingerprint };
        bytes.fill(0);
        return ok(result);
      }
      case 'lock':
        if (req.all) for (const v of [...held.keys()]) forget(v);
        else if (req.vault) forget(req.vault);
        return ok();
      case 'query': {
        const h = held.get(req.vault);
        if (!h) return fail('locked', { locked: true });
        if (!opts.queryHandler) return fail('this agent answers no queries');
        touch(h.deadline, now());
        const bytes = h.key.getBytes();
        try {
          return ok(await opts.queryHandler(req.vault, { transformed: bytes, kdfFingerprint: h.kdfFingerprint }, req.query, req.args));
        } catch (e) {
          const err = e as { message?: string; kind?: string };
          if (err.kind === 'locked') return fail('locked', { locked: true });
          return fail(err.message ?? String(e), { kind: err.kind ?? 'other' });
        } finally {
          bytes.fill(0);
        }
      }
      default:
        return fail(`unknown request '${(req as { op?: string }).op}'`);
    }
  }

  function serve(sock: Socket): void {
    const reader = new FrameReader();
    sock.on('data', (chunk) => {
      let frames: unknown[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        sock.end(encodeFrame({ v: PROTOCOL_VERSION, ok: false, error: `bad request: ${(e as Error).message}` }));
        return;
      }
      for (const f of frames) {
        const req = f as Request;
        if (typeof req !== 'object' || req === null || typeof (req as { op?: unknown }).op !== 'string') {
          sock.end(encodeFrame({ v: PROTOCOL_VERSION, ok: false, error: 'bad request' }));
          return;
        }
        void handle(req).then((res) => {
          if (!sock.destroyed) sock.write(encodeFrame(res));
        });
      }
    });
    sock.on('error', () => sock.destroy());
  }

  await listen(server);
  releaseStartupLock();
  process.title = 'stickvault-agent';
  await new Promise<void>((resolve) => server.on('close', () => resolve()));
}

/** Bind the socket 0600; replace a stale one, give way to a live one. */
async function listen(server: ReturnType<typeof createServer>): Promise<void> {
  const path = socketPath();
  if (existsSync(path)) {
    if (await answers(path)) {
      releaseStartupLock();
      process.exit(0); // an agent is already serving
    }
    unlinkSync(path); // stale: its process is gone
  }
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(oldMask);
  }
  chmodSync(path, 0o600);
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Only one agent may be starting at a time; a lock whose process died is stale. */
function takeStartupLock(): boolean {
  for (let i = 0; i < 2; i++) {
    try {
      const fd = openSync(lockPath(), 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch {
      const pid = Number(readFileSync(lockPath(), 'utf8') || 0);
      let alive = false;
      try {
        if (pid > 0) {
          process.kill(pid, 0);
          alive = true;
        }
      } catch { /* dead */ }
      if (alive) return false;
      try { unlinkSync(lockPath()); } catch { /* raced */ }
    }
  }
  return false;
}

function releaseStartupLock(): void {
  try { unlinkSync(lockPath()); } catch { /* gone */ }
}
