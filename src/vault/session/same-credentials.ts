/**
 * Opening a second file with the credentials of a session being opened
 * (`stv merge -s`): the other file needs no KDF when its parameters are the
 * session's; else its KDF runs in the worker thread that derived the
 * session's key, held for it, while the session's file is parsed (two
 * keepassxc-written files have two salts).
 */
import type { Credentials, DerivedKey } from '../../secret/index.js';
import { sameDigest } from '../file.js';
import { kdfFingerprint } from '../kdbx/index.js';
import { Vault } from '../vault.js';
import type { VaultSession } from './session.js';

export class SameCredentialsOpener {
  #sameKdf = false;
  #theirKey?: Promise<DerivedKey>;
  #release: () => void;

  /** Holds the KDF thread from now until afterKdf ran or release() is called. */
  constructor(private readonly bytes: Uint8Array, private readonly o: { allowSlowKdf?: boolean } = {}) {
    this.#release = Vault.holdKdfThread();
  }

  /** For OpenVaultOptions.afterKdf of the session's open. */
  readonly afterKdf = (creds: Credentials, ours: DerivedKey): void => {
    if (sameDigest(ours.kdfFingerprint, kdfFingerprint(Vault.header(this.bytes).kdf))) return void (this.#sameKdf = true);
    const copy = creds.clone();
    this.#theirKey = Vault.deriveKeyFor(this.bytes, copy, { allowSlowKdf: this.o.allowSlowKdf, background: true }).finally(() => copy.wipe());
    this.#theirKey.catch(() => undefined); // awaited in open(): never an unhandled rejection meanwhile
    this.release(); // its chains are queued: the thread ends after them
  };

  release(): void {
    this.#release();
  }

  /** The other file, opened with the session's key, the key derived meanwhile, or the session's kept credentials. */
  async open(s: VaultSession): Promise<Vault> {
    if (this.#sameKdf || this.#theirKey) {
      const key = this.#sameKdf ? s.vault.derivedKey() : await this.#theirKey!;
      try {
        return await Vault.open(this.bytes, key, { readAll: true });
      } finally {
        key.wipe();
      }
    }
    if (!s.credentials) throw new Error('SameCredentialsOpener.open needs a session opened with keepCredentials');
    return Vault.open(this.bytes, s.credentials, { allowSlowKdf: this.o.allowSlowKdf, readAll: true });
  }
}
