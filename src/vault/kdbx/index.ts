/**
 * The binary and crypto layers of KDBX (KeePass 2.x / KeePassXC files):
 * outer header, key derivation, payload decryption/encryption, inner header
 * and the inner random stream. XML is the caller's business.
 */
export type { CipherName, OuterHeader } from './header.js';
export { readOuterHeader } from './header.js';
export type { KdfParams, DefaultKdfOptions } from './kdf-params.js';
export { defaultKdf, withFreshSalt, kdfFromDictionary, kdfToDictionary, checkKdfHardLimits } from './kdf-params.js';
export { transformKey, tuneKdf, kdfFingerprint, checkKdfLimits, estimateKdfMs, SlowKdfError } from './kdf.js';
export { aesKdf, prewarmAesKdf, holdAesKdfWorker } from './aes-kdf.js';
export type { InnerHeader, InnerBinary } from './inner-header.js';
export { newInnerHeader } from './inner-header.js';
export { createInnerStream, type InnerStream } from './inner-stream.js';
export { decryptKdbx, decryptKdbxInBackground, type DecryptLimits, type DecryptedKdbx } from './reader.js';
export { encryptKdbx, encryptKdbx3, type EncryptOptions, type Encrypt3Options } from './writer.js';
export { Twofish, twofishCbcEncrypt, twofishCbcDecryptRaw } from './twofish.js';
export { ByteReader, ByteWriter } from './bytes.js';
export { readVariantDictionary, writeVariantDictionary, type VariantDictionary, type VariantValue } from './variant-dictionary.js';
