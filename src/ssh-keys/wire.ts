/** The SSH wire encoding (RFC 4251 section 5): uint32, string, mpint, as the key formats and the agent protocol use it. */
import { CorruptFileError } from '../errors/index.js';

export class WireReader {
  #off = 0;
  constructor(readonly buf: Uint8Array, readonly what = 'SSH key') {}

  get offset(): number {
    return this.#off;
  }

  get remaining(): number {
    return this.buf.length - this.#off;
  }

  #need(n: number): void {
    if (n < 0 || this.#off + n > this.buf.length) throw new CorruptFileError(`the ${this.what} is truncated or damaged`);
  }

  byte(): number {
    this.#need(1);
    return this.buf[this.#off++];
  }

  uint32(): number {
    this.#need(4);
    const v = ((this.buf[this.#off] << 24) | (this.buf[this.#off + 1] << 16) | (this.buf[this.#off + 2] << 8) | this.buf[this.#off + 3]) >>> 0;
    this.#off += 4;
    return v;
  }

  /** A length-prefixed string, as a view into the buffer (no copy). */
  string(): Uint8Array {
    const n = this.uint32();
    this.#need(n);
    const s = this.buf.subarray(this.#off, this.#off + n);
    this.#off += n;
    return s;
  }

  text(): string {
    return Buffer.from(this.string()).toString('utf8');
  }

  bytes(n: number): Uint8Array {
    this.#need(n);
    const s = this.buf.subarray(this.#off, this.#off + n);
    this.#off += n;
    return s;
  }
}

/** Builds wire-encoded bytes; `wipe()` zeroes every part it was given (private key material passes through). */
export class WireWriter {
  #parts: Uint8Array[] = [];

  byte(v: number): this {
    this.#parts.push(Uint8Array.of(v));
    return this;
  }

  uint32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    this.#parts.push(b);
    return this;
  }

  string(s: Uint8Array | string): this {
    const b = typeof s === 'string' ? new Uint8Array(Buffer.from(s, 'utf8')) : s;
    this.uint32(b.length);
    this.#parts.push(b);
    return this;
  }

  /** An mpint from unsigned big-endian bytes: leading zeros dropped, one 0 added when the top bit is set. */
  mpint(unsigned: Uint8Array): this {
    let i = 0;
    while (i < unsigned.length && unsigned[i] === 0) i++;
    const v = unsigned.subarray(i);
    if (v.length && v[0] & 0x80) {
      this.uint32(v.length + 1);
      this.#parts.push(Uint8Array.of(0), v);
    } else {
      this.string(v);
    }
    return this;
  }

  raw(b: Uint8Array): this {
    this.#parts.push(b);
    return this;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.#parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of this.#parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }

  wipe(): void {
    for (const p of this.#parts) p.fill(0);
  }
}
