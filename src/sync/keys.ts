/**
 * The vault key for a sync, fetched only when a merge needs it: the held
 * (agent's) key first, else the credentials from the key source, read once.
 * A copy re-saved by KeePassXC has a new KDF salt, so the held key no longer
 * fits it; then the credentials are read after all, and each distinct KDF runs once.
 * Every entry is read on open (a merge compares them all), except where the
 * caller asks for a lazy read: a base, of which a merge reads only the
 * entries the copies disagree on.
 */
import type { Credentials, DerivedKey } from '../secret/index.js';
import { Vault, kdfFingerprint, type KeySource } from '../vault/index.js';
import { LockedError } from '../errors/index.js';

/** `lazy`: skim the entries on open and read each on first use (format/lazy-entry.ts). */
export interface OpenHow {
  lazy?: boolean;
}

export interface SyncKeys {
  open(bytes: Uint8Array, how?: OpenHow): Promise<Vault>;
  /** Prime with a key already at hand (e.g. from a session just opened). */
  add(key: DerivedKey): void;
  close(): void;
}

export function syncKeys(source: KeySource, o: { allowSlowKdf?: boolean } = {}): SyncKeys {
  const byFingerprint = new Map<string, DerivedKey>();
  let creds: Credentials | undefined;
  let askedHolder = !source.heldKey;
  return {
    async open(bytes, how = {}) {
      const readAll = !how.lazy;
      const fp = kdfFingerprint(Vault.header(bytes).kdf);
      if (!byFingerprint.has(fp) && !askedHolder) {
        askedHolder = true;
        const k = await source.heldKey!();
        if (k) byFingerprint.set(k.kdfFingerprint, k);
      }
      const known = byFingerprint.get(fp);
      if (known) return Vault.open(bytes, known, { readAll });
      if (!source.credentials) throw new LockedError('no key is held for this vault');
      creds ??= await source.credentials();
      const vault = await Vault.open(bytes, creds, { allowSlowKdf: o.allowSlowKdf, readAll });
      byFingerprint.set(fp, vault.derivedKey());
      return vault;
    },
    add(key) {
      byFingerprint.set(key.kdfFingerprint, key);
    },
    close() {
      for (const k of byFingerprint.values()) k.wipe();
      creds?.wipe();
    },
  };
}
