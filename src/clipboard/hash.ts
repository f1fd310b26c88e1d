/** Salted hashes of clipboard contents: the purge helper compares, it never holds the value. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ValueHash {
  salt: string;
  hash: string;
}

export function hashValue(value: string, salt = randomBytes(16).toString('base64')): ValueHash {
  return { salt, hash: createHash('sha256').update(salt).update('\0').update(value).digest('base64') };
}

export function matches(value: string, h: ValueHash): boolean {
  const got = Buffer.from(hashValue(value, h.salt).hash, 'base64');
  const want = Buffer.from(h.hash, 'base64');
  return got.length === want.length && timingSafeEqual(got, want);
}
