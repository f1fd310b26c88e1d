/**
 * KDBX 4 VariantDictionary (docs/kdbx.md §4): u16 version 0x0100, then items
 * {u8 type, u32 name length, UTF-8 name, u32 value length, value}, then 0x00.
 * Types are exact, as KeePass expects: a wrong type or length is corruption.
 */
import { UnsupportedFormatError, untrusted } from '../../errors/index.js';
import { ByteReader, ByteWriter, corrupt } from './bytes.js';

export type VariantValue =
  | { type: 'u32'; value: number }
  | { type: 'u64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'i32'; value: number }
  | { type: 'i64'; value: bigint }
  | { type: 'string'; value: string }
  | { type: 'bytes'; value: Uint8Array };

/** Insertion-ordered, as written; readers must not depend on order. */
export type VariantDictionary = Map<string, VariantValue>;

const TYPE_CODE = { u32: 0x04, u64: 0x05, bool: 0x08, i32: 0x0c, i64: 0x0d, string: 0x18, bytes: 0x42 } as const;
const FIXED_LENGTH: Record<number, number> = { 0x04: 4, 0x05: 8, 0x08: 1, 0x0c: 4, 0x0d: 8 };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readVariantDictionary(bytes: Uint8Array, where: string): VariantDictionary {
  const r = new ByteReader(bytes, 0, where);
  const version = r.u16(`${where} version`);
  if ((version & 0xff00) > 0x0100) {
    throw new UnsupportedFormatError(`unsupported ${where} version 0x${version.toString(16)}; this file needs a newer program`);
  }
  const out: VariantDictionary = new Map();
  for (;;) {
    const at = r.offset;
    const code = r.u8(`${where} item type`);
    if (code === 0) return out;
    const name = decodeText(r.bytesOf(r.u32(`${where} item name length`), `${where} item name`), where, at);
    const data = r.bytesOf(r.u32(`${where} item ${untrusted(name)} length`), `${where} item ${untrusted(name)} value`);
    const fixed = FIXED_LENGTH[code];
    if (fixed !== undefined && data.length !== fixed) {
      throw corrupt(`${where} item ${untrusted(name)} of type 0x${code.toString(16)} has length ${data.length}, expected ${fixed} (at offset ${at})`);
    }
    const dv = new DataView(data.buffer, data.byteOffset, data.length);
    let item: VariantValue;
    switch (code) {
      case 0x04: item = { type: 'u32', value: dv.getUint32(0, true) }; break;
      case 0x05: item = { type: 'u64', value: dv.getBigUint64(0, true) }; break;
      case 0x08: item = { type: 'bool', value: data[0] !== 0 }; break;
      case 0x0c: item = { type: 'i32', value: dv.getInt32(0, true) }; break;
      case 0x0d: item = { type: 'i64', value: dv.getBigInt64(0, true) }; break;
      case 0x18: item = { type: 'string', value: decodeText(data, where, at) }; break;
      case 0x42: item = { type: 'bytes', value: Uint8Array.from(data) }; break;
      default: throw corrupt(`${where} item ${untrusted(name)} has unknown type 0x${code.toString(16)} (at offset ${at})`);
    }
    out.set(name, item);
  }
}

function decodeText(b: Uint8Array, where: string, at: number): string {
  try {
    return utf8.decode(b);
  } catch {
    throw corrupt(`${where} has invalid UTF-8 text at offset ${at}`);
  }
}

export function writeVariantDictionary(dict: VariantDictionary): Uint8Array {
  const w = new ByteWriter().u16(0x0100);
  const enc = new TextEncoder();
  for (const [name, item] of dict) {
    const nameBytes = enc.encode(name);
    w.u8(TYPE_CODE[item.type]).u32(nameBytes.length).bytes(nameBytes);
    switch (item.type) {
      case 'u32': w.u32(4).u32(item.value); break;
      case 'u64': w.u32(8).u64(item.value); break;
      case 'bool': w.u32(1).u8(item.value ? 1 : 0); break;
      case 'i32': w.u32(4).i32(item.value); break;
      case 'i64': {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigInt64(0, item.value, true);
        w.u32(8).bytes(b);
        break;
      }
      case 'string': {
        const s = enc.encode(item.value);
        w.u32(s.length).bytes(s);
        break;
      }
      case 'bytes': w.u32(item.value.length).bytes(item.value); break;
    }
  }
  return w.u8(0).toBytes();
}
