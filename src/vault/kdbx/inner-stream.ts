/**
 * Inner random stream for protected values (docs/kdbx.md §8): one continuous
 * keystream per file, consumed in document order.
 *   id 2: Salsa20/20, key = SHA-256(streamKey), nonce E8 30 09 4B 97 20 5D 2A (KDBX 3.x)
 *   id 3: ChaCha20 (RFC 7539), h = SHA-512(streamKey), key = h[0..32), nonce = h[32..44) (KDBX 4.x)
 */
import { createCipheriv } from 'node:crypto';
import { salsa20 } from '@noble/ciphers/salsa.js';
import { UnsupportedFormatError } from '../../errors/index.js';
import { secretDigest } from '../../secret/index.js';
import { STREAM_CHACHA20, STREAM_SALSA20 } from './constants.js';

export interface InnerStream {
  /**
   * The next n keystream bytes: a view the caller may keep and should wipe.
   * Views, not copies: a vault asks for thousands of short pieces (one per
   * protected value), and a fresh buffer each was most of their cost.
   */
  keystream(n: number): Uint8Array;
}

const BATCH = 4096;

/**
 * A continuous keystream made `BATCH` bytes at a time by `more(bytes)`.
 * Bytes already handed out belong to the caller; on a refill only the unread
 * rest of the old batch is wiped here.
 */
function batched(more: (bytes: number) => Uint8Array): InnerStream {
  let buf = new Uint8Array(0);
  let pos = 0;
  return {
    keystream(n: number): Uint8Array {
      if (buf.length - pos < n) {
        const rest = buf.subarray(pos);
        const fresh = more(Math.ceil(Math.max(n - rest.length, BATCH) / 64) * 64);
        const next = new Uint8Array(rest.length + fresh.length);
        next.set(rest);
        next.set(fresh, rest.length);
        rest.fill(0);
        fresh.fill(0);
        buf = next;
        pos = 0;
      }
      pos += n;
      return buf.subarray(pos - n, pos);
    },
  };
}

const SALSA_NONCE = Uint8Array.of(0xe8, 0x30, 0x09, 0x4b, 0x97, 0x20, 0x5d, 0x2a);

export function createInnerStream(streamId: number, key: Uint8Array): InnerStream {
  if (streamId === STREAM_CHACHA20) {
    const h = secretDigest('sha512', key);
    try {
      return chacha20Keystream(h.subarray(0, 32), h.subarray(32, 44));
    } finally {
      h.fill(0);
    }
  }
  // The stream keeps this key for its later batches (as long as the vault reads values): off the heap.
  if (streamId === STREAM_SALSA20) return salsa20Keystream(secretDigest('sha256', key), SALSA_NONCE);
  throw new UnsupportedFormatError(`unsupported inner random stream ${streamId} (only Salsa20 = 2 and ChaCha20 = 3 exist in KeePassXC)`);
}

/** Continuous RFC 7539 ChaCha20 keystream from block 0 (32-byte key, 12-byte nonce). */
export function chacha20Keystream(key: Uint8Array, nonce: Uint8Array): InnerStream {
  // node's chacha20 IV: 4-byte little-endian block counter ‖ 12-byte nonce.
  const iv = Buffer.alloc(16);
  iv.set(nonce, 4);
  const cipher = createCipheriv('chacha20', key, iv);
  iv.fill(0);
  return batched((bytes) => cipher.update(Buffer.alloc(bytes)));
}

/** Continuous Salsa20/20 keystream from block 0 (32-byte key, 8-byte nonce). */
export function salsa20Keystream(key: Uint8Array, nonce: Uint8Array): InnerStream {
  // noble's salsa20 is stateless: we keep the block counter.
  let block = 0;
  return batched((bytes) => {
    const out = salsa20(key, nonce, new Uint8Array(bytes), undefined, block);
    block += bytes / 64;
    return out;
  });
}
