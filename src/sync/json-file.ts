/** Small JSON state files: read bounded and never through a symlink, written crash-safely (temp, fsync, rename, fsync dir). */
import { readRegularFile, writeFileAtomic } from '../config/index.js';

/** State files are small; anything larger is not ours. */
export const JSON_LIMIT = 1024 * 1024;

/** The parsed file, or undefined when it is missing, refused (a link, a FIFO, too large) or not valid JSON (state we can rebuild). */
export function readJson<T>(path: string, maxBytes = JSON_LIMIT): T | undefined {
  try {
    return parseJson<T>(readRegularFile(path, { maxBytes, what: 'state file' }));
  } catch {
    return undefined;
  }
}

export function parseJson<T>(bytes: Uint8Array): T | undefined {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

export const jsonText = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';

export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, jsonText(value));
}
