/**
 * Inner random stream for protected values (KDBX-NOTES §8): one continuous
 * keystream per file, consumed in document order.
 *   id 2: Salsa20/20, key = SHA-256(streamKey), nonce E8 30 09 4B 97 20 5D 2A (KDBX 3.x)
 *   id 3: ChaCha20 (RFC 7539), h = SHA-512(streamKey), key = h[0..32), nonce = h[32..44) (KDBX 4.x)
 */
import { createCipheriv, createHash } from 'node:crypto';
import { salsa20 } from '@noble/ciphers/salsa.js';
import { UnsupportedFormatError } from '../../errors/index.js';
import { STREAM_CHACHA20, STREAM_SALSA20 } from './constants.js';

export interface InnerStream {
  /** The next n keystream bytes (a fresh buffer the caller may wipe). */
  keystream(n: number): Uint8Array;
}

const SALSA_NONCE = Uint8Array.of(0xe8, 0x30, 0x09, 0x4b, 0x97, 0x20, 0x5d, 0x2a);

export function createInnerStream(streamId: number, key: Uint8Array): InnerStream {
  if (streamId === STREAM_CHACHA20) {
    const h = createHash('sha512').update(key).digest();
    try {
      return chacha20Keystream(h.subarray(0, 32), h.subarray(32, 44));
    } finally {
      h.fill(0);
    }
  }
  if (streamId === STREAM_SALSA20) return salsa20Keystream(new Uint8Array(createHash('sha256').update(key).digest()), SALSA_NONCE);
  throw new UnsupportedFormatError(`unsupported inner random stream ${streamId} (only Salsa20 = 2 and ChaCha20 = 3 exist in KeePassXC)`);
}

/** Continuous RFC 7539 ChaCha20 keystream from block 0 (32-byte key, 12-byte nonce). */
export function chacha20Keystream(key: Uint8Array, nonce: Uint8Array): InnerStream {
  // node's chacha20 IV: 4-byte little-endian block counter ‖ 12-byte nonce.
  const iv = Buffer.alloc(16);
  iv.set(nonce, 4);
  const cipher = createCipheriv('chacha20', key, iv);
  iv.fill(0);
  return {
    keystream(n: number): Uint8Array {
      const out = cipher.update(Buffer.alloc(n));
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    },
  };
}

/** Continuous Salsa20/20 keystream from block 0 (32-byte key, 8-byte nonce). */
export function salsa20Keystream(key: Uint8Array, nonce: Uint8Array): InnerStream {
  // noble's salsa20 is stateless: keep the block counter and make 4 KiB at a
  // time, since a vault asks for thousands of short pieces (one per password).
  const BATCH = 4096;
  let block = 0;
  let buf = new Uint8Array(0);
  let pos = 0;
  const refill = (atLeast: number) => {
    const blocks = Math.ceil(Math.max(atLeast, BATCH) / 64);
    const rest = buf.subarray(pos);
    const next = new Uint8Array(rest.length + blocks * 64);
    next.set(rest);
    next.set(salsa20(key, nonce, new Uint8Array(blocks * 64), undefined, block), rest.length);
    block += blocks;
    buf.fill(0);
    buf = next;
    pos = 0;
  };
  return {
    keystream(n: number): Uint8Array {
      if (buf.length - pos < n) refill(n - (buf.length - pos));
      const out = buf.slice(pos, pos + n);
      buf.fill(0, pos, pos + n);
      pos += n;
      return out;
    },
  };
}
