/**
 * Where secrets live in memory.
 *
 * `ProtectedValue` keeps a secret XOR-masked with a random pad of the same
 * length, as KeePass does for protected strings, so a memory scan for the
 * plaintext finds nothing while the value is at rest. It is unmasked only at
 * the point of use, and `wipe()` zeroes both halves.
 *
 * JavaScript strings cannot be wiped; code turns a secret into a string only
 * where an API demands one (printing, the clipboard) and drops it at once.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hash, randomFillSync, timingSafeEqual } from 'node:crypto';
import { noCoreDumpArgs, secureAlloc, secureCopy, wipe } from './leaf.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export { noCoreDumpArgs, secureAlloc, secureCopy, wipe };

/**
 * Small values are carved out of shared 64 KiB slabs: a vault read makes a
 * buffer per protected value (tens of thousands), and an ArrayBuffer each
 * cost a malloc and GC pressure from "external" memory. Each value still
 * owns its bytes and wipes only them. Slabs and larger values are off the JS
 * heap (more than V8_ON_HEAP_MAX bytes), so a collection never moves a copy.
 */
const SLAB = 64 * 1024;
let slab = new Uint8Array(0);
let slabUsed = 0;
function slabAlloc(n: number): Uint8Array {
  if (n > 2048) return secureAlloc(n);
  // The first slab is made on first use, also for an empty value (a view of the empty placeholder would sit in V8's heap).
  if (slabUsed + n > slab.length || slab.length === 0) {
    slab = new Uint8Array(SLAB);
    slabUsed = 0;
  }
  slabUsed += n;
  return slab.subarray(slabUsed - n, slabUsed);
}

/**
 * Random pad bytes from a pool refilled 64 KiB at a time: one getrandom call
 * per value cost more than the rest of an import of 100k items. Bytes are
 * zeroed in the pool as they are handed out, so no pad is ever used twice.
 */
const PAD_POOL = 64 * 1024;
/** Where fromString encodes a value before masking it; zeroed after each use. */
const SCRATCH = secureAlloc(4096);
let padPool = new Uint8Array(0);
let padUsed = 0;
function randomPad(into: Uint8Array, offset: number, n: number): void {
  if (n > 4096) {
    randomFillSync(into, offset, n);
    return;
  }
  if (padUsed + n > padPool.length) {
    padPool = new Uint8Array(PAD_POOL);
    randomFillSync(padPool);
    padUsed = 0;
  }
  into.set(padPool.subarray(padUsed, padUsed + n), offset);
  padPool.fill(0, padUsed, padUsed + n);
  padUsed += n;
}

export class ProtectedValue {
  /**
   * The masked value, then the pad, in one buffer: one typed array per
   * value instead of two (a 10k-entry vault holds ~10k of them).
   */
  #both: Uint8Array;

  private constructor(both: Uint8Array) {
    this.#both = both;
  }

  /** Takes a copy of `bytes`; the caller still owns (and should wipe) its buffer. */
  static fromBytes(bytes: Uint8Array): ProtectedValue {
    const n = bytes.length;
    const both = slabAlloc(2 * n);
    randomPad(both, n, n);
    for (let i = 0; i < n; i++) both[i] = bytes[i] ^ both[n + i];
    return new ProtectedValue(both);
  }

  static fromString(text: string): ProtectedValue {
    // Encoded into an off-heap scratch buffer (an import makes ~100k of these: one ArrayBuffer each would show).
    if (text.length * 3 > SCRATCH.length) {
      const bytes = utf8(text);
      const v = ProtectedValue.fromBytes(bytes);
      bytes.fill(0);
      return v;
    }
    const { written } = encoder.encodeInto(text, SCRATCH);
    const bytes = SCRATCH.subarray(0, written);
    const v = ProtectedValue.fromBytes(bytes);
    bytes.fill(0);
    return v;
  }

  /**
   * Builds a value from bytes that are already XORed with a key stream
   * (KDBX protected values): `data ^ stream` is the plaintext. Both inputs
   * are left untouched.
   */
  static fromXored(data: Uint8Array, stream: Uint8Array): ProtectedValue {
    // The stream bytes are random and single-use, so they serve as our pad.
    const n = data.length;
    const both = slabAlloc(2 * n);
    both.set(data);
    both.set(stream.subarray(0, n), n);
    return new ProtectedValue(both);
  }

  get byteLength(): number {
    return this.#both.length >> 1;
  }

  /** A fresh plaintext copy, off the JS heap; the caller must wipe it. */
  getBytes(): Uint8Array {
    const both = this.#both;
    const n = both.length >> 1;
    const out = slabAlloc(n);
    for (let i = 0; i < n; i++) out[i] = both[i] ^ both[n + i];
    return out;
  }

  /** The plaintext as a string (cannot be wiped: use at the point of use only). */
  getText(): string {
    const bytes = this.getBytes();
    const text = decoder.decode(bytes);
    bytes.fill(0);
    return text;
  }

  /** Constant-time comparison of the plaintexts. */
  equals(other: ProtectedValue): boolean {
    if (other.byteLength !== this.byteLength) return false;
    const a = this.getBytes();
    const b = other.getBytes();
    const same = timingSafeEqual(a, b);
    wipe(a, b);
    return same;
  }

  clone(): ProtectedValue {
    const bytes = this.getBytes();
    const v = ProtectedValue.fromBytes(bytes);
    bytes.fill(0);
    return v;
  }

  wipe(): void {
    this.#both.fill(0);
  }

  /** Never print a secret by accident. */
  toString(): string {
    return '[protected]';
  }
  toJSON(): string {
    return '[protected]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'ProtectedValue([protected])';
  }
}

/**
 * `Symbol.dispose` (Node ≥ 20.4 ships it; stickvault needs 20.19): a `using`
 * declaration, or an explicit call, wipes the secret when the scope ends.
 */
export const DISPOSE: typeof Symbol.dispose = Symbol.dispose;

/**
 * The master credentials: the password's UTF-8 bytes and/or the keyfile's
 * bytes, each in its own off-heap buffer (secureAlloc). Wiped after use;
 * clone() to keep a copy.
 */
export class Credentials implements Disposable {
  #password?: Uint8Array;
  #keyfile?: Uint8Array;
  #wiped = false;

  /**
   * Takes ownership of the buffers given: their bytes move into off-heap
   * buffers of the instance's own and the given ones are zeroed at once.
   */
  constructor(parts: { password?: Uint8Array; keyfile?: Uint8Array }) {
    this.#password = parts.password && take(parts.password);
    this.#keyfile = parts.keyfile && take(parts.keyfile);
  }

  /** UTF-8 bytes of the master password; undefined = no password component. */
  get password(): Uint8Array | undefined {
    this.#check();
    return this.#password;
  }

  get keyfile(): Uint8Array | undefined {
    this.#check();
    return this.#keyfile;
  }

  clone(): Credentials {
    this.#check();
    return new Credentials({ password: this.#password && secureCopy(this.#password), keyfile: this.#keyfile && secureCopy(this.#keyfile) });
  }

  wipe(): void {
    this.#password?.fill(0);
    this.#keyfile?.fill(0);
    this.#password = this.#keyfile = undefined;
    this.#wiped = true;
  }

  [DISPOSE](): void {
    this.wipe();
  }

  #check(): void {
    if (this.#wiped) throw new Error('credentials used after wipe');
  }

  toString(): string {
    return '[credentials]';
  }
  toJSON(): string {
    return '[credentials]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Credentials([secret])';
  }
}

/** Moves `bytes` into an off-heap buffer and zeroes them (a constructor that takes ownership). */
function take(bytes: Uint8Array): Uint8Array {
  const out = secureCopy(bytes);
  bytes.fill(0);
  return out;
}

/**
 * A vault's derived (transformed) key and the fingerprint of the KDF
 * parameters that made it, in an off-heap buffer of its own.
 */
export class DerivedKey implements Disposable {
  #transformed: Uint8Array | null;
  /** Takes ownership of `transformed`: it is moved off the heap and the given buffer zeroed. */
  constructor(transformed: Uint8Array, readonly kdfFingerprint: string) {
    this.#transformed = take(transformed);
  }
  /** A key made from a copy of `transformed` (left as it is). */
  static copyOf(transformed: Uint8Array, kdfFingerprint: string): DerivedKey {
    return new DerivedKey(secureCopy(transformed), kdfFingerprint);
  }
  get transformed(): Uint8Array {
    if (!this.#transformed) throw new Error('key used after wipe');
    return this.#transformed;
  }
  clone(): DerivedKey {
    return DerivedKey.copyOf(this.transformed, this.kdfFingerprint);
  }
  wipe(): void {
    this.#transformed?.fill(0);
    this.#transformed = null;
  }
  [DISPOSE](): void {
    this.wipe();
  }
  toString(): string {
    return '[key]';
  }
  toJSON(): string {
    return '[key]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'DerivedKey([secret])';
  }
}

/** A byte secret (derived key, password bytes) in an off-heap buffer of its own, wiped after use. */
export class SecretBytes implements Disposable {
  #bytes: Uint8Array | null;
  /** Takes ownership of `bytes`: they are moved off the heap and the given buffer zeroed. */
  constructor(bytes: Uint8Array) {
    this.#bytes = take(bytes);
  }
  /** A secret made from a copy of `bytes` (left as they are). */
  static copyOf(bytes: Uint8Array): SecretBytes {
    return new SecretBytes(secureCopy(bytes));
  }
  /** The UTF-8 bytes of `text` (a string some API handed over; the string itself cannot be wiped). */
  static fromText(text: string): SecretBytes {
    return new SecretBytes(utf8(text));
  }
  get bytes(): Uint8Array {
    if (!this.#bytes) throw new Error('secret used after wipe');
    return this.#bytes;
  }
  get byteLength(): number {
    return this.bytes.length;
  }
  clone(): SecretBytes {
    return SecretBytes.copyOf(this.bytes);
  }
  wipe(): void {
    this.#bytes?.fill(0);
    this.#bytes = null;
  }
  [DISPOSE](): void {
    this.wipe();
  }
  toString(): string {
    return '[secret]';
  }
  toJSON(): string {
    return '[secret]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'SecretBytes([secret])';
  }
}

/**
 * The UTF-8 bytes of `text` in an off-heap buffer (secureAlloc), for secrets
 * an API hands over as strings (the prompt library); the caller wipes them.
 */
export function utf8(text: string): Uint8Array {
  // UTF-8 needs at most 3 bytes per UTF-16 unit; encodeInto writes no copy of its own.
  const room = secureAlloc(text.length * 3);
  const { written } = encoder.encodeInto(text, room);
  if (written === room.length) return room;
  const out = secureCopy(room.subarray(0, written));
  room.fill(0);
  return out;
}

/**
 * A one-shot digest of secret parts (a password, a keyfile, a key), input and
 * output off the JS heap: the parts are joined in a secureAlloc buffer zeroed
 * after (a createHash() object would keep its last partial block in OpenSSL
 * memory until a collection frees it), and the digest is moved into one too.
 */
export function secretDigest(algorithm: 'sha256' | 'sha512', ...parts: Uint8Array[]): Uint8Array {
  const input = secureAlloc(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    input.set(p, off);
    off += p.length;
  }
  try {
    const out = hash(algorithm, input, 'buffer');
    const digest = secureCopy(out);
    out.fill(0);
    return digest;
  } finally {
    input.fill(0);
  }
}

let coreDumpsOff = false;

/** Whether this process's core-dump limit is already 0, soft and hard (Linux /proc; false elsewhere). */
function coreLimitIsZero(): boolean {
  try {
    return /^Max core file size\s+0\s+0\s/m.test(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Sets this process's core-dump limit to 0 before it holds a password or key (a crash, e.g. an out-of-
 * memory abort, would otherwise write them to disk). Node cannot call setrlimit and no fit npm package
 * does (README, Security model), so util-linux's prlimit(1) does it; where prlimit is missing the
 * inherited limit stays. Once per process. The installed launcher (src/cli/launcher.ts) starts that
 * prlimit when the process starts, without waiting for it: it is done long before a secret is read,
 * so here it is only checked, and a blocking prlimit (~4 ms of a fork and exec) runs only when it is not.
 */
export function disableCoreDumps(): void {
  if (coreDumpsOff) return;
  coreDumpsOff = true;
  if (coreLimitIsZero()) return;
  spawnSync('prlimit', noCoreDumpArgs(process.pid), { stdio: 'ignore', timeout: 5_000 });
}
