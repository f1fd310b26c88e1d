/**
 * The one protocol module shared by the CLI (client) and the agent (server):
 * frames are a u32 big-endian length then UTF-8 JSON, every message carries
 * the protocol version. Keys travel base64-encoded inside the socket only.
 */
export const PROTOCOL_VERSION = 1;
export const MAX_FRAME = 16 * 1024 * 1024;

export type Request =
  | { v: number; op: 'ping' }
  | { v: number; op: 'status' }
  | { v: number; op: 'unlock'; vault: string; key: string; kdfFingerprint: string; timeoutSeconds: number; hardCapSeconds?: number }
  | { v: number; op: 'getKey'; vault: string }
  | { v: number; op: 'lock'; vault?: string; all?: boolean }
  | { v: number; op: 'query'; vault: string; query: string; args: unknown };

export type Response =
  | { v: number; ok: true; result?: unknown }
  | { v: number; ok: false; error: string; kind?: string; locked?: boolean };

export interface VaultStatus {
  vault: string;
  secondsToLock: number;
}

export function encodeFrame(msg: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(msg), 'utf8');
  if (body.length > MAX_FRAME) throw new Error('agent message too large');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** Accumulates socket data and yields complete frames; throws on an oversized frame. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): unknown[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: unknown[] = [];
    while (this.#buf.length >= 4) {
      const len = this.#buf.readUInt32BE(0);
      if (len > MAX_FRAME) throw new Error(`agent frame of ${len} bytes exceeds ${MAX_FRAME}`);
      if (this.#buf.length < 4 + len) break;
      const body = this.#buf.subarray(4, 4 + len);
      this.#buf = this.#buf.subarray(4 + len);
      out.push(JSON.parse(body.toString('utf8')));
    }
    return out;
  }
}
