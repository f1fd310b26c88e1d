/**
 * The agent: a per-user background process that holds derived vault keys
 * (never passwords) until they go idle, hit the hard cap, or are locked.
 * It exits once it holds no key and no client is connected. Read queries
 * are delegated to a handler the CLI plugs in (it keeps a parsed copy of
 * each unlocked vault).
 *
 * It trusts no client: the runtime directory is checked before it listens,
 * each connection's peer must run as our uid (SO_PEERCRED), every request is
 * validated (protocol.ts), frames and connections are bounded, each
 * connection carries one request and must send it promptly, and the hard cap
 * comes from our own config, not from the client.
 */
import { createServer, createConnection, type Socket, type Server } from 'node:net';
import { chmodSync, closeSync, constants, lstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { kindOf } from '../errors/index.js';
import { AGENT_SOCKET, loadConfig, ownSocket, privateRuntimeDir, runtimeDir } from '../config/index.js';
import { DerivedKey, ProtectedValue } from '../secret/index.js';
import { encodeFrame, FrameReader, MAX_REQUEST_FRAME, PROTOCOL_VERSION, validateRequest, type QueryArgs, type Request, type Response, type VaultStatus } from './protocol.js';
import { expired, newDeadline, secondsLeft, systemClock, touch, type Clock, type Deadline } from './timer.js';
import { peerIsMe } from './peer-cred.js';

export const socketPath = (): string => join(runtimeDir(), AGENT_SOCKET);
const lockPath = (): string => join(runtimeDir(), 'agent.lock');

export const DEFAULT_HARD_CAP_SECONDS = 8 * 3600;
/** Clients served at once; more are turned away at once (each is one short request). */
export const MAX_CONNECTIONS = 8;
/** A connection must deliver its request within this long. */
const REQUEST_TIMEOUT_MS = 5_000;

export type QueryHandler = (vault: string, key: { transformed: Uint8Array; kdfFingerprint: string }, query: string, args: QueryArgs) => Promise<unknown>;

export interface AgentOptions {
  queryHandler?: QueryHandler;
  /** Called when a vault's key is forgotten, so caches can be wiped. */
  onForget?: (vault: string) => void;
  /** Exit if nobody unlocks anything within this long after start. */
  startupGraceMs?: number;
  sweepMs?: number;
  clock?: () => Clock;
  /** The hard cap; default: the config's agentHardCapSeconds, else 8 h. */
  hardCapSeconds?: number;
}

interface Held {
  key: ProtectedValue;
  kdfFingerprint: string;
  deadline: Deadline;
}

function configuredHardCap(): number {
  try {
    return loadConfig().agentHardCapSeconds ?? DEFAULT_HARD_CAP_SECONDS;
  } catch {
    return DEFAULT_HARD_CAP_SECONDS; // a broken config must not lift the cap
  }
}

export async function runAgentServer(opts: AgentOptions = {}): Promise<void> {
  const clock = opts.clock ?? systemClock;
  privateRuntimeDir({ create: true });
  if (!takeStartupLock()) return; // another agent is starting right now
  const hardCap = opts.hardCapSeconds ?? configuredHardCap();
  const held = new Map<string, Held>();
  const forget = (vault: string) => {
    const h = held.get(vault);
    if (!h) return;
    h.key.wipe();
    held.delete(vault);
    opts.onForget?.(vault);
  };
  const sweep = () => {
    const t = clock();
    for (const [vault, h] of held) if (expired(h.deadline, t)) forget(vault);
  };

  const clients = new Set<Socket>();
  const server = createServer({ pauseOnConnect: true }, (sock) => accept(sock));
  let everUnlocked = false;
  let closed = false;
  let socketIno: number | undefined;
  const shutdown = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    for (const v of [...held.keys()]) forget(v);
    for (const c of clients) c.destroy();
    server.close();
    removeOwnSocket(socketIno);
  };
  // A bug must not leave a key in a crashed process's socket path, nor a stale socket.
  process.on('uncaughtException', () => {
    shutdown();
    process.exit(1);
  });
  const started = clock().mono;
  const timer = setInterval(() => {
    sweep();
    if (held.size === 0 && clients.size === 0 && (everUnlocked || clock().mono - started > (opts.startupGraceMs ?? 10_000))) shutdown();
  }, opts.sweepMs ?? 500);

  async function handle(req: Request, secrets: Uint8Array[]): Promise<{ res: Response; secrets?: Uint8Array[] }> {
    const ok = (result: unknown = null) => ({ res: { v: PROTOCOL_VERSION, ok: true as const, result } });
    const fail = (error: string, extra: Partial<Extract<Response, { ok: false }>> = {}) => ({ res: { v: PROTOCOL_VERSION, ok: false as const, error, ...extra } });
    sweep();
    switch (req.op) {
      case 'ping':
        return ok('pong');
      case 'status': {
        const t = clock();
        return ok([...held].map(([vault, h]): VaultStatus => ({ vault, secondsToLock: secondsLeft(h.deadline, t) })));
      }
      case 'unlock': {
        forget(req.vault);
        const cap = Math.min(hardCap, req.hardCapSeconds ?? hardCap);
        held.set(req.vault, { key: ProtectedValue.fromBytes(secrets[0]), kdfFingerprint: req.kdfFingerprint, deadline: newDeadline(clock(), Math.min(req.timeoutSeconds, cap), cap) });
        everUnlocked = true;
        return ok();
      }
      case 'getKey': {
        const h = held.get(req.vault);
        if (!h) return fail('locked', { locked: true });
        touch(h.deadline, clock());
        return { res: { v: PROTOCOL_VERSION, ok: true, result: { kdfFingerprint: h.kdfFingerprint } }, secrets: [h.key.getBytes()] };
      }
      case 'lock':
        if (req.all) for (const v of [...held.keys()]) forget(v);
        else if (req.vault) forget(req.vault);
        return ok();
      case 'query': {
        const h = held.get(req.vault);
        if (!h) return fail('locked', { locked: true });
        if (!opts.queryHandler) return fail('this agent answers no queries');
        touch(h.deadline, clock());
        using key = new DerivedKey(h.key.getBytes(), h.kdfFingerprint);
        try {
          return ok(await opts.queryHandler(req.vault, key, req.query, req.args));
        } catch (e) {
          const kind = kindOf(e);
          if (kind === 'locked') return fail('locked', { locked: true });
          return fail(e instanceof Error ? e.message : String(e), { kind });
        }
      }
    }
  }

  /** Write one answer and close; every buffer that held a secret is zeroed once the kernel has it. */
  function answer(sock: Socket, res: Response, secrets: Uint8Array[] = []): void {
    let frame: Buffer;
    try {
      frame = encodeFrame(res, secrets);
    } catch (e) {
      frame = encodeFrame({ v: PROTOCOL_VERSION, ok: false, error: (e as Error).message });
    } finally {
      for (const s of secrets) s.fill(0);
    }
    if (sock.destroyed) return void frame.fill(0);
    sock.end(frame, () => frame.fill(0));
  }

  function accept(sock: Socket): void {
    // Checked before a byte is read: only our own uid may talk to us.
    if (closed || clients.size >= MAX_CONNECTIONS || !peerIsMe(sock)) {
      sock.destroy();
      return;
    }
    clients.add(sock);
    const reader = new FrameReader(MAX_REQUEST_FRAME);
    let done = false;
    sock.setTimeout(REQUEST_TIMEOUT_MS, () => sock.destroy());
    sock.on('close', () => {
      clients.delete(sock);
      reader.wipe();
    });
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      if (done) return void chunk.fill(0);
      let frames;
      try {
        frames = reader.push(chunk);
      } catch (e) {
        done = true;
        return answer(sock, { v: PROTOCOL_VERSION, ok: false, error: `bad request: ${(e as Error).message}` });
      }
      if (!frames.length) return;
      done = true; // one request per connection
      for (const extra of frames.slice(1)) for (const s of extra.secrets) s.fill(0);
      const { msg, secrets } = frames[0];
      const v = validateRequest(msg, secrets);
      if (!v.ok) {
        for (const s of secrets) s.fill(0);
        return answer(sock, { v: PROTOCOL_VERSION, ok: false, error: v.error });
      }
      handle(v.req, secrets).then(
        (r) => answer(sock, r.res, r.secrets),
        (e: unknown) => answer(sock, { v: PROTOCOL_VERSION, ok: false, error: `agent error: ${(e as Error)?.message ?? String(e)}` }),
      ).finally(() => {
        for (const s of secrets) s.fill(0);
      });
    });
    sock.resume();
  }

  socketIno = await listen(server);
  releaseStartupLock();
  process.title = 'stickvault-agent';
  await new Promise<void>((resolve) => server.on('close', () => resolve()));
}

/** Remove the socket only if it is still the one we bound (not a successor's). */
function removeOwnSocket(ino: number | undefined): void {
  try {
    if (ino !== undefined && lstatSync(socketPath()).ino === ino) unlinkSync(socketPath());
  } catch { /* already gone */ }
}

/** Bind the socket 0600; replace a stale one, give way to a live one. */
async function listen(server: Server): Promise<number> {
  const path = socketPath();
  const existing = ownSocket(AGENT_SOCKET); // refuses another user's socket
  if (existing && (await answers(existing))) {
    releaseStartupLock();
    process.exit(0); // an agent is already serving
  }
  try {
    unlinkSync(path); // stale: its process is gone (or a leftover file in our own 0700 directory)
  } catch { /* none */ }
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
  return lstatSync(path).ino;
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
      const fd = openSync(lockPath(), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch {
      const pid = readPid(lockPath());
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

function readPid(path: string): number {
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const buf = Buffer.alloc(16);
      const n = readSync(fd, buf, 0, 16, 0);
      return Number(buf.subarray(0, n).toString('latin1')) || 0;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
}

function releaseStartupLock(): void {
  try { unlinkSync(lockPath()); } catch { /* gone */ }
}
