/**
 * Decrypting a KDBX file (docs/kdbx.md §2, §6), given its parsed header and
 * the transformed key.
 *   4.x: header SHA-256 (corrupt) → header HMAC (wrong key) → HMAC blocks →
 *        decrypt → PKCS#7 → gunzip → inner header → XML.
 *   3.x: decrypt → 32 start bytes (wrong key) → PKCS#7 → hashed blocks →
 *        gunzip → XML (the inner stream key comes from the outer header).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { WrongKeyError } from '../../errors/index.js';
import { corrupt } from './bytes.js';
import { defaultMaxDecompressed, gunzip, gunzipInBackground } from './compression.js';
import { cipherKey, headerHmac, hmacBaseKey } from './derived-keys.js';
import { readHashedBlocks } from './hashed-blocks.js';
import type { OuterHeader } from './header.js';
import { readHmacBlocks } from './hmac-blocks.js';
import { readInnerHeader, type InnerHeader } from './inner-header.js';
import { decryptPayloadRaw, stripPadding } from './payload-cipher.js';

export interface DecryptLimits {
  /** Cap on the decompressed payload; default max(64 MiB, 100 × file size), at most 1 GiB. */
  maxDecompressedBytes?: number;
}

export interface DecryptedKdbx {
  inner: InnerHeader;
  /** UTF-8 XML; protected values still XORed with the inner stream. */
  xml: Uint8Array;
}

export function decryptKdbx(file: Uint8Array, header: OuterHeader, transformedKey: Uint8Array, limits: DecryptLimits = {}): DecryptedKdbx {
  const s = decrypted(file, header, transformedKey);
  if (!s.compressed) return s.finish(s.packed);
  const payload = gunzip(s.packed, limits.maxDecompressedBytes ?? defaultMaxDecompressed(file.length));
  s.packed.fill(0);
  return s.finish(payload);
}

/**
 * decryptKdbx() with the inflate (most of its time) on libuv's threadpool,
 * so the calling thread can parse another file meanwhile. The checks and the
 * decryption run before it returns; the same errors reject it.
 */
export async function decryptKdbxInBackground(file: Uint8Array, header: OuterHeader, transformedKey: Uint8Array, limits: DecryptLimits = {}): Promise<DecryptedKdbx> {
  const s = decrypted(file, header, transformedKey);
  if (!s.compressed) return s.finish(s.packed);
  try {
    return s.finish(await gunzipInBackground(s.packed, limits.maxDecompressedBytes ?? defaultMaxDecompressed(file.length)));
  } finally {
    s.packed.fill(0);
  }
}

/** A payload checked and decrypted, before inflating: `packed` (wiped by the caller once inflated), then `finish` with what it inflates to. */
interface Decrypted {
  packed: Uint8Array;
  compressed: boolean;
  finish(payload: Uint8Array): DecryptedKdbx;
}

function decrypted(file: Uint8Array, header: OuterHeader, transformedKey: Uint8Array): Decrypted {
  if (transformedKey.length !== 32) throw new WrongKeyError('the derived key has the wrong length; unlock again');
  const key = cipherKey(header.masterSeed, transformedKey);
  try {
    return header.version.major >= 4 ? decrypt4(file, header, transformedKey, key) : decrypt3(file, header, key);
  } finally {
    key.fill(0);
  }
}

function decrypt4(file: Uint8Array, header: OuterHeader, transformed: Uint8Array, key: Uint8Array): Decrypted {
  const at = header.headerBytes.length;
  if (file.length < at + 64) throw corrupt(`file ends at offset ${file.length}, inside the header checksum at offset ${at} (truncated file)`);
  const sha = createHash('sha256').update(header.headerBytes).digest();
  if (!timingSafeEqual(sha, file.subarray(at, at + 32))) {
    throw corrupt(`header checksum mismatch at offset ${at} (the header is damaged)`);
  }
  const base = hmacBaseKey(header.masterSeed, transformed);
  let plain: Uint8Array;
  try {
    if (!timingSafeEqual(headerHmac(base, header.headerBytes), file.subarray(at + 32, at + 64))) throw new WrongKeyError();
    const cipherText = readHmacBlocks(file, at + 64, base);
    const raw = decryptPayloadRaw(header.cipher, key, header.encryptionIV, cipherText, 'KDBX 4 payload');
    plain = stripPadding(header.cipher, raw, 'KDBX 4 payload');
  } finally {
    base.fill(0);
  }
  return {
    packed: plain,
    compressed: header.compressed,
    finish(payload) {
      const { inner, xmlOffset } = readInnerHeader(payload);
      const xml = payload.subarray(xmlOffset);
      payload.subarray(0, xmlOffset).fill(0);
      return { inner, xml };
    },
  };
}

function decrypt3(file: Uint8Array, header: OuterHeader, key: Uint8Array): Decrypted {
  const at = header.headerBytes.length;
  const raw = decryptPayloadRaw(header.cipher, key, header.encryptionIV, file.subarray(at), `KDBX 3 payload at offset ${at}`);
  const start = header.streamStartBytes!;
  if (raw.length < 32 || !timingSafeEqual(raw.subarray(0, 32), start)) {
    raw.fill(0);
    throw new WrongKeyError();
  }
  const plain = stripPadding(header.cipher, raw, `KDBX 3 payload at offset ${at}`);
  const blocks = readHashedBlocks(plain.subarray(32));
  raw.fill(0);
  return {
    packed: blocks,
    compressed: header.compressed,
    finish(xml) {
      const inner: InnerHeader = {
        streamId: header.innerRandomStreamId ?? 2,
        streamKey: Uint8Array.from(header.protectedStreamKey!),
        binaries: [],
      };
      return { inner, xml };
    },
  };
}
