/**
 * The secret types own their bytes in ArrayBuffers of their own, outside V8's heap (issue 18: a typed array
 * of ≤ 64 bytes lives inside the heap, where a collection can move it and leave a copy the zeroing misses),
 * take ownership of what they are given (zeroing it), and wipe on dispose (`using`).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Credentials, DerivedKey, ProtectedValue, SecretBytes, secureAlloc, utf8 } from '../../src/secret/index.js';

/** Off the heap: its own ArrayBuffer, larger than V8's 64-byte on-heap limit (the view may be shorter). */
const offHeap = (b: Uint8Array) => b.buffer.byteLength > 64;

describe('the secret types', () => {
  it('secureAlloc gives zeroed bytes in a buffer of their own, off the heap, whatever the size', () => {
    for (const n of [0, 1, 32, 64, 65, 1000]) {
      const b = secureAlloc(n);
      expect([b.length, b.byteOffset, offHeap(b), b.every((x) => x === 0)]).toEqual([n, 0, true, true]);
    }
  });

  it('Credentials, DerivedKey and SecretBytes move what they are given off the heap and zero the original', () => {
    const pw = Uint8Array.from([1, 2, 3]);
    const kf = new Uint8Array(32).fill(7);
    const c = new Credentials({ password: pw, keyfile: kf });
    expect([pw.every((x) => x === 0), kf.every((x) => x === 0)]).toEqual([true, true]);
    expect([Array.from(c.password!), c.keyfile!.length, offHeap(c.password!), offHeap(c.keyfile!)]).toEqual([[1, 2, 3], 32, true, true]);
    const copy = c.clone();
    c.wipe();
    expect(() => c.password).toThrow(/after wipe/);
    expect([Array.from(copy.password!), offHeap(copy.keyfile!)]).toEqual([[1, 2, 3], true]);

    const t = new Uint8Array(32).fill(9);
    const k = new DerivedKey(t, 'fp');
    expect([t.every((x) => x === 0), k.transformed.every((x) => x === 9), offHeap(k.transformed), offHeap(k.clone().transformed)]).toEqual([true, true, true, true]);
    const kept = new Uint8Array(32).fill(5);
    expect([offHeap(DerivedKey.copyOf(kept, 'fp').transformed), kept[0]]).toEqual([true, 5]);

    const s = new SecretBytes(Uint8Array.of(4, 5));
    expect([Array.from(s.bytes), offHeap(s.bytes), offHeap(s.clone().bytes), offHeap(SecretBytes.fromText('pw').bytes)]).toEqual([[4, 5], true, true, true]);
    expect([String(k), String(s), JSON.stringify({ c: copy })]).toEqual(['[key]', '[secret]', '{"c":"[credentials]"}']);
  });

  it('a `using` declaration wipes the key when its scope ends, also on a throw', () => {
    let seen: Uint8Array | undefined;
    let key: DerivedKey | undefined;
    expect(() => {
      using k = new DerivedKey(new Uint8Array(32).fill(3), 'fp');
      key = k;
      seen = k.transformed;
      throw new Error('boom');
    }).toThrow('boom');
    expect(seen!.every((x) => x === 0)).toBe(true);
    expect(() => key!.transformed).toThrow(/after wipe/);
    {
      using c = new Credentials({ password: utf8('pw') });
      seen = c.password;
    }
    expect(seen!.every((x) => x === 0)).toBe(true);
  });

  it('ProtectedValue hands out plaintext copies off the heap; utf8() encodes as TextEncoder does, off the heap', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
      const want = new TextEncoder().encode(text);
      const b = utf8(text);
      expect(Buffer.from(b)).toEqual(Buffer.from(want));
      expect(offHeap(b)).toBe(true);
      const v = ProtectedValue.fromString(text);
      const plain = v.getBytes();
      expect([Buffer.from(plain).equals(Buffer.from(want)), offHeap(plain), v.getText() === new TextDecoder().decode(want)]).toEqual([true, true, true]);
    }), { numRuns: 300, examples: [[''], ['p\u00e4ss \u2603']] });
  });
});
