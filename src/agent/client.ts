/** The CLI's end of the agent socket: one request per connection, short timeouts. */
import { createConnection } from 'node:net';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { StvError } from '../errors/index.js';
import { encodeFrame, FrameReader, PROTOCOL_VERSION, type Request, type Response, type VaultStatus } from './protocol.js';
import { socketPath } from './server.js';

type Body<R> = R extends unknown ? Omit<R, 'v'> : never;

/** A failed request; `kind` carries the typed error kind of a failed query (entry not found …). */
export class AgentError extends StvError {
  constructor(message: string, readonly agentKind?: string, readonly locked = false) {
    super(message);
  }
}

export function request(req: Body<Request>, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath());
    const reader = new FrameReader();
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new AgentError('the agent did not answer in time'));
    }, timeoutMs);
    sock.once('connect', () => sock.write(encodeFrame({ v: PROTOCOL_VERSION, ...req })));
    sock.on('data', (chunk) => {
      let frames: unknown[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        clearTimeout(timer);
        sock.destroy();
        reject(new AgentError((e as Error).message));
        return;
      }
      if (!frames.length) return;
      clearTimeout(timer);
      sock.end();
      const res = frames[0] as Response;
      if (res.ok) resolve(res.result);
      else reject(new AgentError(res.error, res.kind, Boolean(res.locked)));
    });
    // An agent that exits mid-request closes without a frame: fail now, not at the timeout.
    sock.once('close', () => {
      clearTimeout(timer);
      reject(new AgentError('the agent closed the connection'));
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(new AgentError(`agent unreachable: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
  });
}

export async function isAgentRunning(): Promise<boolean> {
  if (!existsSync(socketPath())) return false;
  try {
    return (await request({ op: 'ping' }, 2000)) === 'pong';
  } catch {
    return false;
  }
}

/** Start the agent (`process.execPath ...args`, detached) unless one answers; wait until it does. */
export async function ensureAgentRunning(args: string[], timeoutMs = 10_000): Promise<void> {
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
      const key = Buffer.from(o.key).toString('base64');
      await request({ op: 'unlock', vault: o.vault, key, kdfFingerprint: o.kdfFingerprint, timeoutSeconds: o.timeoutSeconds, hardCapSeconds: o.hardCapSeconds });
    },
    async getKey(vault: string): Promise<{ key: Uint8Array; kdfFingerprint: string } | undefined> {
      try {
        const r = (await request({ op: 'getKey', vault })) as { key: string; kdfFingerprint: string };
        return { key: new Uint8Array(Buffer.from(r.key, 'base64')), kdfFingerprint: r.kdfFingerprint };
      } catch (e) {
        if (e instanceof AgentError && e.locked) return undefined;
        throw e;
      }
    },
    async lock(o: { vault?: string; all?: boolean }): Promise<void> {
      await request({ op: 'lock', ...o });
    },
    async status(): Promise<VaultStatus[]> {
      return (await request({ op: 'status' })) as VaultStatus[];
    },
    /** undefined when the vault is locked in the agent. */
    async query(vault: string, query: string, args: unknown): Promise<unknown> {
      try {
        return await request({ op: 'query', vault, query, args }, 30_000);
      } catch (e) {
        if (e instanceof AgentError && e.locked) return undefined;
        if (e instanceof AgentError && e.agentKind) throw Object.assign(new Error(e.message), { kind: e.agentKind });
        throw e;
      }
    },
  };
}
