/**
 * Little-endian byte reading and writing for the KDBX/KDB binary layers.
 * The reader knows what it is reading (`where`) so a truncated or hostile
 * file fails with the exact place it broke, as CorruptFileError.
 */
import { CorruptFileError } from '../../errors/index.js';

export function corrupt(what: string): CorruptFileError {
  return new CorruptFileError(`corrupt file: ${what}`);
}

export class ByteReader {
  offset: number;
  constructor(readonly bytes: Uint8Array, offset = 0, readonly where = 'file') {
    this.offset = offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private view(n: number, what: string): DataView {
    if (n > this.remaining) {
      throw corrupt(`${what} needs ${n} bytes but the ${this.where} ends at offset ${this.bytes.length} (read at offset ${this.offset})`);
    }
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.offset, n);
    this.offset += n;
    return v;
  }

  u8(what: string): number {
    return this.view(1, what).getUint8(0);
  }
  u16(what: string): number {
    return this.view(2, what).getUint16(0, true);
  }
  u32(what: string): number {
    return this.view(4, what).getUint32(0, true);
  }
  i32(what: string): number {
    return this.view(4, what).getInt32(0, true);
  }
  u64(what: string): bigint {
    return this.view(8, what).getBigUint64(0, true);
  }

  /** A view (not a copy) of the next n bytes. */
  bytesOf(n: number, what: string): Uint8Array {
    const at = this.offset;
    this.view(n, what);
    return this.bytes.subarray(at, at + n);
  }
}

/** Growable output buffer; `toBytes()` returns exactly what was written. */
export class ByteWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private room(n: number): DataView {
    if (this.len + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
      next.set(this.buf.subarray(0, this.len));
      this.buf.fill(0);
      this.buf = next;
    }
    const v = new DataView(this.buf.buffer, this.len, n);
    this.len += n;
    return v;
  }

  u8(x: number): this {
    this.room(1).setUint8(0, x);
    return this;
  }
  u16(x: number): this {
    this.room(2).setUint16(0, x, true);
    return this;
  }
  u32(x: number): this {
    this.room(4).setUint32(0, x, true);
    return this;
  }
  i32(x: number): this {
    this.room(4).setInt32(0, x, true);
    return this;
  }
  u64(x: bigint): this {
    this.room(8).setBigUint64(0, x, true);
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.len;
    this.room(b.length);
    this.buf.set(b, at);
    return this;
  }

  get length(): number {
    return this.len;
  }

  /** A copy of the written bytes; the internal buffer is zeroed (it may have held secrets). */
  toBytes(): Uint8Array {
    const out = this.buf.slice(0, this.len);
    this.buf.fill(0);
    this.len = 0;
    return out;
  }
}

export function u64le(x: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, x, true);
  return b;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}
