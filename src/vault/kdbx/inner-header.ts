/**
 * KDBX 4 inner header (docs/kdbx.md §7), at the start of the decrypted and
 * decompressed payload: TLV fields {u8 id, u32 length, value}: 1 stream id,
 * 2 stream key, 3 binary (flag byte, bit 0 = protect; then data), 0 end.
 * The n-th binary is XML `<Value Ref="n"/>`.
 */
import { randomBytes } from 'node:crypto';
import { UsageError } from '../../errors/index.js';
import { secureCopy } from '../../secret/index.js';
import { ByteReader, ByteWriter, corrupt } from './bytes.js';
import { InnerField, STREAM_CHACHA20 } from './constants.js';

export interface InnerBinary {
  protect: boolean;
  data: Uint8Array;
}

export interface InnerHeader {
  streamId: number;
  streamKey: Uint8Array;
  binaries: InnerBinary[];
}

/**
 * Attachments a file may carry. Their total size is already bounded by the
 * decompressed payload (compression.ts); their count is not: each empty one
 * costs a few bytes of file and ~500 bytes of memory, so a 9.6 KB file once
 * declared a million of them (535 MB, 1.9 s). KeePassXC writes one per
 * distinct attachment; no real vault comes near this.
 */
export const MAX_INNER_BINARIES = 100_000;

/** Parses the inner header; returns it and the offset where the XML starts. */
export function readInnerHeader(payload: Uint8Array): { inner: InnerHeader; xmlOffset: number } {
  const r = new ByteReader(payload, 0, 'decrypted payload');
  let streamId: number | undefined;
  let streamKey: Uint8Array | undefined;
  const binaries: InnerBinary[] = [];
  for (;;) {
    const at = r.offset;
    const id = r.u8('inner header field id');
    const len = r.u32(`inner header field ${id} length`);
    if (len > r.remaining) throw corrupt(`inner header field ${id} length ${len} exceeds the payload (payload offset ${at})`);
    const value = r.bytesOf(len, `inner header field ${id}`);
    if (id === InnerField.End) break;
    if (id === InnerField.StreamId) {
      if (len !== 4) throw corrupt(`inner stream id is ${len} bytes, expected 4 (payload offset ${at})`);
      streamId = new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true);
    } else if (id === InnerField.StreamKey) {
      streamKey = secureCopy(value); // 64 bytes: off the heap, where a collection cannot copy it
    } else if (id === InnerField.Binary) {
      if (len < 1) throw corrupt(`inner header binary ${binaries.length} has no flag byte (payload offset ${at})`);
      if (binaries.length >= MAX_INNER_BINARIES) throw corrupt(`inner header declares more than ${MAX_INNER_BINARIES} binaries`);
      binaries.push({ protect: (value[0] & 1) === 1, data: Uint8Array.from(value.subarray(1)) });
    }
    // Unknown ids are skipped, as KeePassXC does.
  }
  if (streamId === undefined) throw corrupt('inner header lacks the inner stream id');
  if (!streamKey) throw corrupt('inner header lacks the inner stream key');
  return { inner: { streamId, streamKey, binaries }, xmlOffset: r.offset };
}

export function writeInnerHeader(inner: InnerHeader): Uint8Array {
  if (inner.binaries.length > MAX_INNER_BINARIES) {
    throw new UsageError(`cannot save: more than ${MAX_INNER_BINARIES} attachments (distinct ones), and stv would refuse to open the file; nothing was written`);
  }
  const w = new ByteWriter();
  w.u8(InnerField.StreamId).u32(4).u32(inner.streamId);
  w.u8(InnerField.StreamKey).u32(inner.streamKey.length).bytes(inner.streamKey);
  for (const b of inner.binaries) {
    w.u8(InnerField.Binary).u32(b.data.length + 1).u8(b.protect ? 1 : 0).bytes(b.data);
  }
  w.u8(InnerField.End).u32(0);
  return w.toBytes();
}

/** A fresh inner header as KeePassXC writes it: ChaCha20 (id 3) with a 64-byte random key. */
export function newInnerHeader(binaries: InnerBinary[] = []): InnerHeader {
  return { streamId: STREAM_CHACHA20, streamKey: new Uint8Array(randomBytes(64)), binaries };
}
