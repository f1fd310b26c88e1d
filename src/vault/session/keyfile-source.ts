/** Reading a keyfile from disk: a regular file only (not /dev/zero, a FIFO or a directory), bounded. */
import { readRegularFile, SafeReadError } from '../../config/index.js';
import { UsageError } from '../../errors/index.js';

/** KeePassXC accepts any file as a keyfile (hashed when not a key format); none of ours is near this. */
export const MAX_KEYFILE_BYTES = 64 * 1024 * 1024;

export function readKeyfile(path: string): Uint8Array {
  try {
    return readRegularFile(path, { maxBytes: MAX_KEYFILE_BYTES, follow: true, what: 'keyfile' });
  } catch (e) {
    if (!(e instanceof SafeReadError)) throw e;
    const kind = /\((a [a-zA-Z ]+)\)/.exec(e.message)?.[1];
    const reason = e.problem === 'missing' ? 'no such file' : kind === 'a directory' || /is a directory/.test(e.message) ? 'it is a directory' : e.problem === 'not-regular' ? `not a regular file (${kind ?? 'special'}); refusing to read it` : e.message;
    throw new UsageError(`cannot read keyfile ${path}: ${reason}`);
  }
}
