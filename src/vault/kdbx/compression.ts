/**
 * gzip of the payload (docs/kdbx.md §3, §6): one member. zlib level 3, not
 * KeePassXC's 6: on a 10k-entry vault's 13 MB of XML it is 3× faster (11 ms
 * against 33 ms here) for ~10 % more bytes, and every reader inflates any
 * level. Decompression has a hard output cap so a tiny "zip bomb" file
 * cannot exhaust memory.
 */
import { constants, crc32, deflateRawSync, gunzip as gunzipOnPool, gunzipSync } from 'node:zlib';
import { corrupt } from './bytes.js';

const MIB = 1024 * 1024;

/** The most a payload may inflate to, whatever the file: memory for one copy of it. */
export const MAX_PAYLOAD_BYTES = 1024 * MIB;
/** Deflate's largest possible expansion (RFC 1951: a 258-byte match in ~2 bits, ~1032:1). */
const DEFLATE_MAX_RATIO = 1032;

/**
 * max(64 MiB, 1032 × file size), at most 1 GiB: a file's payload can never
 * inflate past 1032 × its size, so every file any writer (KeePassXC, us) can
 * produce with a payload up to 1 GiB is read (an 80 MB note of one repeated
 * character compresses ~1000×). A file that claims more is refused; one that
 * hides it costs at most this much memory before it is refused.
 */
export function defaultMaxDecompressed(fileSize: number): number {
  return Math.min(MAX_PAYLOAD_BYTES, Math.max(64 * MIB, DEFLATE_MAX_RATIO * fileSize));
}

export const tooLarge = (max: number) => `decompressed payload too large (over ${Math.round(max / MIB)} MiB)`;

/** A Uint8Array view of zlib's Buffer: no copy of a payload that is ~13 MB for 10k entries. */
const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

export function gunzip(data: Uint8Array, maxOutputLength: number): Uint8Array {
  const chunkSize = outputChunk(data, maxOutputLength);
  try {
    return view(gunzipSync(data, { maxOutputLength, chunkSize }));
  } catch (e) {
    throw inflateError(e, maxOutputLength);
  }
}

/**
 * gunzip() on libuv's threadpool: the same checks and errors, the calling
 * thread free meanwhile (sync parses one copy while the next inflates).
 * `data` must not change until it settles.
 */
export function gunzipInBackground(data: Uint8Array, maxOutputLength: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunkSize = outputChunk(data, maxOutputLength);
    gunzipOnPool(data, { maxOutputLength, chunkSize }, (e, out) => (e ? reject(inflateError(e, maxOutputLength)) : resolve(view(out))));
  });
}

/** zlib's output buffer: at most this much is allocated before the payload shows how much it inflates to. */
const MAX_CHUNK = 64 * MIB;

/**
 * A single gzip member ends with its size (mod 2^32): a payload that says it
 * is over the cap is refused before anything is inflated (one that lies is
 * still stopped at the cap by zlib). The size it claims, +1 so that zlib sees
 * the end without asking for a second buffer, is the output buffer's size:
 * zlib's default 16 KiB ones cost ~800 steps for 13 MB of XML, then a copy to
 * join them (and off the main thread, a callback on it for each).
 */
function outputChunk(data: Uint8Array, maxOutputLength: number): number {
  if (data.length < 18) return 16 * 1024; // zlib's default
  const claimed = new DataView(data.buffer, data.byteOffset + data.length - 4, 4).getUint32(0, true);
  if (claimed > maxOutputLength) throw corrupt(tooLarge(maxOutputLength));
  return Math.max(16 * 1024, Math.min(claimed + 1, MAX_CHUNK, maxOutputLength + 1));
}

function inflateError(e: unknown, maxOutputLength: number): Error {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) return corrupt(tooLarge(maxOutputLength));
  return corrupt(`the gzip-compressed payload is damaged (${err.message})`);
}

/** 1 MiB: smaller parts cost speed and size (64 KiB ones: 2.5× the time, +20 % bytes), larger ones memory. */
const PART = 1024 * 1024;
const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3); // deflate, no name, no mtime, Unix

/**
 * One gzip member written part by part, so a save never holds the whole
 * document at once (it held it three times: the writer's chunks, their
 * concatenation, and that after the inner header; ~40 MB for 10k entries).
 * Each ~1 MiB of input becomes a raw deflate segment ended by a sync flush,
 * which any inflater reads as one stream; a final empty block, the CRC-32 and
 * the length close it. Parts written are wiped once compressed.
 */
export class GzipStream {
  readonly #out: Uint8Array[] = [GZIP_HEADER];
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #crc = 0;
  #size = 0;

  /** Bytes written so far (the payload's inflated size). */
  get size(): number {
    return this.#size;
  }

  write(part: Uint8Array): void {
    this.#crc = crc32(part, this.#crc);
    this.#size += part.length;
    this.#pending.push(part);
    this.#pendingBytes += part.length;
    if (this.#pendingBytes >= PART) this.#deflatePending(constants.Z_SYNC_FLUSH);
  }

  end(): Uint8Array {
    this.#deflatePending(constants.Z_FINISH);
    const trailer = new Uint8Array(8);
    const dv = new DataView(trailer.buffer);
    dv.setUint32(0, this.#crc >>> 0, true);
    dv.setUint32(4, this.#size % 2 ** 32, true);
    this.#out.push(trailer);
    return view(Buffer.concat(this.#out));
  }

  #deflatePending(finishFlush: number): void {
    const input = this.#pending.length === 1 ? this.#pending[0] : Buffer.concat(this.#pending);
    this.#out.push(deflateRawSync(input, { level: 3, finishFlush }));
    for (const p of this.#pending) p.fill(0);
    input.fill(0);
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}
