/**
 * The vault key for a sync, fetched only when a merge needs it: the agent's
 * key first (unless a password source was given), else the credentials from
 * the usual sources, read once. A copy re-saved by KeePassXC has a new KDF
 * salt, so the agent's key no longer fits it; then the credentials are read
 * after all, and each distinct KDF runs once.
 */
import type { ResolvedVault } from '../config/index.js';
import { wipe } from '../secret/index.js';
import { Vault, kdfFingerprint, type Credentials, type DerivedKey } from '../vault/index.js';
import type { GlobalOptions } from './runtime.js';
import { readCredentials, wipeCredentials, type AskOptions } from './session.js';
import * as agent from './agent-link.js';

export interface SyncKeys {
  open(bytes: Uint8Array): Promise<Vault>;
  /** Prime with a key already at hand (e.g. from a session just opened). */
  add(key: DerivedKey): void;
  close(): void;
}

export function syncKeys(opts: GlobalOptions, ref: ResolvedVault, ask: AskOptions = {}): SyncKeys {
  const byFingerprint = new Map<string, DerivedKey>();
  let creds: Credentials | undefined;
  let askedAgent = opts.passwordFile !== undefined || opts.passwordFd !== undefined || !opts.agent;
  return {
    async open(bytes) {
      const fp = kdfFingerprint(Vault.header(bytes).kdf);
      if (!byFingerprint.has(fp) && !askedAgent) {
        askedAgent = true;
        const k = await agent.getKey(ref.path);
        if (k) byFingerprint.set(k.kdfFingerprint, k);
      }
      const known = byFingerprint.get(fp);
      if (known) return Vault.open(bytes, known);
      creds ??= await readCredentials(opts, ref, ask);
      const vault = await Vault.open(bytes, creds, { allowSlowKdf: opts.allowSlowKdf });
      byFingerprint.set(fp, vault.derivedKey());
      return vault;
    },
    add(key) {
      byFingerprint.set(key.kdfFingerprint, key);
    },
    close() {
      for (const k of byFingerprint.values()) wipe(k.transformed);
      if (creds) wipeCredentials(creds);
    },
  };
}
