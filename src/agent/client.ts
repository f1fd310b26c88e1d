/**
 * The CLI's end of the agent socket: one request per connection, short
 * timeouts. Before it connects it checks the runtime directory and the
 * socket (ours, private), and once connected that the agent runs as our own
 * uid (SO_PEERCRED): a socket another user planted never receives a key.
 */
import { createConnection } from 'node:net';
import { spawn } from 'node:child_process';
import { AGENT_SOCKET, ownSocket, privateRuntimeDir, RuntimeDirError } from '../config/index.js';
import { StvError, errorFromKind } from '../errors/index.js';
import { encodeFrame, FrameReader, PROTOCOL_VERSION, revealSecrets, type Frame, type Op, type RequestBody, type Response, type Results, type VaultStatus, type QueryArgs } from './protocol.js';
import { peerCred, peerIsMe } from './peer-cred.js';
import { secureCopy } from '../secret/index.js';


/** A failed request; `kind` carries the typed error kind of a failed query (entry not found …). */
export class AgentError extends StvError {
  constructor(message: string, readonly agentKind?: string, readonly locked = false) {
    super(message);
  }
}

/** One request; the answer with its secrets still as bytes (the caller zeroes them). */
function exchange(req: RequestBody, secrets: Uint8Array[], timeoutMs: number): Promise<Frame> {
  const path = ownSocket(AGENT_SOCKET);
  if (!path) return Promise.reject(new AgentError('agent unreachable: no socket'));
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    const reader = new FrameReader();
    let frame: Buffer | undefined;
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      frame?.fill(0);
      reader.wipe();
      f();
    };
    const timer = setTimeout(() => settle(() => {
      sock.destroy();
      reject(new AgentError('the agent did not answer in time'));
    }), timeoutMs);
    sock.once('connect', () => {
      if (!peerIsMe(sock)) {
        const cred = peerCred(sock);
        sock.destroy();
        settle(() => reject(new RuntimeDirError(`the agent socket ${path} is served by uid ${cred?.uid ?? 'unknown'}, not by you (uid ${process.getuid?.()}); refusing to talk to it`)));
        return;
      }
      frame = encodeFrame({ v: PROTOCOL_VERSION, ...req }, secrets);
      sock.write(frame);
    });
    sock.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        sock.destroy();
        settle(() => reject(new AgentError((e as Error).message)));
        return;
      }
      if (!frames.length) return;
      sock.end();
      for (const extra of frames.slice(1)) for (const s of extra.secrets) s.fill(0);
      settle(() => resolve(frames[0]));
    });
    // An agent that exits mid-request closes without a frame: fail now, not at the timeout.
    sock.once('close', () => settle(() => reject(new AgentError('the agent closed the connection'))));
    sock.once('error', (e) => settle(() => reject(new AgentError(`agent unreachable: ${(e as NodeJS.ErrnoException).code ?? e.message}`))));
  });
}

function unwrap(f: Frame): Extract<Response, { ok: true }> {
  const res = f.msg as Response;
  if (!res || typeof res !== 'object') throw new AgentError('the agent sent no answer');
  if (res.ok) return res;
  for (const s of f.secrets) s.fill(0);
  throw new AgentError(String(res.error), res.kind, Boolean(res.locked));
}

/** A request whose answer holds no key; secrets in it (protected values) come back as strings. */
export async function request<O extends Op>(req: RequestBody<O>, timeoutMs = 5000, secrets: Uint8Array[] = []): Promise<Results[O]> {
  const f = await exchange(req as RequestBody, secrets, timeoutMs);
  // The answer's shape is the agent's promise for this op (the same build); secrets come back as strings.
  return revealSecrets(unwrap(f).result, f.secrets) as Results[O];
}

export async function isAgentRunning(): Promise<boolean> {
  if (!ownSocket(AGENT_SOCKET)) return false;
  try {
    return (await request({ op: 'ping' }, 2000)) === 'pong';
  } catch (e) {
    if (e instanceof RuntimeDirError) throw e;
    return false;
  }
}

/** Start the agent (`process.execPath ...args`, detached) unless one answers; wait until it does. */
export async function ensureAgentRunning(args: string[], timeoutMs = 10_000): Promise<void> {
  privateRuntimeDir({ create: true }); // refuses a directory another user planted, before anything starts
  if (await isAgentRunning()) return;
  const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore' });
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isAgentRunning()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new StvError('the unlock agent did not start; run with --no-agent, or check $XDG_RUNTIME_DIR');
}

export function agentClient() {
  return {
    async unlock(o: { vault: string; key: Uint8Array; kdfFingerprint: string; timeoutSeconds: number; hardCapSeconds?: number }): Promise<void> {
      const key = secureCopy(o.key); // the frame's copy; off the heap like every key
      try {
        await request({ op: 'unlock', vault: o.vault, kdfFingerprint: o.kdfFingerprint, timeoutSeconds: o.timeoutSeconds, ...(o.hardCapSeconds ? { hardCapSeconds: o.hardCapSeconds } : {}) }, 5000, [key]);
      } finally {
        key.fill(0);
      }
    },
    /** The held key (the caller wipes it), or undefined when the vault is locked in the agent. */
    async getKey(vault: string): Promise<{ key: Uint8Array; kdfFingerprint: string } | undefined> {
      let f: Frame;
      try {
        f = await exchange({ op: 'getKey', vault }, [], 5000);
        const r = unwrap(f).result as Partial<Results['getKey']> | undefined;
        if (typeof r?.kdfFingerprint !== 'string' || f.secrets.length !== 1) {
          for (const s of f.secrets) s.fill(0);
          throw new AgentError('the agent sent a malformed key');
        }
        return { key: f.secrets[0], kdfFingerprint: r.kdfFingerprint };
      } catch (e) {
        if (e instanceof AgentError && e.locked) return undefined;
        throw e;
      }
    },
    async lock(o: { vault?: string; all?: boolean }): Promise<void> {
      await request({ op: 'lock', ...o });
    },
    async status(): Promise<VaultStatus[]> {
      return request({ op: 'status' });
    },
    /** undefined when the vault is locked in the agent. */
    async query(vault: string, query: string, args: QueryArgs): Promise<unknown> {
      try {
        return await request({ op: 'query', vault, query, args }, 30_000);
      } catch (e) {
        if (e instanceof AgentError && e.locked) return undefined;
        if (e instanceof AgentError && e.agentKind) throw errorFromKind(e.agentKind, e.message);
        throw e;
      }
    },
  };
}
