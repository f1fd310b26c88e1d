/**
 * KeePass composite key (docs/kdbx.md §5): SHA-256(passwordComponent? ‖
 * keyfileComponent?). An empty password is a real component (SHA-256 of
 * nothing), distinct from no password at all.
 */
import { secretDigest } from '../../secret/index.js';
import { UsageError } from '../../errors/index.js';

/** SHA-256 of the UTF-8 password bytes, off the heap (secretDigest); the caller wipes it. */
export function passwordComponent(passwordUtf8: Uint8Array): Uint8Array {
  return secretDigest('sha256', passwordUtf8);
}

/** Inputs are the already-hashed components; password first, keyfile second, as every KeePass program does. */
export function compositeKey(parts: { password?: Uint8Array; keyfile?: Uint8Array }): Uint8Array {
  if (!parts.password && !parts.keyfile) throw new UsageError('a master password or a keyfile is required');
  return secretDigest('sha256', ...[parts.password, parts.keyfile].filter((p): p is Uint8Array => p !== undefined));
}
