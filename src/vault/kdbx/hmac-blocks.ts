/**
 * KDBX 4 HMAC block stream (docs/kdbx.md §6): blocks of {HMAC-SHA-256 (32),
 * i32 length, data}, MAC = HMAC(blockKey(i), u64le(i) ‖ i32le(len) ‖ data);
 * a final empty block, MACed the same way, ends the stream. Every block is
 * verified before any byte is decrypted.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ByteReader, ByteWriter, concat, corrupt, u64le } from './bytes.js';
import { BLOCK_SIZE } from './constants.js';
import { blockHmacKey } from './derived-keys.js';

function blockMac(base: Uint8Array, index: bigint, data: Uint8Array): Buffer {
  const key = blockHmacKey(base, index);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setInt32(0, data.length, true);
  const mac = createHmac('sha256', key).update(u64le(index)).update(len).update(data).digest();
  key.fill(0);
  return mac;
}

/** Verified, concatenated ciphertext of the blocks starting at `offset`. */
export function readHmacBlocks(file: Uint8Array, offset: number, base: Uint8Array): Uint8Array {
  const r = new ByteReader(file, offset, 'file');
  const parts: Uint8Array[] = [];
  for (let index = 0n; ; index++) {
    const at = r.offset;
    const mac = r.bytesOf(32, `HMAC of block ${index}`);
    const len = r.i32(`length of block ${index}`);
    if (len < 0) throw corrupt(`block ${index} has negative length ${len} at offset ${at}`);
    if (len > r.remaining) throw corrupt(`block ${index} length ${len} exceeds file size at offset ${at} (truncated file)`);
    const data = r.bytesOf(len, `block ${index}`);
    if (!timingSafeEqual(mac, blockMac(base, index, data))) {
      throw corrupt(`block ${index} at offset ${at} fails its HMAC check (the file is damaged)`);
    }
    if (len === 0) break;
    parts.push(data);
  }
  return concat(...parts);
}

export function writeHmacBlocks(data: Uint8Array, base: Uint8Array, blockSize = BLOCK_SIZE): Uint8Array {
  const w = new ByteWriter();
  let index = 0n;
  for (let pos = 0; pos < data.length; pos += blockSize, index++) {
    const chunk = data.subarray(pos, Math.min(pos + blockSize, data.length));
    w.bytes(blockMac(base, index, chunk)).i32(chunk.length).bytes(chunk);
  }
  const end = new Uint8Array(0);
  w.bytes(blockMac(base, index, end)).i32(0);
  return w.toBytes();
}
