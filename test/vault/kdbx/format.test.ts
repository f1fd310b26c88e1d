/**
 * The KDBX binary layers on their own: writer → reader round trips, header
 * variants (field order, versions, lengths), integrity checks (corrupt vs
 * wrong key), hostile KDF parameters and payload limits, VariantDictionary.
 */
import { describe, expect, test } from 'vitest';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { CorruptFileError, StvError, UnsupportedFormatError, WrongKeyError } from '../../../src/errors/index.js';
import {
  checkKdfLimits, decryptKdbx, defaultKdf, encryptKdbx, kdfFingerprint, newInnerHeader, readOuterHeader, readVariantDictionary,
  SlowKdfError, transformKey, tuneKdf, writeVariantDictionary, type CipherName, type KdfParams, type VariantDictionary,
} from '../../../src/vault/kdbx/index.js';
import { ByteWriter, concat } from '../../../src/vault/kdbx/bytes.js';
import { splitHeader as split, type Field } from './helpers.js';
import { CIPHER_AES128, CIPHER_TWOFISH } from '../../../src/vault/kdbx/constants.js';
import { cipherKey, headerHmac, hmacBaseKey } from '../../../src/vault/kdbx/derived-keys.js';
import { writeHmacBlocks } from '../../../src/vault/kdbx/hmac-blocks.js';
import { writeInnerHeader } from '../../../src/vault/kdbx/inner-header.js';
import { kdfToDictionary } from '../../../src/vault/kdbx/kdf-params.js';

const KDF: KdfParams = { type: 'aes', rounds: 100n, seed: new Uint8Array(randomBytes(32)) };
const T = randomBytes(32); // a transformed key: these tests skip the KDF

function makeFile(o: { cipher?: CipherName; compressed?: boolean; xml?: Uint8Array; kdf?: KdfParams; publicCustomData?: Uint8Array; minor?: 0 | 1 } = {}): Uint8Array {
  return encryptKdbx({
    version: { major: 4, minor: o.minor ?? 0 }, cipher: o.cipher ?? 'aes256', compressed: o.compressed ?? true, kdf: o.kdf ?? KDF, transformedKey: T,
    publicCustomData: o.publicCustomData, inner: newInnerHeader([{ protect: true, data: Buffer.from('att-0') }, { protect: false, data: new Uint8Array(0) }]),
    xml: o.xml ?? Buffer.from('<KeePassFile>héllo</KeePassFile>'),
  });
}

function open(file: Uint8Array, limits?: { maxDecompressedBytes?: number }) {
  return decryptKdbx(file, readOuterHeader(file), T, limits);
}


/** Rebuilds a 4.x file with edited header fields and a valid header SHA-256 + HMAC. */
function rewrite(file: Uint8Array, edit: (f: Field[], prefix: Uint8Array) => Field[] | void, lengthOf = (f: Field) => f.value.length): Uint8Array {
  const { prefix, fields, rest } = split(file);
  const p = Uint8Array.from(prefix);
  const out = edit(fields, p) ?? fields;
  const w = new ByteWriter().bytes(p);
  for (const f of out) w.u8(f.id).u32(lengthOf(f)).bytes(f.value);
  const header = w.toBytes();
  const seed = fields.find((f) => f.id === 4)!.value;
  const base = hmacBaseKey(seed, T);
  return concat(header, createHash('sha256').update(header).digest(), headerHmac(base, header), rest);
}

const kdfField = (kdf: KdfParams | VariantDictionary) => ({ id: 11, value: writeVariantDictionary(kdf instanceof Map ? kdf : kdfToDictionary(kdf)) });
const withKdf = (kdf: KdfParams | VariantDictionary) => rewrite(makeFile(), (fs) => fs.map((f) => (f.id === 11 ? kdfField(kdf) : f)));

describe('round trips', () => {
  test.each([
    ['aes256', true], ['aes256', false], ['chacha20', true], ['chacha20', false],
  ] as const)('%s compressed=%s: XML and inner binaries come back exactly', (cipher, compressed) => {
    const { inner, xml } = open(makeFile({ cipher, compressed }));
    expect(Buffer.from(xml).toString()).toBe('<KeePassFile>héllo</KeePassFile>');
    expect(inner.streamId).toBe(3);
    expect(inner.streamKey).toHaveLength(64);
    expect(inner.binaries.map((b) => [b.protect, Buffer.from(b.data).toString()])).toEqual([[true, 'att-0'], [false, '']]);
  });

  test('payloads over 1 MiB span several HMAC blocks and survive', () => {
    const xml = randomBytes(2.5 * 1024 * 1024); // incompressible: three blocks
    const file = makeFile({ xml, compressed: false, cipher: 'chacha20' });
    expect(Buffer.from(open(file).xml).equals(xml)).toBe(true);
  });

  test('header: KeePassXC field order 2,3,4,7,11,12,0 with EndOfHeader 0D0A0D0A; public custom data kept verbatim; 4.1 on request', () => {
    const pcd = writeVariantDictionary(new Map([['plugin', { type: 'string', value: 'x' }]]));
    const file = makeFile({ publicCustomData: pcd, minor: 1 });
    expect(split(file).fields.map((f) => f.id)).toEqual([2, 3, 4, 7, 11, 12, 0]);
    expect(Buffer.from(split(file).fields[6].value).toString('hex')).toBe('0d0a0d0a');
    const h = readOuterHeader(file);
    expect(h.version).toEqual({ major: 4, minor: 1 });
    expect(Buffer.from(h.publicCustomData!)).toEqual(Buffer.from(pcd));
    expect(h.kdf).toEqual(KDF);
    expect(Buffer.from(file.subarray(0, 12)).toString('hex')).toBe('03d9a29a67fb4bb501000400');
  });

  test('the AES-KDF is written as c9d9f39a… with exact types; Argon2 as $UUID,I,M,P,S,V', () => {
    const aes = readVariantDictionary(split(makeFile()).fields.find((f) => f.id === 11)!.value, 'kdf');
    expect([...aes.keys()]).toEqual(['$UUID', 'R', 'S']);
    expect(Buffer.from(aes.get('$UUID')!.value as Uint8Array).toString('hex')).toBe('c9d9f39a628a4460bf740d08c18a4fea');
    expect(aes.get('R')!.type).toBe('u64');
    const a2 = readVariantDictionary(split(makeFile({ kdf: defaultKdf('argon2id') })).fields.find((f) => f.id === 11)!.value, 'kdf');
    expect([...a2.entries()].map(([k, v]) => `${k}:${v.type}`)).toEqual(['$UUID:bytes', 'I:u64', 'M:u64', 'P:u32', 'S:bytes', 'V:u32']);
  });
});

describe('reading header variants', () => {
  test('fields in any order (reversed, EndOfHeader last) still open', () => {
    const file = rewrite(makeFile(), (fs) => [...fs.slice(0, -1).reverse(), fs[fs.length - 1]]);
    expect(Buffer.from(open(file).xml).toString()).toContain('héllo');
  });

  test('any 4.x minor opens (4.2); 5.0 and 1.0 are refused as unsupported', () => {
    expect(readOuterHeader(rewrite(makeFile(), (_f, p) => void p.set([2, 0], 8))).version).toEqual({ major: 4, minor: 2 });
    expect(() => readOuterHeader(rewrite(makeFile(), (_f, p) => void p.set([0, 0, 5, 0], 8)))).toThrow(/unsupported KDBX version 5\.0/);
    expect(() => readOuterHeader(rewrite(makeFile(), (_f, p) => void p.set([0, 0, 1, 0], 8)))).toThrow(UnsupportedFormatError);
  });

  test('Twofish is read as Twofish; AES-128 (an id KeePassXC knows but cannot use) is refused by name', () => {
    const file = rewrite(makeFile(), (fs) => fs.map((f) => (f.id === 2 ? { id: 2, value: CIPHER_TWOFISH } : f)));
    expect(readOuterHeader(file).cipher).toBe('twofish');
    const aes128 = rewrite(makeFile(), (fs) => fs.map((f) => (f.id === 2 ? { id: 2, value: CIPHER_AES128 } : f)));
    expect(() => readOuterHeader(aes128)).toThrow(/unsupported cipher AES-128/);
  });

  test('a field length beyond the file says which field and where', () => {
    const file = rewrite(makeFile(), () => undefined, (f) => (f.id === 7 ? 4_000_000_000 : f.value.length));
    expect(() => readOuterHeader(file)).toThrow(/corrupt file: header field 7 length 4000000000 exceeds file size at offset \d+/);
  });

  test('a KeePass 1 signature points to importing; random bytes are not a KeePass database', () => {
    const kdb = Buffer.alloc(124);
    kdb.writeUInt32LE(0x9aa2d903, 0);
    kdb.writeUInt32LE(0xb54bfb65, 4);
    expect(() => readOuterHeader(kdb)).toThrow(/KeePass 1/);
    expect(() => readOuterHeader(Buffer.from('hello world, not a vault'))).toThrow(/not a KeePass database/);
  });

  test('an IV of the wrong length for the cipher is corrupt', () => {
    const file = rewrite(makeFile({ cipher: 'chacha20' }), (fs) => fs.map((f) => (f.id === 7 ? { id: 7, value: randomBytes(16) } : f)));
    expect(() => readOuterHeader(file)).toThrow(/encryption IV is 16 bytes, expected 12/);
  });
});

describe('integrity: corrupt vs wrong key', () => {
  test('a damaged header is corrupt (SHA-256), a wrong key is WrongKeyError (HMAC)', () => {
    const file = Uint8Array.from(makeFile());
    const h = readOuterHeader(file);
    expect(() => decryptKdbx(file, h, randomBytes(32))).toThrow(WrongKeyError);
    file[h.headerBytes.length + 5] ^= 1; // inside the stored SHA-256
    expect(() => decryptKdbx(file, h, T)).toThrow(/header checksum mismatch/);
    const file2 = Uint8Array.from(makeFile());
    file2[h.headerBytes.length + 40] ^= 1; // inside the stored HMAC
    expect(() => open(file2)).toThrow(WrongKeyError);
  });

  test('a flipped payload byte fails that block HMAC; a negative or oversized block length is corrupt; truncation is corrupt', () => {
    const good = makeFile();
    const start = readOuterHeader(good).headerBytes.length + 64;
    const flipped = Uint8Array.from(good);
    flipped[start + 40] ^= 0x80;
    expect(() => open(flipped)).toThrow(/block 0 at offset \d+ fails its HMAC check/);
    const negative = Uint8Array.from(good);
    new DataView(negative.buffer).setInt32(start + 32, -5, true);
    expect(() => open(negative)).toThrow(/block 0 has negative length -5/);
    const huge = Uint8Array.from(good);
    new DataView(huge.buffer).setInt32(start + 32, 0x7fffffff, true);
    expect(() => open(huge)).toThrow(/block 0 length 2147483647 exceeds file size/);
    expect(() => open(good.subarray(0, good.length - 10))).toThrow(CorruptFileError);
    expect(() => open(good.subarray(0, start - 20))).toThrow(/truncated/);
  });

  test('bad PKCS#7 padding under a valid HMAC is corrupt, not a wrong key', () => {
    const file = makeFile();
    const h = readOuterHeader(file);
    const key = cipherKey(h.masterSeed, T);
    const c = createCipheriv('aes-256-cbc', key, h.encryptionIV);
    c.setAutoPadding(false);
    const plain = Buffer.concat([Buffer.from(writeInnerHeader(newInnerHeader())), Buffer.alloc(32 - ((writeInnerHeader(newInnerHeader()).length) % 16), 0)]);
    const ct = Buffer.concat([c.update(plain), c.final()]);
    const bad = concat(file.subarray(0, h.headerBytes.length + 64), writeHmacBlocks(ct, hmacBaseKey(h.masterSeed, T)));
    expect(() => decryptKdbx(bad, h, T)).toThrow(/bad PKCS#7 padding/);
  });

  test('a gzip bomb stops at the decompression cap', () => {
    const file = makeFile({ xml: new Uint8Array(20 * 1024 * 1024) }); // 20 MiB of zeros compress to ~20 KiB
    expect(file.length).toBeLessThan(100_000);
    expect(() => open(file, { maxDecompressedBytes: 4 * 1024 * 1024 })).toThrow(/decompressed payload too large/);
    expect(open(file).xml.length).toBe(20 * 1024 * 1024); // default cap: max(64 MiB, 100 × size)
  });

  test('random damage anywhere only ever raises our typed errors', () => {
    const good = makeFile({ cipher: 'chacha20' });
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(good.length), (at, xor, cut) => {
        const f = Uint8Array.from(good.subarray(0, Math.max(cut, at + 1)));
        f[at] ^= xor;
        try {
          open(f);
        } catch (e) {
          expect(e).toBeInstanceOf(StvError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('KDF parameters', () => {
  type Argon2Params = Extract<KdfParams, { salt: Uint8Array }>;
  const argon = (o: Partial<Argon2Params> = {}): Argon2Params => ({
    type: 'argon2id', salt: randomBytes(32), iterations: 2n, memoryBytes: 64n * 1024n * 1024n, parallelism: 2, version: 0x13, ...o,
  });

  test.each([
    ['Argon2 memory above 4 GiB', argon({ memoryBytes: 5n * 1024n ** 3n }), /exceeds the 4 GiB limit/],
    ['Argon2 iterations of 2^31', argon({ iterations: 2n ** 31n }), /iterations 2147483648 outside/],
    ['Argon2 zero lanes', argon({ parallelism: 0 }), /parallelism 0 outside/],
    ['Argon2 memory under 8 KiB per lane', argon({ memoryBytes: 8n * 1024n, parallelism: 2 }), /below 8 KiB per lane/],
    ['Argon2 version 0x14', argon({ version: 0x14 }), /version 0x14/],
    ['AES rounds of 2^31', { type: 'aes', rounds: 2n ** 31n, seed: randomBytes(32) } as KdfParams, /rounds 2147483648 outside/],
    ['AES zero rounds', { type: 'aes', rounds: 0n, seed: randomBytes(32) } as KdfParams, /rounds 0 outside/],
  ])('a file with %s is corrupt before any key derivation', (_name, kdf, message) => {
    expect(() => readOuterHeader(withKdf(kdf))).toThrow(message);
    expect(() => checkKdfLimits(kdf, { allowSlow: true })).toThrow(CorruptFileError);
  });

  test('bogus VariantDictionary types and Argon2 secret keys are refused', () => {
    const d = kdfToDictionary(argon());
    const bytes = Buffer.from(writeVariantDictionary(d));
    const iAt = bytes.indexOf(Buffer.from([0x05, 1, 0, 0, 0, 0x49])); // UInt64 'I'
    bytes[iAt] = 0x07;
    expect(() => readOuterHeader(rewrite(makeFile(), (fs) => fs.map((f) => (f.id === 11 ? { id: 11, value: bytes } : f))))).toThrow(/unknown type 0x7/);
    d.set('K', { type: 'bytes', value: randomBytes(8) });
    expect(() => readOuterHeader(withKdf(d))).toThrow(/secret key/);
  });

  test('a KDF estimated far above the target is SlowKdfError unless allowed; defaults and KeePassXC defaults pass', () => {
    const slow: KdfParams = { type: 'aes', rounds: 2n ** 31n - 2n, seed: randomBytes(32) };
    expect(() => checkKdfLimits(slow, { allowSlow: false })).toThrow(SlowKdfError);
    expect(() => checkKdfLimits(slow, { allowSlow: false })).toThrow(/--allow-slow-kdf/);
    expect(() => checkKdfLimits(slow, { allowSlow: true })).not.toThrow();
    expect(() => checkKdfLimits(slow, { allowSlow: false, targetMs: 5000 })).not.toThrow(); // limit 50 s
    expect(() => checkKdfLimits(argon({ memoryBytes: 4n * 1024n ** 3n, iterations: 100n }), { allowSlow: false })).toThrow(SlowKdfError);
    for (const kdf of [defaultKdf('aes'), defaultKdf('argon2id'), defaultKdf('argon2d'), argon({ iterations: 20n })]) {
      expect(() => checkKdfLimits(kdf, { allowSlow: false })).not.toThrow();
    }
    try {
      checkKdfLimits(slow, { allowSlow: false });
    } catch (e) {
      expect((e as SlowKdfError).estimateMs).toBeGreaterThan(10_000);
    }
  });

  test('fingerprints are stable for equal parameters and change with the salt or any number', () => {
    const a = argon();
    expect(kdfFingerprint(a)).toBe(kdfFingerprint({ ...a, salt: Uint8Array.from(a.salt) }));
    expect(kdfFingerprint(a)).not.toBe(kdfFingerprint({ ...a, salt: randomBytes(32) }));
    expect(kdfFingerprint(a)).not.toBe(kdfFingerprint({ ...a, iterations: 3n }));
    expect(kdfFingerprint(KDF)).toMatch(/^[0-9a-f]{64}$/);
  });

  test('tuneKdf sizes AES rounds and Argon2 iterations to the machine, keeping memory and lanes', async () => {
    const aes = await tuneKdf('aes', 200);
    expect(aes.type).toBe('aes');
    if (aes.type === 'aes') expect(aes.rounds).toBeGreaterThan(100_000n);
    const a2 = await tuneKdf('argon2id', 100, 8n * 1024n * 1024n, 1);
    expect(a2).toMatchObject({ type: 'argon2id', memoryBytes: 8n * 1024n * 1024n, parallelism: 1, version: 0x13 });
    if (a2.type !== 'aes') expect(a2.iterations).toBeGreaterThanOrEqual(1n);
    await expect(transformKey(randomBytes(32), a2)).resolves.toHaveLength(32);
  });
});

describe('VariantDictionary', () => {
  test('every type round-trips; an unknown major version is unsupported; truncation is corrupt', () => {
    const d: VariantDictionary = new Map([
      ['u32', { type: 'u32', value: 0xffffffff }], ['u64', { type: 'u64', value: 2n ** 64n - 1n }], ['b', { type: 'bool', value: true }],
      ['i32', { type: 'i32', value: -5 }], ['i64', { type: 'i64', value: -(2n ** 63n) }], ['s', { type: 'string', value: 'ünï' }],
      ['x', { type: 'bytes', value: Uint8Array.of(1, 2, 3) }],
    ]);
    const bytes = writeVariantDictionary(d);
    expect(Buffer.from(bytes.subarray(0, 2)).toString('hex')).toBe('0001');
    expect(readVariantDictionary(bytes, 'test')).toEqual(d);
    expect(() => readVariantDictionary(Uint8Array.of(0, 2, 0), 'test')).toThrow(UnsupportedFormatError);
    expect(() => readVariantDictionary(bytes.subarray(0, bytes.length - 3), 'test')).toThrow(CorruptFileError);
    const badLen = Buffer.from(writeVariantDictionary(new Map([['n', { type: 'u32', value: 1 }]])));
    badLen[2 + 1 + 4 + 1] = 3; // value length 3 for a UInt32
    expect(() => readVariantDictionary(badLen, 'test')).toThrow(/length 3, expected 4/);
  });
});
