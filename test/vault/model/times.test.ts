import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatTime, parseTime } from '../../../src/vault/model/index.js';

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

  it('reads what is neither form as year 1, as KeePassXC does', () => {
    for (const text of ['', 'not a time', 'AAAAAAAAAA-=', '////////////']) expect(parseTime(text).getTime()).toBe(yearOne());
  });
});
