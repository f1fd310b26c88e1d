import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { uuidFromBase64, uuidToBase64 } from '../../../src/vault/format/uuid.js';

const viaBuffer = (s: string) => {
  const b = Buffer.from(s, 'base64');
  return b.length === 16 ? b.toString('hex') : undefined;
};

describe('UUIDs', () => {
  it('read from base64 as Buffer reads them: canonical, non-zero padding bits, and anything odd', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
      const b64 = Buffer.from(bytes).toString('base64');
      expect(uuidFromBase64(b64)).toBe(Buffer.from(bytes).toString('hex'));
      expect(uuidToBase64(uuidFromBase64(b64)!)).toBe(b64);
    }), { numRuns: 500 });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ é\n';
    const odd = fc.array(fc.constantFrom(...alphabet), { minLength: 20, maxLength: 26 }).map((cs) => cs.join(''));
    const padded = fc.array(fc.constantFrom(...alphabet), { minLength: 22, maxLength: 22 }).map((cs) => cs.join('') + '==');
    fc.assert(fc.property(fc.oneof(odd, padded), (s) => {
      expect(uuidFromBase64(s)).toBe(viaBuffer(s));
    }), { numRuns: 3000 });
    expect(uuidFromBase64('')).toBeUndefined();
  });
});
