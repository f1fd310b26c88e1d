/**
 * Conflict copies beside a copy of a vault (conflict-names.ts says which
 * names): each one is one more input of the sync's merge, read like
 * everything else in a directory someone else's tool writes to — through
 * StickFs, bounded, never through a link — and never written. Once the
 * result is safely in the copy beside it, it is moved (never deleted) into
 * .stickvault/merged-conflicts/ under that copy's root.
 */
import { dirname, join, normalize } from 'node:path';
import { sha256Hex } from '../vault/index.js';
import { StickFs } from './confined.js';
import { conflictNames } from './conflict-names.js';
import { STICK_DIR, STICK_VAULT_LIMIT } from './sticks.js';
import type { CopyRef } from './copies.js';

export const MERGED_CONFLICTS = `${STICK_DIR}/merged-conflicts`;

/**
 * The conflict copies of `rel` (a vault file, relative to `fs`'s root) that
 * lie beside it, as input-only copies of `beside`. `skip(path)` leaves out a
 * file known to be something else (another configured vault).
 */
export function conflictCopiesBeside(fs: StickFs, rel: string, beside: CopyRef, skip: (path: string) => boolean = () => false): CopyRef[] {
  const dir = dirname(normalize(rel));
  let names: string[];
  try {
    names = fs.list(dir);
  } catch {
    return []; // the copy itself reports what is wrong with its directory
  }
  return conflictNames(normalize(rel).split('/').pop()!, names)
    .filter(({ name }) => !skip(fs.path(join(dir, name))))
    .map(({ name, tool }) => {
      const relc = join(dir, name);
      return {
        kind: 'conflict' as const,
        label: `${beside.label}: ${name}`,
        path: fs.path(relc),
        read() {
          if (!fs.lstat(relc)) return undefined;
          const bytes = fs.read(relc, STICK_VAULT_LIMIT, 'conflict copy');
          return { bytes, stamp: { size: bytes.length, mtimeMs: 0, sha256: sha256Hex(bytes) } };
        },
        readBase: () => undefined,
        write: async () => {
          throw new Error('a conflict copy is never written');
        },
        writeBase: () => undefined,
        hint: () => undefined,
        writeSidecar: () => undefined,
        conflict: { beside: beside.label, tool, setAside: () => fs.path(fs.moveInto(relc, MERGED_CONFLICTS)) },
      };
    });
}
