/**
 * A small KeePass 1 (.kdb) writer for test fixtures, written from
 * docs/kdbx.md §11 independently of the reader (naive per-round AES-ECB).
 * Debian packages no KeePass 1 writer, so fixtures are generated here.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { twofishCbcEncrypt } from '../../../src/vault/kdbx/twofish.js';

export interface KdbFixtureGroup { id: number; name: string; level: number; icon?: number }
export interface KdbFixtureEntry {
  groupId: number; title: string; username?: string; password?: string; url?: string; notes?: string; icon?: number;
  created?: Date; expires?: Date | 'never'; attachment?: { name: string; data: Uint8Array }; uuid?: Uint8Array;
}
export interface KdbFixture {
  /** Password bytes exactly as KeePass 1 hashed them (e.g. Windows-1252). */
  password?: Uint8Array;
  /** The keyfile's own bytes. */
  keyfile?: Uint8Array;
  groups: KdbFixtureGroup[];
  entries: KdbFixtureEntry[];
  flags?: number;
  rounds?: number;
}

const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export function packDate(d: Date | 'never'): Buffer {
  const [y, mo, day, h, mi, s] = d === 'never'
    ? [2999, 12, 28, 23, 59, 59]
    : [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  return Buffer.from([y >> 6, ((y & 63) << 2) | (mo >> 2), ((mo & 3) << 6) | (day << 1) | (h >> 4), ((h & 15) << 4) | (mi >> 2), ((mi & 3) << 6) | s]);
}

function field(type: number, data: Uint8Array): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt16LE(type, 0);
  head.writeUInt32LE(data.length, 2);
  return Buffer.concat([head, data]);
}
const str = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
const END = field(0xffff, new Uint8Array(0));

function keyfileKey(bytes: Uint8Array): Buffer {
  if (bytes.length === 32) return Buffer.from(bytes);
  const t = Buffer.from(bytes).toString('latin1');
  if (bytes.length === 64 && /^[0-9a-fA-F]+$/.test(t)) return Buffer.from(t, 'hex');
  return sha(bytes);
}

export function makeKdb(f: KdbFixture): Buffer {
  return sealKdb(kdbRecords(f), f, f.groups.length, f.entries.length);
}

/** The plaintext group and entry records of a fixture. */
export function kdbRecords(f: KdbFixture): Buffer {
  const now = new Date(Date.UTC(2011, 4, 6, 7, 8, 9));
  const records: Buffer[] = [];
  for (const g of f.groups) {
    records.push(field(1, u32(g.id)), field(2, str(g.name)), field(3, packDate(now)), field(4, packDate(now)), field(5, packDate(now)),
      field(6, packDate('never')), field(7, u32(g.icon ?? 1)), field(8, u16(g.level)), field(9, u32(0)), END);
  }
  for (const e of f.entries) {
    records.push(field(1, e.uuid ?? randomBytes(16)), field(2, u32(e.groupId)), field(3, u32(e.icon ?? 0)), field(4, str(e.title)), field(5, str(e.url ?? '')),
      field(6, str(e.username ?? '')), field(7, str(e.password ?? '')), field(8, str(e.notes ?? '')), field(9, packDate(e.created ?? now)),
      field(0x0a, packDate(now)), field(0x0b, packDate(now)), field(0x0c, packDate(e.expires ?? 'never')),
      field(0x0d, str(e.attachment?.name ?? '')), field(0x0e, e.attachment?.data ?? new Uint8Array(0)), END);
  }
  return Buffer.concat(records);
}

/** Encrypts record bytes as a .kdb file with the fixture's key; the counts go into the header as given (the fuzzer lies with them). */
export function sealKdb(content: Uint8Array, f: Pick<KdbFixture, 'password' | 'keyfile' | 'flags' | 'rounds'>, groups: number, entries: number): Buffer {
  const kf = f.keyfile ? keyfileKey(f.keyfile) : undefined;
  const raw = f.password && kf ? sha(sha(f.password), kf) : f.password ? sha(f.password) : kf!;
  const seed = randomBytes(32);
  const rounds = f.rounds ?? 50;
  const ecb = createCipheriv('aes-256-ecb', seed, null);
  ecb.setAutoPadding(false);
  let t = Buffer.from(raw);
  for (let i = 0; i < rounds; i++) t = ecb.update(t);
  const masterSeed = randomBytes(16);
  const iv = randomBytes(16);
  const key = sha(masterSeed, sha(t));
  // Twofish (flag 0x8) through our own Twofish-CBC, which test/vault/kdbx/twofish.test.ts checks on the published vectors.
  const cbc = createCipheriv('aes-256-cbc', key, iv);
  const body = (f.flags ?? 0x3) & 0x8 ? Buffer.from(twofishCbcEncrypt(key, iv, content)) : Buffer.concat([cbc.update(content), cbc.final()]);

  const header = Buffer.alloc(124);
  header.writeUInt32LE(0x9aa2d903, 0);
  header.writeUInt32LE(0xb54bfb65, 4);
  header.writeUInt32LE(f.flags ?? 0x3, 8);
  header.writeUInt32LE(0x00030002, 12);
  masterSeed.copy(header, 16);
  iv.copy(header, 32);
  header.writeUInt32LE(groups >>> 0, 48);
  header.writeUInt32LE(entries >>> 0, 52);
  sha(content).copy(header, 56);
  seed.copy(header, 88);
  header.writeUInt32LE(rounds, 120);
  return Buffer.concat([header, body]);
}
