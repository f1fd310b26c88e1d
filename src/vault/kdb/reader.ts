/**
 * KeePass 1.x `.kdb` reader (docs/kdbx.md §11): 124-byte header, AES-KDF on
 * the raw key, AES-256-CBC or Twofish-CBC content checked against the
 * header's SHA-256, then group and entry records rebuilt into a tree, with
 * KeePassX's meta-streams (group tree state, custom icons) applied as
 * KeePassXC applies them. Wrong key = content hash or padding mismatch.
 */
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';
import { secretDigest, secureAlloc, secureCopy, type Credentials } from '../../secret/index.js';
import { CorruptFileError, UnsupportedFormatError, UsageError, WrongKeyError, untrusted } from '../../errors/index.js';
import { aesKdf, ByteReader, SlowKdfError, estimateKdfMs, twofishCbcDecryptRaw } from '../kdbx/index.js';
import { passwordCandidates } from './cp1252.js';
import { isMetaStream, readEntry, readGroup } from './records.js';
import { applyCustomIcons, applyGroupTreeState } from './meta-streams.js';
import type { KdbDatabase, KdbEntry, KdbGroup } from './types.js';

const SIG1 = 0x9aa2d903;
const SIG2 = 0xb54bfb65;
const FLAG_AES = 0x2;
const FLAG_ARCFOUR = 0x4;
const FLAG_TWOFISH = 0x8;
const HEADER_SIZE = 124;

interface KdbHeader {
  flags: number;
  masterSeed: Uint8Array;
  iv: Uint8Array;
  groups: number;
  entries: number;
  contentHash: Uint8Array;
  transformSeed: Uint8Array;
  rounds: number;
}

function readHeader(file: Uint8Array): KdbHeader {
  if (file.length < HEADER_SIZE) throw new CorruptFileError(`corrupt file: ${file.length} bytes, too short for a KeePass 1 header (124)`);
  const r = new ByteReader(file, 0, 'file');
  if (r.u32('signature') !== SIG1 || r.u32('signature') !== SIG2) throw new UnsupportedFormatError('not a KeePass 1 (.kdb) database; check the file path');
  const flags = r.u32('flags');
  const version = r.u32('version');
  if ((version & 0xffffff00) !== 0x00030000) throw new UnsupportedFormatError(`unsupported KeePass 1 version 0x${version.toString(16)}`);
  return {
    flags,
    masterSeed: r.bytesOf(16, 'master seed'),
    iv: r.bytesOf(16, 'IV'),
    groups: r.u32('group count'),
    entries: r.u32('entry count'),
    contentHash: r.bytesOf(32, 'content hash'),
    transformSeed: r.bytesOf(32, 'transform seed'),
    rounds: r.u32('transform rounds'),
  };
}

/**
 * 32-byte raw file → as is; 64 hex digits → decoded; else SHA-256 (KeePass 1
 * has no XML keyfiles). Off the heap (secureAlloc), for the caller to wipe.
 */
function kdbKeyfileKey(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) throw new UsageError('invalid keyfile: the file is empty; check that you gave the right file');
  if (bytes.length === 32) return secureCopy(bytes);
  if (bytes.length === 64 && isHex(bytes)) return hexToSecure(bytes);
  return secretDigest('sha256', bytes);
}

const hexDigit = (b: number): number => (b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x57);
const isHex = (bytes: Uint8Array): boolean => bytes.every((b) => (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66));

/** Hex digits decoded byte by byte: no string of the key is made. */
function hexToSecure(hex: Uint8Array): Uint8Array {
  const out = secureAlloc(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (hexDigit(hex[2 * i]) << 4) | hexDigit(hex[2 * i + 1]);
  return out;
}

function rawKey(password: Uint8Array | undefined, keyfileKey: Uint8Array | undefined): Uint8Array {
  if (password && keyfileKey) {
    const pw = secretDigest('sha256', password);
    try {
      return secretDigest('sha256', pw, keyfileKey);
    } finally {
      pw.fill(0);
    }
  }
  if (password) return secretDigest('sha256', password);
  return secureCopy(keyfileKey!);
}

/** Decrypted, verified content, or undefined for a wrong key. */
async function decryptContent(file: Uint8Array, h: KdbHeader, raw: Uint8Array): Promise<Uint8Array | undefined> {
  const transformed = await aesKdf(raw, h.transformSeed, BigInt(h.rounds), {});
  const key = secretDigest('sha256', h.masterSeed, transformed);
  transformed.fill(0);
  const plain = cipherOf(h) === 'twofish' ? twofishDecrypt(key, h.iv, file.subarray(HEADER_SIZE)) : aesDecrypt(key, h.iv, file.subarray(HEADER_SIZE));
  key.fill(0);
  if (!plain) return undefined; // bad padding: almost always a wrong key
  if (!timingSafeEqual(createHash('sha256').update(plain).digest(), h.contentHash)) {
    plain.fill(0);
    return undefined;
  }
  return new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
}

/** KeePassXC prefers Twofish when both flags are set. */
const cipherOf = (h: KdbHeader): 'aes' | 'twofish' => (h.flags & FLAG_TWOFISH ? 'twofish' : 'aes');

function aesDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer | undefined {
  const d = createDecipheriv('aes-256-cbc', key, iv);
  try {
    return Buffer.concat([d.update(data), d.final()]);
  } catch {
    return undefined;
  }
}

function twofishDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer | undefined {
  const raw = twofishCbcDecryptRaw(key, iv, data);
  const pad = raw[raw.length - 1];
  let ok = pad >= 1 && pad <= 16;
  for (let i = 1; ok && i <= pad; i++) ok = raw[raw.length - i] === pad;
  if (!ok) {
    raw.fill(0);
    return undefined;
  }
  return Buffer.from(raw.buffer, raw.byteOffset, raw.length - pad);
}

export interface ReadKdbOptions {
  allowSlowKdf?: boolean;
}

/**
 * Reads a KeePass 1 file with its own credentials (a Credentials instance, or
 * its parts: the password's UTF-8 bytes, tried in each of KeePass 1's
 * encodings, and/or the keyfile's bytes). The credentials stay the caller's.
 */
export async function readKdb(file: Uint8Array, key: Partial<Pick<Credentials, 'password' | 'keyfile'>>, opts: ReadKdbOptions = {}): Promise<KdbDatabase> {
  const h = readHeader(file);
  if (!(h.flags & (FLAG_AES | FLAG_TWOFISH)) && h.flags & FLAG_ARCFOUR) throw new UnsupportedFormatError('unsupported cipher ArcFour in this KeePass 1 file; KeePassXC cannot read it either: re-save it with AES (Rijndael) or Twofish in KeePass 1');
  if (!(h.flags & (FLAG_AES | FLAG_TWOFISH))) throw new UnsupportedFormatError(`unsupported KeePass 1 cipher flags 0x${h.flags.toString(16)}`);
  if ((file.length - HEADER_SIZE) % 16 !== 0 || file.length === HEADER_SIZE) {
    throw new CorruptFileError(`corrupt file: encrypted content is ${file.length - HEADER_SIZE} bytes, not a positive multiple of 16 (truncated file)`);
  }
  if (h.rounds === 0) throw new CorruptFileError('corrupt file: KeePass 1 header has 0 transform rounds');
  const estimate = estimateKdfMs({ type: 'aes', rounds: BigInt(h.rounds), seed: h.transformSeed });
  if (!opts.allowSlowKdf && estimate > 10_000) throw new SlowKdfError(estimate, `AES-KDF ${h.rounds} rounds`);
  if (key.password === undefined && !key.keyfile) throw new UsageError('a master password or a keyfile is required');

  const kf = key.keyfile ? kdbKeyfileKey(key.keyfile) : undefined;
  const candidates = key.password === undefined ? [undefined] : passwordCandidates(key.password);
  let content: Uint8Array | undefined;
  for (const pw of candidates) {
    const raw = rawKey(pw, kf);
    content = await decryptContent(file, h, raw);
    raw.fill(0);
    pw?.fill(0);
    if (content) break;
  }
  kf?.fill(0);
  if (!content) throw new WrongKeyError();
  try {
    return buildTree(content, h);
  } finally {
    content.fill(0);
  }
}

function buildTree(content: Uint8Array, h: KdbHeader): KdbDatabase {
  const r = new ByteReader(content, 0, 'decrypted content');
  const top: KdbGroup[] = [];
  const byId = new Map<number, KdbGroup>();
  const path: KdbGroup[] = []; // path[level] = the latest group at that level
  for (let i = 0; i < h.groups; i++) {
    const g = readGroup(r, i);
    if (g.level > path.length) throw new CorruptFileError(`corrupt file: group ${i} ${untrusted(g.name)} jumps to level ${g.level} under level ${path.length - 1}`);
    path.length = g.level;
    if (g.level === 0) top.push(g);
    else path[g.level - 1].groups.push(g);
    path.push(g);
    byId.set(g.id, g);
  }
  const entries: KdbEntry[] = [];
  for (let i = 0; i < h.entries; i++) entries.push(readEntry(r, i));
  // Meta-streams may name any entry, so they are applied once all are read (as KeePassXC does).
  const byUuid = new Map(entries.map((e) => [Buffer.from(e.uuid).toString('hex'), e]));
  const db: KdbDatabase = { groups: top, orphans: [], skippedMetaStreams: 0, unknownMetaStreams: [], customIcons: [], rounds: h.rounds, cipher: cipherOf(h) };
  for (const e of entries) {
    if (isMetaStream(e)) {
      db.skippedMetaStreams++;
      const data = e.attachment!.data;
      if (e.notes === 'KPX_GROUP_TREE_STATE') applyGroupTreeState(data, byId);
      else if (e.notes === 'KPX_CUSTOM_ICONS_4') applyCustomIcons(data, byUuid, byId, db.customIcons);
      else db.unknownMetaStreams.push(e.notes);
      continue;
    }
    const g = byId.get(e.groupId);
    if (g) g.entries.push(e);
    else db.orphans.push(e); // KeePassXC: "Orphaned entry found, assigning to root group."
  }
  return db;
}
