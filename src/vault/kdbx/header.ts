/**
 * KDBX outer header (docs/kdbx.md §1–§2): signature, version, then TLV fields
 * in any order (u16 lengths in 2.x/3.x, u32 in 4.x) up to EndOfHeader.
 * Reads 2.x, 3.0, 3.1 and any 4.x minor; writes 4.0/4.1 in KeePassXC's
 * field order 2,3,4,7,11,[12],0.
 */
import { UnsupportedFormatError } from '../../errors/index.js';
import { ByteReader, ByteWriter, corrupt, equalBytes } from './bytes.js';
import {
  CIPHER_AES128, CIPHER_AES256, CIPHER_CHACHA20, CIPHER_TWOFISH, END_OF_HEADER, HeaderField,
  SIG1, SIG2_KDB, SIG2_KDBX, SIG2_PRERELEASE,
} from './constants.js';
import { checkKdfHardLimits, kdfFromDictionary, kdfToDictionary, type KdfParams } from './kdf-params.js';
import { readVariantDictionary, writeVariantDictionary } from './variant-dictionary.js';

export type CipherName = 'aes256' | 'chacha20' | 'twofish';

export interface OuterHeader {
  version: { major: number; minor: number };
  cipher: CipherName;
  compressed: boolean;
  masterSeed: Uint8Array;
  encryptionIV: Uint8Array;
  /** For 3.x: AES-KDF from TransformSeed/TransformRounds. */
  kdf: KdfParams;
  /** Raw VariantDictionary bytes, kept verbatim for a lossless round trip. */
  publicCustomData?: Uint8Array;
  /** 3.x only. */
  protectedStreamKey?: Uint8Array;
  streamStartBytes?: Uint8Array;
  innerRandomStreamId?: number;
  /** Bytes 0 through the end of EndOfHeader: input of the 3.x HeaderHash and the 4.x header SHA-256/HMAC. */
  headerBytes: Uint8Array;
}

export const IV_LENGTH: Record<CipherName, number> = { aes256: 16, chacha20: 12, twofish: 16 };

export const CIPHER_IDS: Record<CipherName, Uint8Array> = { aes256: CIPHER_AES256, chacha20: CIPHER_CHACHA20, twofish: CIPHER_TWOFISH };

function cipherOf(uuid: Uint8Array, at: number): CipherName {
  if (uuid.length !== 16) throw corrupt(`cipher id is ${uuid.length} bytes, expected 16 (header field at offset ${at})`);
  if (equalBytes(uuid, CIPHER_AES256)) return 'aes256';
  if (equalBytes(uuid, CIPHER_CHACHA20)) return 'chacha20';
  if (equalBytes(uuid, CIPHER_TWOFISH)) return 'twofish';
  if (equalBytes(uuid, CIPHER_AES128)) throw new UnsupportedFormatError('unsupported cipher AES-128; change the encryption to AES-256 in KeePassXC and try again');
  throw new UnsupportedFormatError(`unsupported cipher ${Buffer.from(uuid).toString('hex')}; change the encryption to AES-256, ChaCha20 or Twofish and try again`);
}

function fixed(value: Uint8Array, n: number, name: string, at: number): Uint8Array {
  if (value.length !== n) throw corrupt(`header field ${name} is ${value.length} bytes, expected ${n} (at offset ${at})`);
  return Uint8Array.from(value);
}

function u32Of(value: Uint8Array, name: string, at: number): number {
  return new DataView(fixed(value, 4, name, at).buffer).getUint32(0, true);
}

export function readOuterHeader(file: Uint8Array): OuterHeader {
  if (file.length < 12) throw corrupt(`file is ${file.length} bytes, too short for a KeePass database`);
  const r = new ByteReader(file, 0, 'file');
  const sig1 = r.u32('signature');
  const sig2 = r.u32('signature');
  if (sig1 === SIG1 && sig2 === SIG2_KDB) {
    throw new UnsupportedFormatError('this is a KeePass 1 (.kdb) database, not KDBX; import it to convert it');
  }
  if (sig1 !== SIG1 || sig2 !== SIG2_KDBX) {
    const what = sig1 === SIG1 && sig2 === SIG2_PRERELEASE ? 'a KeePass 2 pre-release file' : 'not a KeePass database (unknown signature)';
    throw new UnsupportedFormatError(`${what}; check the file path`);
  }
  const minor = r.u16('version');
  const major = r.u16('version');
  if (major < 2 || major > 4) {
    throw new UnsupportedFormatError(`unsupported KDBX version ${major}.${minor}; only 2.x to 4.x can be read`);
  }
  const is4 = major >= 4;
  const fields = new Map<number, { value: Uint8Array; at: number }>();
  for (;;) {
    const at = r.offset;
    if (r.remaining === 0) throw corrupt(`header ends at offset ${at} without an end-of-header field (truncated file)`);
    const id = r.u8('header field id');
    const len = is4 ? r.u32(`header field ${id} length`) : r.u16(`header field ${id} length`);
    if (len > r.remaining) throw corrupt(`header field ${id} length ${len} exceeds file size at offset ${at}`);
    const value = r.bytesOf(len, `header field ${id}`);
    if (id === HeaderField.EndOfHeader) break;
    fields.set(id, { value, at });
  }
  const headerBytes = Uint8Array.from(file.subarray(0, r.offset));
  const need = (id: number, name: string) => {
    const f = fields.get(id);
    if (!f) throw corrupt(`header lacks the ${name} field (id ${id})`);
    return f;
  };

  const c = need(HeaderField.CipherID, 'cipher');
  const cipher = cipherOf(c.value, c.at);
  const comp = fields.get(HeaderField.CompressionFlags);
  let compressed = true; // KeePassXC assumes gzip when the field is missing
  if (comp) {
    const flag = u32Of(comp.value, 'compression', comp.at);
    if (flag > 1) throw new UnsupportedFormatError(`unsupported compression ${flag} (header field at offset ${comp.at})`);
    compressed = flag === 1;
  }
  const seed = need(HeaderField.MasterSeed, 'master seed');
  const iv = need(HeaderField.EncryptionIV, 'encryption IV');
  const header: OuterHeader = {
    version: { major, minor },
    cipher,
    compressed,
    masterSeed: fixed(seed.value, 32, 'master seed', seed.at),
    encryptionIV: fixed(iv.value, IV_LENGTH[cipher], 'encryption IV', iv.at),
    kdf: undefined as unknown as KdfParams,
    headerBytes,
  };

  if (is4) {
    const k = need(HeaderField.KdfParameters, 'KDF parameters');
    header.kdf = kdfFromDictionary(readVariantDictionary(k.value, `KDF parameters (header offset ${k.at})`));
    const pcd = fields.get(HeaderField.PublicCustomData);
    if (pcd) {
      const dict = readVariantDictionary(pcd.value, `public custom data (header offset ${pcd.at})`);
      // Kept verbatim; an empty dictionary is dropped, as KeePassXC writes the field only when non-empty.
      if (dict.size > 0) header.publicCustomData = Uint8Array.from(pcd.value);
    }
  } else {
    const ts = need(HeaderField.TransformSeed, 'transform seed');
    const tr = need(HeaderField.TransformRounds, 'transform rounds');
    const rounds = new DataView(fixed(tr.value, 8, 'transform rounds', tr.at).buffer).getBigUint64(0, true);
    header.kdf = { type: 'aes', rounds, seed: fixed(ts.value, 32, 'transform seed', ts.at) };
    checkKdfHardLimits(header.kdf);
    header.protectedStreamKey = Uint8Array.from(need(HeaderField.ProtectedStreamKey, 'protected stream key').value);
    const ssb = need(HeaderField.StreamStartBytes, 'stream start bytes');
    header.streamStartBytes = fixed(ssb.value, 32, 'stream start bytes', ssb.at);
    const sid = fields.get(HeaderField.InnerRandomStreamID);
    header.innerRandomStreamId = sid ? u32Of(sid.value, 'inner random stream id', sid.at) : 2;
    // Only the id's validity matters: the stream is Salsa20 whatever it says (docs/kdbx.md §8, §12 #14). KeePassXC
    // refuses the obsolete ArcFour variant (1) and ids that name no cipher, and so do we.
    const id = header.innerRandomStreamId;
    if (id === 1) throw new UnsupportedFormatError('unsupported inner random stream 1 (the obsolete ArcFour variant) in this KDBX 3.x header; KeePassXC refuses it too');
    if (id !== 2 && id !== 3) throw new UnsupportedFormatError(`unsupported inner random stream ${id} in this KDBX 3.x header (only Salsa20 = 2 and ChaCha20 = 3 exist)`);
  }
  return header;
}

export interface Header3ToWrite {
  cipherId: Uint8Array;
  compressed: boolean;
  masterSeed: Uint8Array;
  encryptionIV: Uint8Array;
  transformSeed: Uint8Array;
  transformRounds: bigint;
  protectedStreamKey: Uint8Array;
  streamStartBytes: Uint8Array;
}

/** KDBX 3.1 outer header bytes, in KeePassXC's field order 2,3,4,5,6,7,8,9,10,0 (u16 lengths; inner stream Salsa20). */
export function writeOuterHeader3(h: Header3ToWrite): Uint8Array {
  const w = new ByteWriter().u32(SIG1).u32(SIG2_KDBX).u16(1).u16(3);
  const field = (id: number, value: Uint8Array) => w.u8(id).u16(value.length).bytes(value);
  const u32 = (x: number) => new ByteWriter().u32(x).toBytes();
  const rounds = new Uint8Array(8);
  new DataView(rounds.buffer).setBigUint64(0, h.transformRounds, true);
  field(HeaderField.CipherID, h.cipherId);
  field(HeaderField.CompressionFlags, u32(h.compressed ? 1 : 0));
  field(HeaderField.MasterSeed, h.masterSeed);
  field(HeaderField.TransformSeed, h.transformSeed);
  field(HeaderField.TransformRounds, rounds);
  field(HeaderField.EncryptionIV, h.encryptionIV);
  field(HeaderField.ProtectedStreamKey, h.protectedStreamKey);
  field(HeaderField.StreamStartBytes, h.streamStartBytes);
  field(HeaderField.InnerRandomStreamID, u32(2));
  field(HeaderField.EndOfHeader, END_OF_HEADER);
  return w.toBytes();
}

export interface HeaderToWrite {
  version: { major: 4; minor: 0 | 1 };
  cipherId: Uint8Array;
  compressed: boolean;
  masterSeed: Uint8Array;
  encryptionIV: Uint8Array;
  kdf: KdfParams;
  publicCustomData?: Uint8Array;
}

/** KDBX 4 outer header bytes, through EndOfHeader. */
export function writeOuterHeader(h: HeaderToWrite): Uint8Array {
  const w = new ByteWriter().u32(SIG1).u32(SIG2_KDBX).u16(h.version.minor).u16(h.version.major);
  const field = (id: number, value: Uint8Array) => w.u8(id).u32(value.length).bytes(value);
  const u32 = (x: number) => new ByteWriter().u32(x).toBytes();
  field(HeaderField.CipherID, h.cipherId);
  field(HeaderField.CompressionFlags, u32(h.compressed ? 1 : 0));
  field(HeaderField.MasterSeed, h.masterSeed);
  field(HeaderField.EncryptionIV, h.encryptionIV);
  field(HeaderField.KdfParameters, writeVariantDictionary(kdfToDictionary(h.kdf)));
  if (h.publicCustomData && h.publicCustomData.length > 0) field(HeaderField.PublicCustomData, h.publicCustomData);
  field(HeaderField.EndOfHeader, END_OF_HEADER);
  return w.toBytes();
}
