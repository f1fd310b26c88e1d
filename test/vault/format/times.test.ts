import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatTime, parseTime } from '../../../src/vault/format/times.js';

const EPOCH_OFFSET_S = 62_135_596_800n;
const yearOne = () => {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  return d.getTime();
};

/** The 4.x form the slow way: base64 of a little-endian int64 of seconds since 0001-01-01. */
function viaBigInt(seconds: bigint): number {
  const ms = Number(seconds - EPOCH_OFFSET_S) * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : yearOne();
}

describe('KDBX times', () => {
  it('reads 4.x binary times as the int64 they encode, for any 8 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        const b = Buffer.from(bytes);
        expect(parseTime(b.toString('base64')).getTime()).toBe(viaBigInt(b.readBigInt64LE(0)));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes 4.x binary times as base64 of the int64 LE, for any date a Date can hold', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8_640_000_000_000, max: 8_640_000_000_000 }), fc.boolean(), (s, twice) => {
        const d = new Date(s * 1000);
        const want = Buffer.alloc(8);
        want.writeBigInt64LE(BigInt(s) + EPOCH_OFFSET_S);
        if (twice) formatTime(d, true); // the one-entry memo must give the same
        expect(formatTime(d, true)).toBe(want.toString('base64'));
      }),
      { numRuns: 3000 },
    );
    expect(() => formatTime(new Date(NaN), true)).toThrow(RangeError);
  });

  it('round-trips whole-second dates in both forms', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }), (s) => {
        const d = new Date(s * 1000);
        expect(parseTime(formatTime(d, true)).getTime()).toBe(d.getTime());
        expect(parseTime(formatTime(d, false)).getTime()).toBe(d.getTime());
      }),
      { numRuns: 500 },
    );
  });

  it('reads 3.x text times exactly as Date does, for any YYYY-MM-DDTHH:MM:SSZ text (out-of-range fields included)', () => {
    const n = (max: number, width: number) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(width, '0'));
    fc.assert(
      fc.property(n(9999, 4), n(13, 2), n(32, 2), n(25, 2), n(60, 2), n(60, 2), (y, mo, d, h, mi, s) => {
        const text = `${y}-${mo}-${d}T${h}:${mi}:${s}Z`;
        const want = new Date(text).getTime();
        expect(parseTime(text).getTime()).toBe(Number.isNaN(want) ? yearOne() : want);
      }),
      { numRuns: 5000 },
    );
    for (const text of ['2024-02-29T23:59:59Z', '2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '0099-12-31T00:00:00Z']) {
      const want = new Date(text).getTime();
      expect(parseTime(text).getTime(), text).toBe(Number.isNaN(want) ? yearOne() : want);
    }
  });

  it('reads what is neither form as year 1, as KeePassXC does', () => {
    for (const text of ['', 'not a time', 'AAAAAAAAAA-=', '////////////']) expect(parseTime(text).getTime()).toBe(yearOne());
  });
});
