import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BASE64, decodeBase64Into, decodedLength, encodeBase64 } from '../../../src/vault/format/base64.js';

describe('base64 as KDBX XML holds bytes', () => {
  it('encodes any bytes as Buffer does, and decodes that text back into as many bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const text = encodeBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(BASE64.test(text)).toBe(true);
      expect(decodedLength(text)).toBe(bytes.length);
      const out = new Uint8Array(bytes.length).fill(0xaa);
      expect(decodeBase64Into(text, out)).toBe(true);
      expect(out).toEqual(bytes);
    }), { numRuns: 1000 });
  });

  it('decodes by hand only padded base64 of exactly the asked length, and then as Buffer does', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ é\n';
    fc.assert(fc.property(fc.array(fc.constantFrom(...alphabet), { minLength: 10, maxLength: 14 }).map((cs) => cs.join('')), (text) => {
      const out = new Uint8Array(8);
      const canonical = text.length === 12 && /^[A-Za-z0-9+/]{11}=$/.test(text);
      expect(decodeBase64Into(text, out)).toBe(canonical);
      if (canonical) expect(Buffer.from(out)).toEqual(Buffer.from(text, 'base64'));
    }), { numRuns: 3000 });
    expect(decodeBase64Into('AAAAAAAAAAAAAAAAAAAAAA==', new Uint8Array(8))).toBe(false);
    expect(decodeBase64Into('AAAAAAAAAAA=', new Uint8Array(16))).toBe(false);
  });
});
