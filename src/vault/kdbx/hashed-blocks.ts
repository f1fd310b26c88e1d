/**
 * KDBX 3.x hashed block stream (docs/kdbx.md §6): blocks of {u32 index,
 * SHA-256 of data, i32 length, data}; the last block has length 0 and an
 * all-zero hash. Indices must count up from 0.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ByteReader, concat, corrupt } from './bytes.js';

export function readHashedBlocks(plain: Uint8Array): Uint8Array {
  const r = new ByteReader(plain, 0, 'decrypted payload');
  const parts: Uint8Array[] = [];
  for (let expected = 0; ; expected++) {
    const at = r.offset;
    const index = r.u32(`index of hashed block ${expected}`);
    if (index !== expected) throw corrupt(`hashed block ${expected} has index ${index} (payload offset ${at})`);
    const hash = r.bytesOf(32, `hash of hashed block ${index}`);
    const len = r.i32(`length of hashed block ${index}`);
    if (len < 0) throw corrupt(`hashed block ${index} has negative length ${len} (payload offset ${at})`);
    if (len > r.remaining) throw corrupt(`hashed block ${index} length ${len} exceeds the payload (payload offset ${at})`);
    const data = r.bytesOf(len, `hashed block ${index}`);
    if (len === 0) {
      if (hash.some((b) => b !== 0)) throw corrupt(`final hashed block ${index} has a non-zero hash (payload offset ${at})`);
      break;
    }
    if (!timingSafeEqual(hash, createHash('sha256').update(data).digest())) {
      throw corrupt(`hashed block ${index} fails its SHA-256 check (payload offset ${at})`);
    }
    parts.push(data);
  }
  return concat(...parts);
}

/** The hashed block stream of `data`, in 1 MiB blocks as KeePassXC writes (no empty data block for an exact multiple). */
export function writeHashedBlocks(data: Uint8Array, blockSize = 1024 * 1024): Uint8Array {
  const blocks = Math.ceil(data.length / blockSize);
  const out = new Uint8Array(data.length + (blocks + 1) * 40);
  const dv = new DataView(out.buffer);
  let pos = 0;
  for (let i = 0; i <= blocks; i++) {
    const part = data.subarray(i * blockSize, Math.min(data.length, (i + 1) * blockSize));
    dv.setUint32(pos, i, true);
    if (part.length) out.set(createHash('sha256').update(part).digest(), pos + 4);
    dv.setInt32(pos + 36, part.length, true);
    out.set(part, pos + 40);
    pos += 40 + part.length;
  }
  return out;
}
