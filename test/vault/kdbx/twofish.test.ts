/** Twofish against Schneier's published known answers, and CBC against pykeepass's independent implementation. */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Twofish, twofishCbcEncrypt, twofishCbcDecryptRaw } from '../../../src/vault/kdbx/twofish.js';
import { ROOT, pykeepass } from '../../helpers/tools.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const vectors = (name: string) => JSON.parse(readFileSync(join(ROOT, 'test', 'vectors', name), 'utf8'));

function ecb(key: Uint8Array, block: Uint8Array, decrypt = false): string {
  const out = new Uint8Array(16);
  const tf = new Twofish(key);
  if (decrypt) tf.decryptBlock(block, 0, out, 0);
  else tf.encryptBlock(block, 0, out, 0);
  return Buffer.from(out).toString('hex').toUpperCase();
}

describe('Twofish block cipher', () => {
  const tbl = vectors('twofish-ecb-tbl.json');
  for (const bits of ['128', '192', '256']) {
    it(`runs the whole ECB_TBL chain for ${bits}-bit keys (I = 1..49) through every published value`, () => {
      const published = new Map<number, { KEY: string; PT: string; CT: string }>(tbl.tests[bits].map((t: { I: number }) => [t.I, t]));
      const n = Number(bits) / 8;
      let key = new Uint8Array(n);
      let pt = new Uint8Array(16);
      let checked = 0;
      for (let i = 1; i <= 49; i++) {
        const ct = ecb(key, pt);
        const want = published.get(i);
        if (want) {
          expect(Buffer.from(key).toString('hex').toUpperCase()).toBe(want.KEY);
          expect(Buffer.from(pt).toString('hex').toUpperCase()).toBe(want.PT);
          expect(ct).toBe(want.CT);
          expect(ecb(key, hex(want.CT), true)).toBe(want.PT);
          checked++;
        }
        const nextKey = new Uint8Array(n);
        nextKey.set(pt.subarray(0, Math.min(16, n)));
        if (n > 16) nextKey.set(key.subarray(0, n - 16), 16);
        key = nextKey;
        pt = hex(ct);
      }
      expect(checked).toBe(12);
    });
  }

  for (const t of vectors('twofish-ecb-ival.json').tests) {
    it(`${t.name}: encrypts and decrypts the published block`, () => {
      expect(ecb(hex(t.KEY), hex(t.PT))).toBe(t.CT);
      expect(ecb(hex(t.KEY), hex(t.CT), true)).toBe(t.PT);
    });
  }

  it('refuses a key of another length', () => {
    expect(() => new Twofish(new Uint8Array(20))).toThrow(/16, 24 or 32 bytes/);
  });
});

describe('Twofish-CBC', () => {
  it('matches pykeepass (its own pure-Python Twofish) both ways, PKCS#7 padded', () => {
    const key = randomBytes(32);
    const iv = randomBytes(16);
    for (const len of [0, 1, 15, 16, 17, 1000]) {
      const plain = randomBytes(len);
      const ours = twofishCbcEncrypt(key, iv, plain);
      expect(ours.length).toBe(len + 16 - (len % 16));
      const r = pykeepass(`
import sys
from pykeepass.kdbx_parsing.twofish import Twofish
key, iv, plain, ct = (bytes.fromhex(a) for a in sys.argv[1:5])
pad = 16 - len(plain) % 16
theirs = Twofish.new(key, mode=Twofish.MODE_CBC, IV=iv).encrypt(plain + bytes([pad]) * pad)
back = Twofish.new(key, mode=Twofish.MODE_CBC, IV=iv).decrypt(ct)
print(theirs.hex(), back.hex())
`, [key, iv, plain, ours].map((b) => Buffer.from(b).toString('hex')));
      expect(r.status, r.stderr).toBe(0);
      const [theirs, back] = r.stdout.trim().split(' ');
      expect(theirs).toBe(Buffer.from(ours).toString('hex'));
      const ourBack = twofishCbcDecryptRaw(key, iv, ours);
      expect(Buffer.from(ourBack).toString('hex')).toBe(back);
      expect(Buffer.from(ourBack.subarray(0, len)).equals(plain)).toBe(true);
    }
  });
});
