import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { ProtectedValue } from '../../src/secret/index.js';

// Sizes on both sides of the slab limit (values up to 1 KiB share 64 KiB slabs, larger ones get their own buffer).
const bytes = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 1000, maxLength: 1100 }));

describe('ProtectedValue', () => {
  it('gives back what it was made from, whichever way it was made, and never shares its input', () => {
    fc.assert(fc.property(bytes, (plain) => {
      const input = Uint8Array.from(plain);
      const a = ProtectedValue.fromBytes(input);
      const stream = randomBytes(plain.length + 7);
      const xored = plain.map((b, i) => b ^ stream[i]);
      const b = ProtectedValue.fromXored(xored, stream);
      input.fill(1);
      xored.fill(1);
      stream.fill(1);
      for (const v of [a, b]) {
        expect(v.byteLength).toBe(plain.length);
        expect(Buffer.from(v.getBytes())).toEqual(Buffer.from(plain));
      }
      expect(a.equals(b)).toBe(true);
    }), { numRuns: 300 });
  });

  it('wipes only itself: neighbours carved from the same slab and clones keep their bytes', () => {
    const texts = ['first secret', 'second', 'third, a bit longer', 'pw'];
    const values = texts.map((t) => {
      const plain = Buffer.from(t);
      const stream = randomBytes(plain.length);
      return ProtectedValue.fromXored(plain.map((b, i) => b ^ stream[i]), stream);
    });
    const clone = values[1].clone();
    values[1].wipe();
    expect(Buffer.from(values[1].getBytes())).toEqual(Buffer.alloc(texts[1].length));
    expect(clone.getText()).toBe('second');
    expect(values.filter((_, i) => i !== 1).map((v) => v.getText())).toEqual(texts.filter((_, i) => i !== 1));
    expect(ProtectedValue.fromString('éé').equals(ProtectedValue.fromString('ée'))).toBe(false);
    expect(String(clone)).toBe('[protected]');
    expect(JSON.stringify({ clone })).toBe('{"clone":"[protected]"}');
  });
});
