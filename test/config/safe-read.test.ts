import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, symlinkSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRegularFile, SafeReadError } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'stv-safe-read-'));
const problem = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SafeReadError);
    return (e as SafeReadError).problem;
  }
  throw new Error('no error');
};

describe('readRegularFile', () => {
  it('reads a regular file whole, and refuses one over the bound before reading it', () => {
    writeFileSync(join(dir, 'a'), 'hello');
    expect(readRegularFile(join(dir, 'a'), { maxBytes: 5 }).toString()).toBe('hello');
    expect(problem(() => readRegularFile(join(dir, 'a'), { maxBytes: 4 }))).toBe('too-large');
  });

  it('refuses a symlink unless told to follow it', () => {
    symlinkSync(join(dir, 'a'), join(dir, 'link'));
    expect(problem(() => readRegularFile(join(dir, 'link'), { maxBytes: 100 }))).toBe('symlink');
    expect(readRegularFile(join(dir, 'link'), { maxBytes: 100, follow: true }).toString()).toBe('hello');
  });

  it('refuses a FIFO without hanging, a directory, /dev/zero and a missing file', () => {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(problem(() => readRegularFile(join(dir, 'fifo'), { maxBytes: 100 }))).toBe('not-regular');
    mkdirSync(join(dir, 'd'));
    expect(problem(() => readRegularFile(join(dir, 'd'), { maxBytes: 100 }))).toBe('not-regular');
    expect(problem(() => readRegularFile('/dev/zero', { maxBytes: 100, follow: true }))).toBe('not-regular');
    expect(problem(() => readRegularFile(join(dir, 'nope'), { maxBytes: 100 }))).toBe('missing');
  });
});
