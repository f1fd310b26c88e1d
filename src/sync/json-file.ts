/** Small JSON state files, written crash-safely (temp, fsync, rename, fsync dir). */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../config/index.js';

/** The parsed file, or undefined when it is missing or not valid JSON (state we can rebuild). */
export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
