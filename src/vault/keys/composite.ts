/**
 * KeePass composite key (docs/kdbx.md §5): SHA-256(passwordComponent? ‖
 * keyfileComponent?). An empty password is a real component (SHA-256 of
 * nothing), distinct from no password at all.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../../errors/index.js';

/** SHA-256 of the UTF-8 password bytes. */
export function passwordComponent(passwordUtf8: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(passwordUtf8).digest());
}

/** Inputs are the already-hashed components; password first, keyfile second, as every KeePass program does. */
export function compositeKey(parts: { password?: Uint8Array; keyfile?: Uint8Array }): Uint8Array {
  if (!parts.password && !parts.keyfile) throw new UsageError('a master password or a keyfile is required');
  const h = createHash('sha256');
  if (parts.password) h.update(parts.password);
  if (parts.keyfile) h.update(parts.keyfile);
  return new Uint8Array(h.digest());
}
