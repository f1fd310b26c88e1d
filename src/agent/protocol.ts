/**
 * The one protocol module shared by the CLI (client) and the agent (server).
 *
 * A frame is a u32 big-endian length, then a u32 length of UTF-8 JSON, the
 * JSON, and any number of secrets, each a u32 length and its raw bytes.
 * Secrets (a derived key, a protected field's value) never become strings:
 * JSON refers to them as `{"$secret": i}`, and every buffer that held one is
 * zeroed once it is used. Every message carries the protocol version.
 *
 * Requests are validated here, field by field, before the agent acts on
 * them: a client is another process and may be hostile or buggy.
 */
import { ProtectedValue, secureCopy } from '../secret/index.js';

export const PROTOCOL_VERSION = 2;
/** A request is small: a vault path, a query and its few arguments, at most one key. */
export const MAX_REQUEST_FRAME = 64 * 1024;
/** An answer may list a large vault. */
export const MAX_FRAME = 16 * 1024 * 1024;
/** A derived key: the 32-byte transformed key of KDBX and KeePass 1. */
export const KEY_BYTES = 32;
const MAX_STRING = 4096;
const MAX_ARGS = 16;
/** The longest idle timeout a client may ask for (the hard cap bounds it further). */
export const MAX_TIMEOUT_SECONDS = 7 * 86400;

/**
 * Each op: the fields of its request and what it answers with. The key of
 * unlock (sent) and getKey (answered) travels as a secret, not in these
 * fields. A query's answer depends on the query (agent/queries.ts: QueryResults).
 */
export interface Ops {
  ping: { args: Record<never, never>; result: 'pong' };
  status: { args: Record<never, never>; result: VaultStatus[] };
  unlock: { args: { vault: string; kdfFingerprint: string; timeoutSeconds: number; hardCapSeconds?: number }; result: null };
  getKey: { args: { vault: string }; result: { kdfFingerprint: string } };
  lock: { args: { vault?: string; all?: boolean }; result: null };
  query: { args: { vault: string; query: string; args: QueryArgs }; result: unknown };
}

export type Op = keyof Ops;
/** A request for one op, without the version (the client adds it). */
export type RequestBody<O extends Op = Op> = { [K in O]: { op: K } & Ops[K]['args'] }[O];
export type Request<O extends Op = Op> = { [K in O]: { v: number; op: K } & Ops[K]['args'] }[O];
export type Results = { [K in Op]: Ops[K]['result'] };
export type QueryArgs = Record<string, string | boolean | number>;

export type Response =
  | { v: number; ok: true; result?: unknown }
  | { v: number; ok: false; error: string; kind?: string; locked?: boolean };

export interface VaultStatus {
  vault: string;
  secondsToLock: number;
}

export interface Frame {
  msg: unknown;
  secrets: Uint8Array[];
}

/**
 * One frame. ProtectedValue instances anywhere in `msg` travel as secrets;
 * `secrets` are appended first (the key of unlock/getKey is secret 0).
 * The caller zeroes the returned buffer once it is written.
 */
export function encodeFrame(msg: unknown, secrets: Uint8Array[] = [], max = MAX_FRAME): Buffer {
  const all = [...secrets];
  const owned: Uint8Array[] = [];
  // The holder's own value: JSON.stringify applies ProtectedValue's toJSON ('[protected]') before a replacer sees it.
  const json = JSON.stringify(msg, function (this: Record<string, unknown>, k: string, after: unknown) {
    const v = this[k];
    if (!(v instanceof ProtectedValue)) return after;
    const bytes = v.getBytes();
    owned.push(bytes);
    all.push(bytes);
    return { $secret: all.length - 1 };
  });
  try {
    const body = Buffer.from(json, 'utf8');
    const total = 4 + body.length + all.reduce((n, s) => n + 4 + s.length, 0);
    if (total > max) throw new Error(`agent message of ${total} bytes exceeds ${max}`);
    const out = Buffer.alloc(4 + total);
    out.writeUInt32BE(total, 0);
    out.writeUInt32BE(body.length, 4);
    body.copy(out, 8);
    let off = 8 + body.length;
    for (const s of all) {
      out.writeUInt32BE(s.length, off);
      out.set(s, off + 4);
      off += 4 + s.length;
    }
    return out;
  } finally {
    for (const b of owned) b.fill(0);
  }
}

/** Parse one frame body (without its length); secrets are fresh copies, and `body` is zeroed. */
export function decodeBody(body: Buffer): Frame {
  try {
    if (body.length < 4) throw new Error('agent frame too short');
    const jsonLen = body.readUInt32BE(0);
    if (4 + jsonLen > body.length) throw new Error('agent frame: JSON longer than the frame');
    const msg = JSON.parse(body.subarray(4, 4 + jsonLen).toString('utf8')) as unknown;
    const secrets: Uint8Array[] = [];
    let off = 4 + jsonLen;
    while (off < body.length) {
      if (off + 4 > body.length) throw new Error('agent frame: truncated secret');
      const n = body.readUInt32BE(off);
      if (off + 4 + n > body.length) throw new Error('agent frame: secret longer than the frame');
      secrets.push(secureCopy(body.subarray(off + 4, off + 4 + n))); // off the heap: a key is 32 bytes
      off += 4 + n;
    }
    return { msg, secrets };
  } finally {
    body.fill(0);
  }
}

/**
 * Accumulates socket data and yields complete frames; throws on a frame over
 * `max`, checked from its length before the body is buffered. The chunks it
 * is given are zeroed once copied (they may hold secrets).
 */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);
  constructor(private readonly max = MAX_FRAME) {}

  push(chunk: Buffer): Frame[] {
    const next = Buffer.alloc(this.#buf.length + chunk.length);
    this.#buf.copy(next, 0);
    chunk.copy(next, this.#buf.length);
    this.#buf.fill(0);
    chunk.fill(0);
    this.#buf = next;
    const out: Frame[] = [];
    while (this.#buf.length >= 4) {
      const len = this.#buf.readUInt32BE(0);
      if (len > this.max) throw new Error(`agent frame of ${len} bytes exceeds ${this.max}`);
      if (this.#buf.length < 4 + len) break;
      out.push(decodeBody(Buffer.from(this.#buf.subarray(4, 4 + len))));
      this.#buf.fill(0, 0, 4 + len);
      this.#buf = this.#buf.subarray(4 + len);
    }
    return out;
  }

  /** Zero what is buffered (a connection closed mid-frame). */
  wipe(): void {
    this.#buf.fill(0);
    this.#buf = Buffer.alloc(0);
  }
}

/** Secrets in a decoded message back in place, as strings (the client prints them); the secret buffers are zeroed. */
export function revealSecrets(msg: unknown, secrets: Uint8Array[]): unknown {
  const decoder = new TextDecoder();
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$secret === 'number' && Object.keys(o).length === 1) {
        const s = secrets[o.$secret];
        if (!s) throw new Error('agent answer refers to a missing secret');
        return decoder.decode(s);
      }
      return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  try {
    return walk(msg);
  } finally {
    for (const s of secrets) s.fill(0);
  }
}

type Check = (v: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string' && v.length > 0 && v.length <= MAX_STRING;
const isBool: Check = (v) => typeof v === 'boolean';
const isSeconds: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_TIMEOUT_SECONDS;
const isQueryName: Check = (v) => typeof v === 'string' && /^[a-z]{1,32}$/.test(v);
const isArgs: Check = (v) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const entries = Object.entries(v);
  return entries.length <= MAX_ARGS && entries.every(([k, x]) => /^[A-Za-z]{1,32}$/.test(k) && ((typeof x === 'string' && x.length <= MAX_STRING) || isBool(x) || (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 1_000_000)));
};

/** Each op's fields and their checks; keyed by the op map, so a new op cannot go unchecked. */
const SHAPES: { [K in Op]: { required: Record<string, Check>; optional?: Record<string, Check>; key?: true } } = {
  ping: { required: {} },
  status: { required: {} },
  unlock: { required: { vault: isString, kdfFingerprint: isString, timeoutSeconds: isSeconds }, optional: { hardCapSeconds: isSeconds }, key: true },
  getKey: { required: { vault: isString } },
  lock: { required: {}, optional: { vault: isString, all: isBool } },
  query: { required: { vault: isString, query: isQueryName, args: isArgs } },
};

/** A request checked field by field: its typed form, or why it is refused (one line). */
export function validateRequest(msg: unknown, secrets: Uint8Array[]): { ok: true; req: Request } | { ok: false; error: string } {
  const bad = (error: string) => ({ ok: false as const, error: `bad request: ${error}` });
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return bad('not an object');
  const m = msg as Record<string, unknown>;
  if (m.v !== PROTOCOL_VERSION) return { ok: false, error: `agent speaks protocol ${PROTOCOL_VERSION}, client ${typeof m.v === 'number' ? m.v : '?'}; run 'stv lock --all' and retry` };
  if (typeof m.op !== 'string' || !Object.hasOwn(SHAPES, m.op)) return bad(`unknown op`);
  const shape = SHAPES[m.op as Op];
  for (const k of Object.keys(m)) {
    if (k === 'v' || k === 'op') continue;
    const check = shape.required[k] ?? shape.optional?.[k];
    if (!check) return bad(`unexpected field '${k.slice(0, 32)}' for ${m.op}`);
    if (!check(m[k])) return bad(`invalid ${k} for ${m.op}`);
  }
  for (const k of Object.keys(shape.required)) if (!(k in m)) return bad(`${m.op} needs ${k}`);
  if (shape.key ? secrets.length !== 1 || secrets[0].length !== KEY_BYTES : secrets.length !== 0) {
    return bad(shape.key ? `${m.op} needs one ${KEY_BYTES}-byte key` : `${m.op} takes no secret`);
  }
  return { ok: true, req: m as unknown as Request };
}
