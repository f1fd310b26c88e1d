/**
 * Crypto building blocks against published vectors: AES (FIPS-197 C.3,
 * SP 800-38A F.2.5), ChaCha20 (RFC 7539 §2.4.2), Salsa20 (eSTREAM set 1
 * vector 0), Argon2 (RFC 9106 §5), docs/kdbx.md §13 composite keys; and the
 * AES-KDF chained-CBC trick against a naive per-round loop.
 */
import { describe, expect, test, vi } from 'vitest';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { CorruptFileError, UnsupportedFormatError } from '../../../src/errors/index.js';
import { aesChain, aesTransformRaw, holdAesKdfWorker } from '../../../src/vault/kdbx/aes-kdf.js';
import { chacha20Keystream, salsa20Keystream } from '../../../src/vault/kdbx/inner-stream.js';
import { encryptPayload } from '../../../src/vault/kdbx/payload-cipher.js';
import { createInnerStream, transformKey } from '../../../src/vault/kdbx/index.js';
import { composite } from './helpers.js';
import { GzipStream, gunzip, gunzipInBackground } from '../../../src/vault/kdbx/compression.js';
import { gunzipSync, gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => i);

describe('AES', () => {
  test('one chained round is FIPS-197 C.3 AES-256 encryption', () => {
    expect(Buffer.from(aesChain(seq(32), h('00112233445566778899aabbccddeeff'), 1n)).toString('hex')).toBe('8ea2b7ca516745bfeafc49904b496089');
  });

  test('the payload cipher is SP 800-38A F.2.5 CBC-AES256 with PKCS#7 appended', () => {
    const key = h('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');
    const pt = h('6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51');
    const ct = encryptPayload('aes256', key, seq(16), pt);
    expect(ct.length).toBe(48);
    expect(Buffer.from(ct.subarray(0, 32)).toString('hex')).toBe('f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d');
  });

  function naiveRounds(key: Uint8Array, block: Uint8Array, rounds: number): Buffer {
    const ecb = createCipheriv('aes-256-ecb', key, null);
    ecb.setAutoPadding(false);
    let b = Buffer.from(block);
    for (let i = 0; i < rounds; i++) b = ecb.update(b);
    return b;
  }

  test.each([1, 2, 1000, 65_536 + 3])('AES-KDF chained CBC equals %i naive ECB rounds per half, with and without the worker, and with both halves in workers', async (rounds) => {
    const seed = randomBytes(32);
    const comp = randomBytes(32);
    const want = Buffer.concat([naiveRounds(seed, comp.subarray(0, 16), rounds), naiveRounds(seed, comp.subarray(16), rounds)]);
    expect(Buffer.from(await aesTransformRaw(comp, seed, BigInt(rounds), { useWorker: false }))).toEqual(want);
    expect(Buffer.from(await aesTransformRaw(comp, seed, BigInt(rounds), { useWorker: true }))).toEqual(want);
    expect(Buffer.from(await aesTransformRaw(comp, seed, BigInt(rounds), { background: true }))).toEqual(want);
    const transformed = await transformKey(comp, { type: 'aes', rounds: BigInt(rounds), seed });
    expect(Buffer.from(transformed)).toEqual(createHash('sha256').update(want).digest());
  });

  test('a held chain worker derives key after key, and idle it never keeps the process alive', async () => {
    const refs = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
    // Workers of the tests before may still be exiting.
    await vi.waitFor(() => expect(refs()).toBe(0), { timeout: 10_000 });
    const release = holdAesKdfWorker();
    try {
      for (const rounds of [5, 70_000]) {
        const seed = randomBytes(32);
        const comp = randomBytes(32);
        const want = Buffer.concat([naiveRounds(seed, comp.subarray(0, 16), rounds), naiveRounds(seed, comp.subarray(16), rounds)]);
        expect(Buffer.from(await aesTransformRaw(comp, seed, BigInt(rounds), { background: true }))).toEqual(want);
        expect(Buffer.from(await aesTransformRaw(comp, seed, BigInt(rounds), { useWorker: true }))).toEqual(want);
        // The unheld second worker may still be exiting; the held one must not stay ref'd.
        await vi.waitFor(() => expect(refs()).toBe(0), { timeout: 10_000 });
      }
    } finally {
      release();
      release(); // a second call is a no-op, not a second release
    }
  });
});

describe('stream ciphers', () => {
  const LADIES = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
  const RFC7539_CT =
    '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b357' +
    '1639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736' +
    '5af90bbf74a35be6b40b8eedf2785e42874d';

  test('ChaCha20 keystream matches RFC 7539 §2.4.2 (block 1 onward), read in uneven pieces', () => {
    const s = chacha20Keystream(seq(32), h('000000000000004a00000000'));
    s.keystream(64); // the vector starts at counter 1
    const pt = Buffer.from(LADIES);
    const ks = Buffer.concat([s.keystream(1), s.keystream(62), s.keystream(51)]);
    for (let i = 0; i < pt.length; i++) pt[i] ^= ks[i];
    expect(pt.toString('hex')).toBe(RFC7539_CT);
  });

  test('the ChaCha20 payload cipher starts at counter 0 with a 12-byte nonce', () => {
    const ct = encryptPayload('chacha20', seq(32), h('000000000000004a00000000'), Buffer.concat([Buffer.alloc(64), Buffer.from(LADIES)]));
    expect(Buffer.from(ct.subarray(64)).toString('hex')).toBe(RFC7539_CT);
  });

  test('Salsa20 keystream matches eSTREAM set 1 vector 0, read in uneven pieces', () => {
    const key = new Uint8Array(32);
    key[0] = 0x80;
    const s = salsa20Keystream(key, new Uint8Array(8));
    const ks = Buffer.concat([s.keystream(3), s.keystream(0), s.keystream(60), s.keystream(1)]);
    expect(ks.toString('hex')).toBe(
      'e3be8fdd8beca2e3ea8ef9475b29a6e7003951e1097a5c38d23b7a5fad9f6844b22c97559e2723c7cbbd3fe4fc8d9a0744652a83e72a9c461876af4d7ef1a117',
    );
  });

  test('inner stream 2 is Salsa20 keyed by SHA-256(key) with the fixed KeePass nonce; 3 is ChaCha20 from SHA-512(key); both continuous', () => {
    const key = randomBytes(32);
    const salsa = salsa20Keystream(createHash('sha256').update(key).digest(), h('e830094b97205d2a')).keystream(300);
    const s2 = createInnerStream(2, key);
    expect(Buffer.concat([s2.keystream(7), s2.keystream(100), s2.keystream(193)])).toEqual(Buffer.from(salsa));
    const hk = createHash('sha512').update(key).digest();
    const chacha = chacha20Keystream(hk.subarray(0, 32), hk.subarray(32, 44)).keystream(300);
    const s3 = createInnerStream(3, key);
    expect(Buffer.concat([s3.keystream(65), s3.keystream(235)])).toEqual(Buffer.from(chacha));
  });

  test('both inner streams give the same bytes however they are read, across batch refills, and pieces already taken stay intact', () => {
    const key = randomBytes(32);
    for (const id of [2, 3]) {
      const whole = Buffer.from(createInnerStream(id, key).keystream(20_000));
      const s = createInnerStream(id, key);
      const pieces: Uint8Array[] = [];
      let got = 0;
      for (let i = 0; got < 20_000; i++) {
        const n = Math.min(20_000 - got, [0, 1, 63, 64, 65, 700, 4095, 4096, 5000][i % 9]);
        pieces.push(s.keystream(n));
        got += n;
      }
      expect(Buffer.concat(pieces)).toEqual(whole);
    }
  });

  test('unknown inner stream ids (ArcFour = 1) are refused', () => {
    expect(() => createInnerStream(1, randomBytes(32))).toThrow(UnsupportedFormatError);
  });
});

describe('Argon2 (RFC 9106 §5 vectors through the argon2 package)', () => {
  const params = { raw: true as const, salt: Buffer.alloc(16, 2), secret: Buffer.alloc(8, 3), associatedData: Buffer.alloc(12, 4), memoryCost: 32, timeCost: 3, parallelism: 4, version: 0x13, hashLength: 32 };
  test.each([
    ['argon2d', argon2.argon2d, '512b391b6f1162975371d30919734294f868e3be3984f3c1a13a4db9fabe4acb'],
    ['argon2i', argon2.argon2i, 'c814d9d1dc7f37aa13f0d77f2494bda1c8de6b016dd388d29952a4c4672b6ce8'],
    ['argon2id', argon2.argon2id, '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659'],
  ] as const)('%s tag matches the RFC', async (_n, type, tag) => {
    expect((await argon2.hash(Buffer.alloc(32, 1), { ...params, type })).toString('hex')).toBe(tag);
  });

  test('transformKey runs Argon2 with the file parameters, raw composite as password, honouring version 0x10', async () => {
    const comp = randomBytes(32);
    const base = { salt: randomBytes(8), iterations: 2n, memoryBytes: 64n * 1024n, parallelism: 2 };
    const v13 = await transformKey(comp, { type: 'argon2id', ...base, version: 0x13 });
    const v10 = await transformKey(comp, { type: 'argon2id', ...base, version: 0x10 });
    const d13 = await transformKey(comp, { type: 'argon2d', ...base, version: 0x13 });
    const ref = await argon2.hash(comp, { raw: true, type: argon2.argon2id, salt: Buffer.from(base.salt), timeCost: 2, memoryCost: 64, parallelism: 2, version: 0x13, hashLength: 32 });
    expect(Buffer.from(v13)).toEqual(ref);
    expect(Buffer.from(v10)).not.toEqual(ref);
    expect(Buffer.from(d13)).not.toEqual(ref);
  });

  test('salts of 8 and 32 bytes work; 7 bytes is refused before any work', async () => {
    const base = { type: 'argon2d' as const, iterations: 1n, memoryBytes: 64n * 1024n, parallelism: 1, version: 0x13 };
    await expect(transformKey(randomBytes(32), { ...base, salt: randomBytes(8) })).resolves.toHaveLength(32);
    await expect(transformKey(randomBytes(32), { ...base, salt: randomBytes(32) })).resolves.toHaveLength(32);
    await expect(transformKey(randomBytes(32), { ...base, salt: randomBytes(7) })).rejects.toThrow(CorruptFileError);
  });
});

describe('composite keys (docs/kdbx.md §13)', () => {
  test.each([
    ['', '5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456'],
    ['a', 'bf5d3affb73efd2ec6c36ad3112dd933efed63c4e1cbffcfa88e2759c144f2d8'],
    ['test', '954d5a49fd70d9b8bcdb35d252267829957f7ef7fa6c74f88419bdc5e82209f4'],
  ])('password %j gives composite %s', (pw, want) => {
    expect(Buffer.from(composite(pw)).toString('hex')).toBe(want);
  });
});

describe('gzip written part by part', () => {
  test('inflates (zlib and Python) to the parts in order, for any cut, and wipes what it was given', () => {
    const cuts = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 600_000, max: 1_300_000 })), { maxLength: 6 });
    fc.assert(fc.property(cuts, fc.integer(), (sizes, seed) => {
      // Compressible text with some noise, like XML.
      const parts = sizes.map((n, i) => Buffer.from(Array.from({ length: n }, (_, j) => ((j * 7 + seed + i) % 97 === 0 ? 'x' : '<Entry/>\n'[j % 9])).join('')));
      const whole = Buffer.concat(parts);
      const stream = new GzipStream();
      const given = parts.map((p) => Buffer.from(p));
      for (const p of given) stream.write(p);
      const gz = Buffer.from(stream.end());
      expect(gunzipSync(gz).equals(whole)).toBe(true);
      expect(given.every((p) => p.every((b) => b === 0))).toBe(true);
    }), { numRuns: 25 });
    // Another inflater than Node's own: Python's gzip module.
    const stream = new GzipStream();
    for (let i = 0; i < 3; i++) stream.write(Buffer.from(`part ${i} `.repeat(200_000)));
    const py = spawnSync('python3', ['-c', 'import gzip,sys; sys.stdout.write(str(len(gzip.decompress(sys.stdin.buffer.read()))))'], { input: Buffer.from(stream.end()), encoding: 'utf8' });
    expect(py.stdout).toBe(String(3 * 7 * 200_000));
  });
});

describe('inflating a payload', () => {
  const xml = Buffer.from(Array.from({ length: 300_000 }, (_, i) => `<Entry>${i}</Entry>\n`).join(''));
  const gz = gzipSync(xml, { level: 3 });

  test('on this thread and on the threadpool: the same bytes, in one buffer sized by the trailer', async () => {
    const here = gunzip(gz, 64 * 1024 * 1024);
    const pool = await gunzipInBackground(gz, 64 * 1024 * 1024);
    expect(Buffer.from(here).equals(xml)).toBe(true);
    expect(Buffer.from(pool).equals(xml)).toBe(true);
    // Sized by the trailer: no 16 KiB pieces joined by a copy (the copy had left its result at offset 0 of a fresh buffer of exactly its size).
    expect(pool.buffer.byteLength).toBeGreaterThan(xml.length);
  });

  test('the same refusals either way: a claim over the cap before inflating, a lying trailer, a cap reached', async () => {
    const lying = Buffer.from(gz);
    lying.writeUInt32LE(1000, lying.length - 4);
    const cases: [Uint8Array, number, RegExp][] = [
      [gz, xml.length - 1, /decompressed payload too large/],
      [lying, 64 * 1024 * 1024, /gzip-compressed payload is damaged/],
      [lying, xml.length / 2, /decompressed payload too large/],
    ];
    for (const [data, cap, err] of cases) {
      expect(() => gunzip(data, cap)).toThrow(err);
      await expect(gunzipInBackground(data, cap)).rejects.toThrow(err);
      expect(() => gunzip(data, cap)).toThrow(CorruptFileError);
    }
  });
});
