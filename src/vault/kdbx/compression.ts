/**
 * gzip of the payload (KDBX-NOTES §3, §6): one member. zlib level 3, not
 * KeePassXC's 6: on a 10k-entry vault's 13 MB of XML it is 3× faster (11 ms
 * against 33 ms here) for ~10 % more bytes, and every reader inflates any
 * level. Decompression has a hard output cap so a tiny "zip bomb" file
 * cannot exhaust memory.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { corrupt } from './bytes.js';

const MIB = 1024 * 1024;

/** max(64 MiB, 100 × file size), at most 1 GiB. */
export function defaultMaxDecompressed(fileSize: number): number {
  return Math.min(1024 * MIB, Math.max(64 * MIB, 100 * fileSize));
}

/** A Uint8Array view of zlib's Buffer: no copy of a payload that is ~13 MB for 10k entries. */
const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

export function gzip(data: Uint8Array): Uint8Array {
  return view(gzipSync(data, { level: 3 }));
}

export function gunzip(data: Uint8Array, maxOutputLength: number): Uint8Array {
  try {
    return view(gunzipSync(data, { maxOutputLength }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw corrupt(`decompressed payload too large (over ${Math.round(maxOutputLength / MIB)} MiB)`);
    }
    throw corrupt(`the gzip-compressed payload is damaged (${err.message})`);
  }
}
