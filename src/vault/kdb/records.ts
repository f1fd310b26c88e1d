/**
 * KeePass 1 content records (docs/kdbx.md §11): groups then entries, each a
 * list of {u16 type, u32 size, data} fields ending with type 0xFFFF.
 * Strings are UTF-8, NUL-terminated; dates are packed into 5 bytes.
 */
import { ProtectedValue } from '../../secret/index.js';
import { ByteReader } from '../kdbx/index.js';
import { CorruptFileError } from '../../errors/index.js';
import type { KdbEntry, KdbGroup, KdbTimes } from './types.js';

const corrupt = (what: string) => new CorruptFileError(`corrupt file: ${what}`);
const utf8 = new TextDecoder('utf-8');

/** 2999-12-28 23:59:59: KeePass 1's "never". */
const NEVER = [0x2e, 0xdf, 0x39, 0x7e, 0xfb];

export function unpackDate(b: Uint8Array): Date | undefined {
  if (b.length !== 5) return undefined;
  const year = (b[0] << 6) | (b[1] >> 2);
  const month = ((b[1] & 3) << 2) | (b[2] >> 6);
  const day = (b[2] >> 1) & 31;
  const hour = ((b[2] & 1) << 4) | (b[3] >> 4);
  const minute = ((b[3] & 15) << 2) | (b[4] >> 6);
  const second = b[4] & 63;
  if (month < 1 || month > 12 || day < 1) return undefined;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second));
}

function text(data: Uint8Array): string {
  const end = data.indexOf(0);
  return utf8.decode(end < 0 ? data : data.subarray(0, end));
}

function num(data: Uint8Array, size: 2 | 4, what: string, at: number): number {
  if (data.length !== size) throw corrupt(`${what} is ${data.length} bytes, expected ${size} (content offset ${at})`);
  const dv = new DataView(data.buffer, data.byteOffset, size);
  return size === 2 ? dv.getUint16(0, true) : dv.getUint32(0, true);
}

function date(times: KdbTimes, key: keyof KdbTimes, data: Uint8Array): void {
  if (key === 'expires' && NEVER.every((v, i) => data[i] === v)) return;
  times[key] = unpackDate(data);
}

function* fields(r: ByteReader, what: string): Generator<{ type: number; data: Uint8Array; at: number }> {
  for (;;) {
    const at = r.offset;
    const type = r.u16(`${what} field type`);
    const size = r.u32(`${what} field size`);
    if (size > r.remaining) throw corrupt(`${what} field ${type} size ${size} exceeds the content (content offset ${at})`);
    const data = r.bytesOf(size, `${what} field ${type}`);
    if (type === 0xffff) return;
    yield { type, data, at };
  }
}

export function readGroup(r: ByteReader, n: number): KdbGroup {
  const g: KdbGroup = { id: -1, name: '', icon: 0, level: 0, times: {}, expanded: true, groups: [], entries: [] };
  let hasId = false;
  for (const { type, data, at } of fields(r, `group ${n}`)) {
    switch (type) {
      case 0x01: g.id = num(data, 4, `group ${n} id`, at); hasId = true; break;
      case 0x02: g.name = text(data); break;
      case 0x03: date(g.times, 'created', data); break;
      case 0x04: date(g.times, 'modified', data); break;
      case 0x05: date(g.times, 'accessed', data); break;
      case 0x06: date(g.times, 'expires', data); break;
      case 0x07: g.icon = num(data, 4, `group ${n} icon`, at); break;
      case 0x08: g.level = num(data, 2, `group ${n} level`, at); break;
      default: break; // 0x0000 comment, 0x0009 flags: ignored as KeePassXC does
    }
  }
  if (!hasId) throw corrupt(`group ${n} has no id`);
  return g;
}

export function readEntry(r: ByteReader, n: number): KdbEntry {
  const e: KdbEntry = {
    uuid: new Uint8Array(16), groupId: -1, icon: 0, title: '', url: '', username: '',
    password: ProtectedValue.fromBytes(new Uint8Array(0)), notes: '', times: {},
  };
  let attachmentName = '';
  let attachmentData: Uint8Array | undefined;
  for (const { type, data, at } of fields(r, `entry ${n}`)) {
    switch (type) {
      case 0x01:
        if (data.length !== 16) throw corrupt(`entry ${n} UUID is ${data.length} bytes, expected 16 (content offset ${at})`);
        e.uuid = Uint8Array.from(data);
        break;
      case 0x02: e.groupId = num(data, 4, `entry ${n} group id`, at); break;
      case 0x03: e.icon = num(data, 4, `entry ${n} icon`, at); break;
      case 0x04: e.title = text(data); break;
      case 0x05: e.url = text(data); break;
      case 0x06: e.username = text(data); break;
      case 0x07: {
        const end = data.indexOf(0);
        e.password = ProtectedValue.fromBytes(end < 0 ? data : data.subarray(0, end));
        break;
      }
      case 0x08: e.notes = text(data); break;
      case 0x09: date(e.times, 'created', data); break;
      case 0x0a: date(e.times, 'modified', data); break;
      case 0x0b: date(e.times, 'accessed', data); break;
      case 0x0c: date(e.times, 'expires', data); break;
      case 0x0d: attachmentName = text(data); break;
      case 0x0e: attachmentData = Uint8Array.from(data); break;
      default: break;
    }
  }
  if (attachmentData && attachmentData.length > 0) e.attachment = { name: attachmentName, data: attachmentData };
  return e;
}

/** KeePassX stores UI state as fake entries; they are not user data. */
export function isMetaStream(e: KdbEntry): boolean {
  return e.title === 'Meta-Info' && e.username === 'SYSTEM' && e.url === '$' && e.icon === 0
    && e.attachment?.name === 'bin-stream' && e.notes !== '';
}
