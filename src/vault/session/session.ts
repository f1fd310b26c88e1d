/**
 * An open vault file: unlocked from a key source, saved atomically under the
 * writer lock, and merged three-way with the file on disk when another
 * program wrote it meanwhile (no edit is lost).
 */
import { LockedError, StaleKeyError, StvError, UsageError, VaultChangedError, WrongKeyError } from '../../errors/index.js';
import { disableCoreDumps, type Credentials, type DerivedKey } from '../../secret/index.js';
import { Vault, type CredentialParts, type VaultSettings } from '../vault.js';
import { readVaultFile, saveVaultFile, acquireWriteLock, removeStaleTemps, type FileStamp } from '../file.js';
import { SlowKdfError } from '../kdbx/index.js';
import { mergeCopies, type FieldConflict } from '../merge/index.js';
import type { KeySource } from './key-source.js';

/** What a session tells its user; the CLI prints it, a library caller may ignore it. */
export interface SessionEvents {
  info?(text: string): void;
  warn?(text: string): void;
  /** After each write: the file that was replaced and the new one (sync records the descent). */
  saved?(s: VaultSession, replacedSha: string): void;
}

export interface OpenVaultOptions {
  /** Keep a copy of the credentials in the session (e.g. merge -s); never uses a held key then. */
  keepCredentials?: boolean;
  /** Do not use a held key (an explicit password source was given). */
  skipHeldKey?: boolean;
  allowSlowKdf?: boolean;
  /** Called with the credentials and the key once the KDF ran, before the file is parsed (merge starts the other file's KDF here). */
  afterKdf?(creds: Credentials, key: DerivedKey): void;
  /** Around a KDF run from credentials (a spinner); returns how to stop it. */
  progress?(): Promise<{ stop(): void }>;
  /** The KDF is slower than the limit: true opens anyway; absent, the SlowKdfError stands. */
  confirmSlowKdf?(message: string): Promise<boolean> | undefined;
  /** Never write: save() does nothing (a look through a key the agent holds). */
  readOnly?: boolean;
  /** Read every entry on open (Vault.open's readAll): the command reads or saves them all anyway. */
  readAll?: boolean;
  events?: SessionEvents;
}

export class VaultSession {
  /** The credentials, only when asked for with keepCredentials; wiped by close(). */
  readonly credentials?: Credentials;
  /** How it was unlocked: a held key, or credentials the key source gave. */
  readonly unlockedWith: 'held-key' | 'credentials';
  /** Kept until close() for saving over a file another program re-keyed: KeePassXC renews the KDF salt on every save. */
  #retained?: Credentials;
  /** The bytes this session read (then last wrote): the exact common base when a save has to merge with another writer. */
  #lastBytes: Uint8Array;
  readonly #o: OpenVaultOptions;
  readonly #keys: KeySource;

  private constructor(readonly path: string, readonly vault: Vault, public stamp: FileStamp, bytes: Uint8Array, keys: KeySource, o: OpenVaultOptions, u: { credentials?: Credentials; retained?: Credentials; with: 'held-key' | 'credentials' }) {
    this.#lastBytes = bytes;
    this.#keys = keys;
    this.#o = o;
    this.credentials = u.credentials;
    this.#retained = u.retained;
    this.unlockedWith = u.with;
  }

  static async open(path: string, keys: KeySource, o: OpenVaultOptions = {}): Promise<VaultSession> {
    const { bytes, stamp } = readVaultFile(path);
    const u = await unlock(bytes, keys, o);
    return new VaultSession(path, u.vault, stamp, bytes, keys, o, u);
  }

  /**
   * A new master key (`stv passwd`): the vault is re-keyed with `creds`, or
   * with the credentials kept at open ('same': a new KDF salt only), and
   * saved; a key held for the file (the agent's) is dropped. Returns the old
   * key, for re-encrypting the old copies (the caller wipes it).
   */
  async changeKey(creds: CredentialParts | 'same', settings: VaultSettings): Promise<DerivedKey> {
    const parts = creds === 'same' ? this.credentials : creds;
    if (!parts) throw new Error("changeKey('same') needs a session opened with keepCredentials");
    if (!parts.password && !parts.keyfile) throw new UsageError('a vault needs a password or a keyfile; nothing was changed');
    const oldKey = this.vault.derivedKey();
    try {
      await this.vault.changeKey(parts, settings);
      await this.save();
    } catch (e) {
      oldKey.wipe();
      throw e;
    }
    await this.#keys.forgetHeldKey?.().catch(() => undefined);
    return oldKey;
  }

  async save(): Promise<void> {
    if (this.#o.readOnly) return;
    const ev = this.#o.events ?? {};
    const release = acquireWriteLock(this.path);
    try {
      removeStaleTemps(this.path); // left by a killed save; they would pile up on the stick
      if (this.vault.upgradesOnSave) ev.info?.(`stv: ${upgradeNotice(this.vault, this.path)}`);
      try {
        const before = this.stamp.sha256;
        const bytes = this.vault.toBytes();
        this.stamp = saveVaultFile(this.path, bytes, { expected: this.stamp });
        this.#lastBytes = bytes;
        ev.saved?.(this, before);
      } catch (e) {
        if (!(e instanceof VaultChangedError)) throw e;
        await this.#mergeWithDisk(ev);
      }
      this.vault.markSaved(this.vault.writeVersion());
    } finally {
      release();
    }
  }

  close(): void {
    this.vault.close();
    if (this.credentials) this.credentials.wipe();
    if (this.#retained) this.#retained.wipe();
  }

  /** Another writer changed the file: merge its content into ours, three-way against what this session read, then save. */
  async #mergeWithDisk(ev: SessionEvents): Promise<void> {
    const { bytes, stamp } = readVaultFile(this.path);
    const rekeyed = () => new StvError(`${this.path} was re-keyed by another program while open; nothing was saved — run the command again`);
    const key = this.vault.derivedKey();
    const asRead = await this.#openBase();
    let theirs: Vault;
    try {
      theirs = await Vault.open(bytes, key, { readAll: true });
    } catch (e) {
      if (!(e instanceof StaleKeyError)) throw e;
      // A new KDF salt (KeePassXC renews it on every save): derive its key from the credentials we read.
      const creds = this.#retained;
      if (!creds) throw rekeyed();
      try {
        theirs = await Vault.open(bytes, creds, { allowSlowKdf: this.#o.allowSlowKdf, readAll: true });
      } catch (e2) {
        throw e2 instanceof WrongKeyError ? rekeyed() : e2;
      }
    } finally {
      key.wipe();
    }
    const base = asRead?.db;
    const r = mergeCopies([{ db: this.vault.db, base, label: 'this save' }, { db: theirs.db, base, label: 'the file on disk' }]);
    theirs.close();
    asRead?.close();
    if (r.conflicts.length) ev.warn?.(`${r.conflicts.length} concurrent edit(s) merged (${describeConflicts(r.conflicts)}); both values kept, see 'stv conflicts'`);
    ev.info?.(`stv: ${this.path} changed on disk meanwhile; merged the changes`);
    const out = this.vault.toBytes();
    this.stamp = saveVaultFile(this.path, out, { expected: stamp });
    this.#lastBytes = out;
    ev.saved?.(this, stamp.sha256);
  }

  /** What this session read, opened again with its key; undefined if that key no longer opens it (re-keyed in this session). */
  async #openBase(): Promise<Vault | undefined> {
    const key = this.vault.derivedKey();
    try {
      return await Vault.open(this.#lastBytes, key, { readAll: true });
    } catch {
      return undefined;
    } finally {
      key.wipe();
    }
  }
}

const describeConflicts = (cs: FieldConflict[]) => cs.map((c) => `${c.path}: ${c.fields.join(', ')}`).join('; ');

interface Unlocked {
  vault: Vault;
  with: 'held-key' | 'credentials';
  credentials?: Credentials;
  retained?: Credentials;
}

async function unlock(bytes: Uint8Array, keys: KeySource, o: OpenVaultOptions): Promise<Unlocked> {
  const keep = Boolean(o.keepCredentials);
  disableCoreDumps();
  if (!o.skipHeldKey && !keep && keys.heldKey) {
    const key = await keys.heldKey();
    if (key) {
      try {
        return { vault: await Vault.open(bytes, key, { readAll: o.readAll }), with: 'held-key' };
      } catch (e) {
        if (!(e instanceof StaleKeyError)) throw e;
      } finally {
        key.wipe();
      }
    }
  }
  if (!keys.credentials) throw new LockedError('no key is held for this vault');
  Vault.prewarm(bytes);
  const creds = await keys.credentials();
  const progress = (await o.progress?.()) ?? { stop() {} };
  try {
    const key = await Vault.deriveKeyFor(bytes, creds, { allowSlowKdf: o.allowSlowKdf });
    let vault: Vault;
    try {
      o.afterKdf?.(creds, key);
      vault = await Vault.open(bytes, key, { readAll: o.readAll });
    } finally {
      key.wipe();
    }
    return { vault, with: 'credentials', credentials: keep ? creds.clone() : undefined, retained: creds.clone() };
  } catch (e) {
    if (e instanceof SlowKdfError) {
      progress.stop();
      const asked = o.confirmSlowKdf?.(e.message);
      if (asked !== undefined) {
        if (!(await asked)) throw new UsageError('not opened; the key derivation is too slow');
        return { vault: await Vault.open(bytes, creds, { allowSlowKdf: true, readAll: o.readAll }), with: 'credentials', credentials: keep ? creds.clone() : undefined, retained: creds.clone() };
      }
    }
    throw e;
  } finally {
    progress.stop();
    creds.wipe();
  }
}

/** What a save that changes a 3.x file to 4.x says, and why. */
export function upgradeNotice(vault: Vault, path: string): string {
  const from = `KDBX ${vault.readVersion!.major}.${vault.readVersion!.minor}`;
  const why = vault.kdbx4Reason();
  return `saving ${path} as KDBX 4 (it was ${from}${why ? `; ${why}` : ''}): apps that read only KDBX 3.1 (KeePassX 2, older phone apps) will no longer open it`;
}
