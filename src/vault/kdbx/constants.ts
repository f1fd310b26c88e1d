/**
 * KDBX identifiers: signatures, cipher and KDF UUIDs (docs/kdbx.md §1, §3),
 * outer and inner header field ids (docs/kdbx.md §2, §7).
 */
export const SIG1 = 0x9aa2d903;
export const SIG2_KDBX = 0xb54bfb67;
export const SIG2_KDB = 0xb54bfb65;
export const SIG2_PRERELEASE = 0xb54bfb66;

/** On-disk bytes of a UUID are its canonical string order. */
function uuid(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/-/g, ''), 'hex'));
}

export const CIPHER_AES256 = uuid('31c1f2e6-bf71-4350-be58-05216afc5aff');
export const CIPHER_CHACHA20 = uuid('d6038a2b-8b6f-4cb5-a524-339a31dbb59a');
export const CIPHER_TWOFISH = uuid('ad68f29f-576f-4bb9-a36a-d47af965346c');
export const CIPHER_AES128 = uuid('61ab05a1-9464-41c3-8d74-3a563df8dd35');

export const KDF_AES = uuid('c9d9f39a-628a-4460-bf74-0d08c18a4fea');
/** KeePassXC-internal alias of AES-KDF; read, never written. */
export const KDF_AES_KDBX4 = uuid('7c02bb82-79a7-4ac0-927d-114a00648238');
export const KDF_ARGON2D = uuid('ef636ddf-8c29-444b-91f7-a9a403e30a0c');
export const KDF_ARGON2ID = uuid('9e298b19-56db-4773-b23d-fc3ec6f0a1e6');

export const enum HeaderField {
  EndOfHeader = 0,
  Comment = 1,
  CipherID = 2,
  CompressionFlags = 3,
  MasterSeed = 4,
  TransformSeed = 5,
  TransformRounds = 6,
  EncryptionIV = 7,
  ProtectedStreamKey = 8,
  StreamStartBytes = 9,
  InnerRandomStreamID = 10,
  KdfParameters = 11,
  PublicCustomData = 12,
}

export const enum InnerField {
  End = 0,
  StreamId = 1,
  StreamKey = 2,
  Binary = 3,
}

export const STREAM_SALSA20 = 2;
export const STREAM_CHACHA20 = 3;

export const END_OF_HEADER = Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a);
export const BLOCK_SIZE = 1024 * 1024;
