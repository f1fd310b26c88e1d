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
import { Vault, kdfFingerprint, type DecryptedAhead, type KeySource } from '../vault/index.js';
import { LockedError } from '../errors/index.js';

/** `lazy`: skim the entries on open and read each on first use (format/lazy-entry.ts). */
export interface OpenHow {
  lazy?: boolean;
}

export interface SyncKeys {
  open(bytes: Uint8Array, how?: OpenHow): Promise<Vault>;
  /**
   * A file open() will be asked for soon: once a key for its KDF is at hand
   * (from the first open), it is decrypted and inflated on libuv's threadpool
   * while the main thread parses the files before it. Never asks for a key.
   */
  prefetch(bytes: Uint8Array): void;
  /** Prime with a key already at hand (e.g. from a session just opened). */
  add(key: DerivedKey): void;
  close(): void;
}

interface Ahead {
  key: DerivedKey;
  decrypted: DecryptedAhead;
}

export function syncKeys(source: KeySource, o: { allowSlowKdf?: boolean } = {}): SyncKeys {
  const byFingerprint = new Map<string, DerivedKey>();
  let creds: Credentials | undefined;
  let askedHolder = !source.heldKey;
  // Prefetches waiting for a key for their KDF, and the files made ready (or being made ready).
  const waiting = new Map<string, ((key: DerivedKey | undefined) => void)[]>();
  const ahead = new Map<Uint8Array, Promise<Ahead | undefined>>();
  const keyAtHand = (fp: string, key: DerivedKey) => {
    for (const resolve of waiting.get(fp) ?? []) resolve(key);
    waiting.delete(fp);
  };
  const keyFor = (fp: string) => {
    const known = byFingerprint.get(fp);
    if (known) return Promise.resolve(known);
    return new Promise<DerivedKey | undefined>((resolve) => waiting.set(fp, [...(waiting.get(fp) ?? []), resolve]));
  };
  // A file that does not decrypt is opened the ordinary way, which throws its error in its place.
  const decryptAhead = (bytes: Uint8Array, key: DerivedKey): Promise<Ahead | undefined> =>
    Vault.decryptAhead(bytes, key).then((decrypted) => ({ key, decrypted }), () => undefined);
  const fingerprintOf = (bytes: Uint8Array) => kdfFingerprint(Vault.header(bytes).kdf);
  return {
    prefetch(bytes) {
      if (ahead.has(bytes)) return;
      let fp: string;
      try {
        fp = fingerprintOf(bytes);
      } catch {
        return; // open() reports a bad header
      }
      ahead.set(bytes, keyFor(fp).then((key) => (key ? decryptAhead(bytes, key) : undefined)));
    },
    async open(bytes, how = {}) {
      const readAll = !how.lazy;
      const fp = fingerprintOf(bytes);
      if (!byFingerprint.has(fp) && !askedHolder) {
        askedHolder = true;
        const k = await source.heldKey!();
        if (k) byFingerprint.set(k.kdfFingerprint, k);
      }
      let key = byFingerprint.get(fp);
      const derived = !key;
      if (!key) {
        if (!source.credentials) throw new LockedError('no key is held for this vault');
        creds ??= await source.credentials();
        key = await Vault.deriveKeyFor(bytes, creds, { allowSlowKdf: o.allowSlowKdf });
      }
      // Files waiting for this key start decrypting now; this one is inflated off the main thread
      // too, so they start before its parse, not after.
      keyAtHand(fp, key);
      const pending = ahead.get(bytes);
      ahead.delete(bytes);
      const ready = await (pending ?? decryptAhead(bytes, key));
      const decrypted = ready?.key === key ? ready.decrypted : undefined;
      if (ready && !decrypted) Vault.discardAhead(ready.decrypted);
      try {
        const vault = await Vault.open(bytes, key, { readAll, decrypted });
        // Kept only once it opened a file, as before: a key that opens nothing is not reused.
        if (derived) byFingerprint.set(fp, key);
        return vault;
      } catch (e) {
        if (derived) key.wipe();
        throw e;
      }
    },
    add(key) {
      byFingerprint.set(key.kdfFingerprint, key);
      keyAtHand(key.kdfFingerprint, key);
    },
    close() {
      for (const resolve of [...waiting.values()].flat()) resolve(undefined);
      waiting.clear();
      for (const p of ahead.values()) void p.then((a) => a && Vault.discardAhead(a.decrypted));
      ahead.clear();
      for (const k of byFingerprint.values()) k.wipe();
      creds?.wipe();
    },
  };
}
