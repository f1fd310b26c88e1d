/**
 * Writing KDBX 4.0/4.1 (docs/kdbx.md §2, §6, §10): fresh master seed and IV
 * on every call; header SHA-256 + HMAC; gzip (level 3, one member, written
 * as the XML comes) of inner header ‖ XML; AES-256-CBC, ChaCha20 or
 * Twofish-CBC; 1 MiB HMAC blocks. And KDBX 3.1 for files that were 3.1
 * (as KeePassXC keeps them): fresh master seed, IV, protected stream key
 * and start bytes; gzip of the XML in 1 MiB hashed blocks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { UsageError } from '../../errors/index.js';
import { concat } from './bytes.js';
import { defaultMaxDecompressed, GzipStream, tooLarge } from './compression.js';
import { cipherKey, headerHmac, hmacBaseKey } from './derived-keys.js';
import { CIPHER_IDS, IV_LENGTH, writeOuterHeader, writeOuterHeader3, type CipherName } from './header.js';
import { writeHashedBlocks } from './hashed-blocks.js';
import { writeHmacBlocks } from './hmac-blocks.js';
import { writeInnerHeader, type InnerHeader } from './inner-header.js';
import { checkKdfHardLimits, type KdfParams } from './kdf-params.js';
import { encryptPayload } from './payload-cipher.js';

export interface EncryptOptions {
  version: { major: 4; minor: 0 | 1 };
  cipher: CipherName;
  compressed: boolean;
  kdf: KdfParams;
  /** transformKey(composite, kdf) output for exactly these KDF parameters. */
  transformedKey: Uint8Array;
  publicCustomData?: Uint8Array;
  inner: InnerHeader;
  /**
   * UTF-8 XML with protected values already XORed with the inner stream:
   * the bytes, or a writer that hands them to `sink` piece by piece (each
   * piece is the sink's, and wiped once compressed).
   */
  xml: Uint8Array | ((sink: (piece: Uint8Array) => void) => void);
}

export function encryptKdbx(opts: EncryptOptions): Uint8Array {
  if (opts.version.major !== 4 || (opts.version.minor !== 0 && opts.version.minor !== 1)) {
    throw new UsageError(`cannot write KDBX ${opts.version.major}.${opts.version.minor}; only 4.0 and 4.1`);
  }
  if (opts.transformedKey.length !== 32) throw new UsageError('the transformed key must be 32 bytes');
  checkKdfHardLimits(opts.kdf);
  const masterSeed = new Uint8Array(randomBytes(32));
  const iv = new Uint8Array(randomBytes(IV_LENGTH[opts.cipher]));
  const header = writeOuterHeader({
    version: opts.version,
    cipherId: CIPHER_IDS[opts.cipher],
    compressed: opts.compressed,
    masterSeed,
    encryptionIV: iv,
    kdf: opts.kdf,
    publicCustomData: opts.publicCustomData,
  });
  const key = cipherKey(masterSeed, opts.transformedKey);
  const base = hmacBaseKey(masterSeed, opts.transformedKey);
  try {
    const { payload, inflated } = buildPayload(writeInnerHeader(opts.inner), opts.xml, opts.compressed);
    const cipherText = encryptPayload(opts.cipher, key, iv, payload);
    payload.fill(0);
    const sha = createHash('sha256').update(header).digest();
    const file = concat(header, sha, headerHmac(base, header), writeHmacBlocks(cipherText, base));
    // Symmetric limits: never write what the reader would refuse (reader.ts, same cap and words).
    const cap = defaultMaxDecompressed(file.length);
    if (opts.compressed && inflated > cap) throw new UsageError(`cannot save: ${tooLarge(cap)}, and stv would refuse to open the file; nothing was written`);
    return file;
  } finally {
    key.fill(0);
    base.fill(0);
  }
}

export interface Encrypt3Options {
  cipher: CipherName;
  compressed: boolean;
  /** AES-KDF only: KDBX 3.1 has no other. */
  kdf: KdfParams;
  transformedKey: Uint8Array;
  /**
   * Writes the XML, protected values XORed with the Salsa20 stream of
   * `streamKey`; Meta/HeaderHash is base64 of `headerSha256`.
   */
  xml: (headerSha256: Uint8Array, streamKey: Uint8Array, sink: (piece: Uint8Array) => void) => void;
}

export function encryptKdbx3(opts: Encrypt3Options): Uint8Array {
  if (opts.kdf.type !== 'aes') throw new UsageError('KDBX 3.1 has only AES-KDF; save as KDBX 4 for Argon2');
  if (opts.transformedKey.length !== 32) throw new UsageError('the transformed key must be 32 bytes');
  checkKdfHardLimits(opts.kdf);
  const masterSeed = new Uint8Array(randomBytes(32));
  const iv = new Uint8Array(randomBytes(IV_LENGTH[opts.cipher]));
  const streamKey = new Uint8Array(randomBytes(32));
  const startBytes = new Uint8Array(randomBytes(32));
  const header = writeOuterHeader3({
    cipherId: CIPHER_IDS[opts.cipher],
    compressed: opts.compressed,
    masterSeed,
    encryptionIV: iv,
    transformSeed: opts.kdf.seed,
    transformRounds: opts.kdf.rounds,
    protectedStreamKey: streamKey,
    streamStartBytes: startBytes,
  });
  const key = cipherKey(masterSeed, opts.transformedKey);
  try {
    const sha = new Uint8Array(createHash('sha256').update(header).digest());
    const pieces: Uint8Array[] = [];
    const stream = opts.compressed ? new GzipStream() : undefined;
    opts.xml(sha, streamKey, (piece) => (stream ? stream.write(piece) : pieces.push(piece)));
    const xml = stream ? stream.end() : concat(...pieces);
    for (const p of pieces) p.fill(0);
    const blocks = writeHashedBlocks(xml);
    xml.fill(0);
    const plain = concat(startBytes, blocks);
    blocks.fill(0);
    const cipherText = encryptPayload(opts.cipher, key, iv, plain);
    plain.fill(0);
    return concat(header, cipherText);
  } finally {
    key.fill(0);
    streamKey.fill(0);
  }
}

/** inner header ‖ XML, gzip-compressed as it comes when `compressed`; every input piece is wiped. */
function buildPayload(innerBytes: Uint8Array, xml: EncryptOptions['xml'], compressed: boolean): { payload: Uint8Array; inflated: number } {
  const pieces: Uint8Array[] = [];
  const stream = compressed ? new GzipStream() : undefined;
  const take = (piece: Uint8Array) => (stream ? stream.write(piece) : pieces.push(piece));
  take(innerBytes);
  if (typeof xml === 'function') xml(take);
  else take(Uint8Array.from(xml));
  if (stream) return { payload: stream.end(), inflated: stream.size };
  const payload = concat(...pieces);
  for (const p of pieces) p.fill(0);
  return { payload, inflated: payload.length };
}
