/**
 * HibpFile: the search over a Pwned Passwords file ordered by hash
 * finds exactly what a linear scan finds, with a logarithmic number of reads,
 * and refuses files it cannot search (ordered by prevalence, not HIBP).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HibpFile } from '../../src/audit/index.js';
import { tempDir } from '../helpers/tools.js';
import { writeHibpFile } from '../helpers/hibp.mjs';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex').toUpperCase();
let dir: string;
let cleanup: () => void;
let path: string;
const planted = new Map<string, number>();
const LINES = 300_000;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-hibp-'));
  path = join(dir, 'pwned.txt');
  for (let i = 0; i < 500; i++) planted.set(randomBytes(20).toString('hex').toUpperCase(), 1 + i);
  planted.set('0'.repeat(40), 11); // before every generated line
  planted.set('F'.repeat(40), 12); // after every generated line
  planted.set(sha1('password1'), 2_400_000);
  writeHibpFile(path, { lines: LINES, seed: 42, include: planted });
});
afterAll(() => cleanup?.());

describe('HibpFile', () => {
  test('finds every planted hash with its count, the first and the last line included, in few reads', () => {
    const f = HibpFile.open(path);
    try {
      // Never more reads than a binary search (one per halving down to a 4 KiB window, then the window) …
      const maxReads = 2 * Math.ceil(Math.log2(f.size / 4096)) + 3;
      const start = f.reads;
      for (const [h, count] of planted) {
        const before = f.reads;
        expect(f.count(h.toLowerCase())).toBe(count);
        expect(f.reads - before).toBeLessThanOrEqual(maxReads);
      }
      // … and on average far fewer: the interpolation lands next to the hash (bisection would take ~13 here).
      expect((f.reads - start) / planted.size).toBeLessThan(8);
    } finally {
      f.close();
    }
  });

  test('agrees with a linear scan: every line of a sample present, random and neighbouring hashes absent', () => {
    const lines = readFileSync(path, 'latin1').split('\r\n').filter(Boolean);
    const all = new Map(lines.map((l) => [l.slice(0, 40), Number(l.slice(41))]));
    const f = HibpFile.open(path);
    try {
      for (let i = 0; i < lines.length; i += 997) expect(f.count(lines[i].slice(0, 40))).toBe(all.get(lines[i].slice(0, 40)));
      for (let i = 0; i < 2000; i++) {
        const h = randomBytes(20).toString('hex').toUpperCase();
        expect(f.count(h)).toBe(all.get(h) ?? 0);
      }
      // A hash one above an existing line sorts right after it: absent (unless the file has it).
      for (let i = 5; i < lines.length; i += 4999) {
        const next = (BigInt(`0x${lines[i].slice(0, 40)}`) + 1n).toString(16).toUpperCase().padStart(40, '0');
        expect(f.count(next)).toBe(all.get(next) ?? 0);
      }
    } finally {
      f.close();
    }
  });

  test('LF line ends work as well as CRLF', () => {
    const lf = join(dir, 'lf.txt');
    writeFileSync(lf, readFileSync(path, 'latin1').slice(0, 2_000_000).replace(/\r\n[^\r\n]*$/, '\r\n').replace(/\r\n/g, '\n'), 'latin1');
    const f = HibpFile.open(lf);
    try {
      expect(f.count('0'.repeat(40))).toBe(11);
    } finally {
      f.close();
    }
  });

  test('a file ordered by prevalence, and a file that is not HIBP, are refused with a one-line reason', () => {
    const lines = readFileSync(path, 'latin1').split('\r\n').filter(Boolean).slice(0, 50_000);
    const shuffled = join(dir, 'prevalence.txt');
    writeFileSync(shuffled, lines.sort((a, b) => Number(b.slice(41)) - Number(a.slice(41))).join('\r\n') + '\r\n');
    expect(() => HibpFile.open(shuffled)).toThrow(/not ordered by hash .*ordered by prevalence/);
    const other = join(dir, 'other.txt');
    writeFileSync(other, 'hello world\n'.repeat(1000));
    expect(() => HibpFile.open(other)).toThrow(/is not a Pwned Passwords SHA-1 file/);
    expect(() => HibpFile.open(join(dir, 'missing.txt'))).toThrow(/does not exist/);
  });
});
