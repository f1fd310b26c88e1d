/**
 * A vault: a decrypted database plus what is needed to save it again with the
 * same key. `Vault.open(bytes, key)` reads KDBX 3.1/4.x; `toBytes()` writes 4.x.
 *
 * Key handling: credentials go through the KDF once; the vault then keeps only
 * the KDF output ("transformed key") for its KDF parameters. Saves reuse the
 * KDF salt with a fresh master seed and IV each time, so a save costs no KDF
 * run and the agent can hold one key per vault. The salt is renewed when the
 * key or KDF settings change (passwd, init).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CorruptFileError, StaleKeyError, UsageError } from '../errors/index.js';
import { DerivedKey, SecretBytes, wipe } from '../secret/index.js';
import {
  readOuterHeader, transformKey, prewarmAesKdf, holdAesKdfWorker, decryptKdbx, decryptKdbxInBackground, encryptKdbx, encryptKdbx3, createInnerStream, newInnerHeader, kdfFingerprint, checkKdfLimits, withFreshSalt,
  type OuterHeader, type KdfParams, type CipherName, type InnerHeader,
} from './kdbx/index.js';
import { compositeKey, keyfileComponent, passwordComponent } from './keys/index.js';
import { XmlCursor, decodeUtf8, type XmlElement } from './xml/index.js';
import { protectedValueDecryptor, readDatabase } from './format/read-xml.js';
import { writeDatabase, needsKdbx41, attachmentPool, kdbx4Reason } from './format/write-xml.js';
import { metaText } from './format/meta.js';
import { Database } from './model/index.js';

/** Credentials as the KDF reads them (a Credentials instance, or plain parts in tests and tools). */
export interface CredentialParts {
  /** UTF-8 bytes of the master password; absent = no password component. */
  password?: Uint8Array;
  /** Raw bytes of the keyfile. */
  keyfile?: Uint8Array;
}

/** What the agent holds for an unlocked vault: the KDF output and the parameters it is valid for. */
export type Integrity = 'hmac' | 'header-hash' | 'none';

/** The integrity of a file, in words (stv info and doctor). */
export const INTEGRITY_TEXT: Record<Integrity | 'unknown', string> = {
  hmac: 'header HMAC and HMAC-SHA-256 blocks (KDBX 4)',
  'header-hash': 'KDBX 3.1: Meta/HeaderHash covers the header; no MAC over the content (stv upgrade converts it to KDBX 4)',
  none: 'none: a KDBX 3.1 file without Meta/HeaderHash, so a changed header goes unnoticed (stv upgrade converts it to KDBX 4)',
  unknown: 'KDBX 3.1: protected only if Meta/HeaderHash is present, which needs the key to see (unlock, or give --password-file)',
};

/** A derived key as open() reads it (a DerivedKey instance, or plain parts). */
export interface KeyParts {
  transformed: Uint8Array;
  kdfFingerprint: string;
}

export interface OpenOptions {
  allowSlowKdf?: boolean;
  kdfTargetMs?: number;
  /**
   * Read every entry on open instead of on first use (format/lazy-entry.ts):
   * for callers that will read them all anyway (merge, sync), where the skim
   * would be extra work.
   */
  readAll?: boolean;
  /** This file decrypted ahead with the same key (Vault.decryptAhead); open() takes it over and wipes it. */
  decrypted?: DecryptedAhead;
}

/** A file decrypted (and inflated) ahead of its open, e.g. while another file is parsed. Opaque. */
export interface DecryptedAhead {
  readonly file: Uint8Array;
  /** The key it was decrypted with: open() takes the payload only with this very key. */
  readonly key: KeyParts;
  payload?: { inner: InnerHeader; xml: Uint8Array };
}

export interface VaultSettings {
  cipher: CipherName;
  kdf: KdfParams;
  compressed: boolean;
}

/** The composite key of KeePass: SHA-256(SHA-256(password) ‖ keyfile key). */
export function credentialsToComposite(creds: CredentialParts): Uint8Array {
  if (!creds.password && !creds.keyfile) throw new UsageError('a master password or a keyfile is required');
  const pw = creds.password ? passwordComponent(creds.password) : undefined;
  const kf = creds.keyfile ? keyfileComponent(creds.keyfile) : undefined;
  const composite = compositeKey({ password: pw, keyfile: kf });
  wipe(pw, kf);
  return composite;
}

export async function deriveKey(creds: CredentialParts, kdf: KdfParams, opts: { background?: boolean } = {}): Promise<DerivedKey> {
  const composite = credentialsToComposite(creds);
  try {
    return new DerivedKey(await transformKey(composite, kdf, opts), kdfFingerprint(kdf));
  } finally {
    wipe(composite);
  }
}

export class Vault {
  db: Database;
  settings: VaultSettings;
  /** The version the file had when read (undefined for a new vault). */
  readVersion?: { major: number; minor: number };
  publicCustomData?: Uint8Array;
  #key: SecretBytes;
  #fingerprint: string;
  /** Set by upgrade(): write KDBX 4 whatever the file was. */
  #upgrade = false;

  private constructor(db: Database, settings: VaultSettings, key: KeyParts) {
    this.db = db;
    this.settings = settings;
    this.#key = SecretBytes.copyOf(key.transformed);
    this.#fingerprint = key.kdfFingerprint;
  }

  /** Reads only the outer header: which KDF a file needs, without a key. */
  static header(file: Uint8Array): OuterHeader {
    return readOuterHeader(file);
  }

  static async open(file: Uint8Array, key: CredentialParts | KeyParts, opts: OpenOptions = {}): Promise<Vault> {
    const header = readOuterHeader(file);
    let derived: KeyParts;
    if ('transformed' in key) {
      if (key.kdfFingerprint !== kdfFingerprint(header.kdf)) throw new StaleKeyError();
      derived = key;
    } else {
      checkKdfLimits(header.kdf, { allowSlow: Boolean(opts.allowSlowKdf), targetMs: opts.kdfTargetMs });
      derived = await deriveKey(key, header.kdf);
    }
    const ahead = opts.decrypted;
    const payload = ahead?.payload && ahead.file === file && ahead.key === key ? ahead.payload : undefined;
    if (ahead) Vault.discardAhead(ahead, payload);
    try {
      const db = parsePayload(header, payload ?? decryptKdbx(file, header, derived.transformed), Boolean(opts.readAll));
      const vault = new Vault(db, { cipher: header.cipher, kdf: header.kdf, compressed: header.compressed }, derived);
      vault.readVersion = header.version;
      vault.publicCustomData = header.publicCustomData;
      // A move records the old parent only where the file can keep it: in a 3.x file it would force KDBX 4.1.
      if (header.version.major < 4) db.recordPreviousParent = false;
      return vault;
    } finally {
      // A key derived here is ours (the vault keeps its own copy); one given is the caller's.
      if (derived instanceof DerivedKey && derived !== key) derived.wipe();
    }
  }

  /**
   * Decrypts and inflates `file` with `key` for a later open() of the same
   * file with the same key (its `decrypted` option): the inflate, most of the
   * work before the parse, runs on libuv's threadpool, so a caller can parse
   * one file while the next is made ready. Rejects as open() would throw.
   * One never opened is wiped with discardAhead().
   */
  static async decryptAhead(file: Uint8Array, key: KeyParts): Promise<DecryptedAhead> {
    const header = readOuterHeader(file);
    if (key.kdfFingerprint !== kdfFingerprint(header.kdf)) throw new StaleKeyError();
    return { file, key, payload: await decryptKdbxInBackground(file, header, key.transformed) };
  }

  /** Wipes what decryptAhead() made, unless it is `keep` (taken over by open()). */
  static discardAhead(ahead: DecryptedAhead, keep?: DecryptedAhead['payload']): void {
    const p = ahead.payload;
    ahead.payload = undefined;
    if (!p || p === keep) return;
    wipe(p.xml, p.inner.streamKey, ...p.inner.binaries.map((b) => b.data));
  }

  /**
   * Checks that `file` opens with `key` — header checksum and HMAC, every
   * block's HMAC, decryption, decompression, inner header — without building
   * the database (a fraction of open()'s time). Throws what open() would.
   */
  static verify(file: Uint8Array, key: KeyParts): void {
    const header = readOuterHeader(file);
    if (key.kdfFingerprint !== kdfFingerprint(header.kdf)) throw new StaleKeyError();
    const { inner, xml } = decryptKdbx(file, header, key.transformed);
    wipe(xml, inner.streamKey, ...inner.binaries.map((b) => b.data));
  }

  /**
   * Gets ready for this file's KDF before the credentials are read (starts
   * the AES-KDF worker). Never throws: a bad header is reported by open().
   */
  static prewarm(file: Uint8Array): void {
    try {
      const { kdf } = readOuterHeader(file);
      if (kdf.type === 'aes') prewarmAesKdf(kdf.rounds);
    } catch {
      // open() reports it, in its place.
    }
  }

  /** Keeps the KDF's thread between two keys (merge) until the returned release is called. */
  static holdKdfThread(): () => void {
    return holdAesKdfWorker();
  }

  /**
   * The key for a file, without opening it: the same limits as open(), then
   * the KDF. The caller opens with the result and wipes it.
   */
  static async deriveKeyFor(file: Uint8Array, creds: CredentialParts, opts: OpenOptions & { background?: boolean } = {}): Promise<DerivedKey> {
    const header = readOuterHeader(file);
    checkKdfLimits(header.kdf, { allowSlow: Boolean(opts.allowSlowKdf), targetMs: opts.kdfTargetMs });
    return deriveKey(creds, header.kdf, { background: opts.background });
  }

  static async create(name: string, creds: CredentialParts, settings: VaultSettings): Promise<Vault> {
    using derived = await deriveKey(creds, settings.kdf);
    return new Vault(Database.create(name), settings, derived);
  }

  /** The key material the agent may hold for this vault. A copy: the caller wipes it. */
  derivedKey(): DerivedKey {
    return DerivedKey.copyOf(this.#key.bytes, this.#fingerprint);
  }

  /**
   * What detects tampering with the file as read: KDBX 4's header HMAC and
   * HMAC blocks; in KDBX 3.1 only Meta/HeaderHash covers the header (and
   * with it the protected-stream key), and a file without it has no check:
   * a flipped header byte shows garbage passwords.
   */
  get integrity(): Integrity {
    if (this.readVersion === undefined || this.readVersion.major >= 4) return 'hmac';
    return this.db.meta.fields.some((f) => f.name === 'HeaderHash' && metaText(f)) ? 'header-hash' : 'none';
  }


  /**
   * The version the next save writes. A file keeps its format, as KeePassXC
   * keeps it: 3.x is saved as 3.1 unless upgrade() was called or the content
   * needs 4.x (kdbx4Reason); 4.x as 4.0, or 4.1 when it was 4.1 or uses 4.1 features.
   */
  writeVersion(): { major: 3 | 4; minor: 0 | 1 } {
    if (this.readVersion && this.readVersion.major < 4 && !this.#upgrade && !this.kdbx4Reason()) return { major: 3, minor: 1 };
    const minor: 0 | 1 = needsKdbx41(this.db) || (this.readVersion?.major === 4 && this.readVersion.minor >= 1) ? 1 : 0;
    return { major: 4, minor };
  }

  /** Why this vault cannot be saved as KDBX 3.1, or undefined when it can. */
  kdbx4Reason(): string | undefined {
    if (this.settings.kdf.type !== 'aes') return `its key derivation is ${this.settings.kdf.type === 'argon2d' ? 'Argon2d' : 'Argon2id'}`;
    if (this.publicCustomData?.length) return 'its header has public custom data';
    return kdbx4Reason(this.db);
  }

  /** True when the file was KDBX 3.x and the next save writes 4.x (upgrade() or content that needs it). */
  get upgradesOnSave(): boolean {
    return this.readVersion !== undefined && this.readVersion.major < 4 && this.writeVersion().major === 4;
  }

  /** Save as KDBX 4 from now on (`stv upgrade`). */
  upgrade(): void {
    this.#upgrade = true;
    this.db.recordPreviousParent = true;
  }

  /** After a save: the file now is what was written. */
  markSaved(version: { major: number; minor: number }): void {
    this.readVersion = version;
    this.db.recordPreviousParent = version.major >= 4;
  }

  /**
   * New credentials and/or KDF settings, or the same credentials again
   * (`passwd --rekey`): runs the KDF once with a fresh salt, so the new key
   * and its fingerprint differ from the old ones whatever the credentials.
   */
  async changeKey(creds: CredentialParts, settings: VaultSettings = this.settings): Promise<void> {
    const fresh = { ...settings, kdf: withFreshSalt(settings.kdf) };
    using derived = await deriveKey(creds, fresh.kdf);
    this.#key.wipe();
    this.#key = SecretBytes.copyOf(derived.transformed);
    this.#fingerprint = derived.kdfFingerprint;
    this.settings = fresh;
  }

  /** Take another vault's key and KDF settings (re-encrypting an old copy with the key a key change made). */
  adoptKeyOf(other: Vault): void {
    this.#key.wipe();
    this.#key = other.#key.clone();
    this.#fingerprint = other.#fingerprint;
    this.settings = { ...other.settings };
  }

  /** Serialize in writeVersion()'s format. */
  toBytes(): Uint8Array {
    // Never write a document not fully checked: every skimmed entry is read (strictly) first.
    this.db.loadAll();
    const { major, minor } = this.writeVersion();
    if (major === 3) return this.#toBytes3();
    // The inner header lists the attachments and comes first in the payload: number them before writing.
    const pool = attachmentPool(this.db);
    const inner = newInnerHeader(pool.items.map((a) => ({ protect: a.protect, data: a.data })));
    const stream = createInnerStream(inner.streamId, inner.streamKey);
    try {
      return encryptKdbx({
        version: { major: 4, minor },
        cipher: this.settings.cipher,
        compressed: this.settings.compressed,
        kdf: this.settings.kdf,
        transformedKey: this.#key.bytes,
        publicCustomData: this.publicCustomData,
        inner,
        // Written straight into the compressor: the document is never whole in memory.
        xml: (sink) => void writeDatabase(this.db, minor, { protectedText: (node) => encryptProtected(node, stream), sink, pool }),
      });
    } finally {
      wipe(inner.streamKey);
    }
  }

  /** KDBX 3.1: Salsa20 inner stream, attachments in Meta/Binaries, HeaderHash of the new header. */
  #toBytes3(): Uint8Array {
    const pool = attachmentPool(this.db);
    return encryptKdbx3({
      cipher: this.settings.cipher,
      compressed: this.settings.compressed,
      kdf: this.settings.kdf,
      transformedKey: this.#key.bytes,
      xml: (headerSha256, streamKey, sink) => {
        const stream = createInnerStream(2, streamKey);
        const headerHash = Buffer.from(headerSha256).toString('base64');
        writeDatabase(this.db, 0, { protectedText: (node) => encryptProtected(node, stream), sink, pool, kdbx3: { headerHash, compressed: this.settings.compressed } });
      },
    });
  }

  /** Zero the key and every protected value. */
  close(): void {
    this.#key.wipe();
    this.db.wipe();
  }
}

/** The agent's key is for other KDF parameters (the file was re-keyed elsewhere). */

function encryptProtected(node: XmlElement, stream: { keystream(n: number): Uint8Array }): string {
  const plain = node.secret!.getBytes();
  const ks = stream.keystream(plain.length);
  for (let i = 0; i < plain.length; i++) plain[i] ^= ks[i];
  const text = Buffer.from(plain.buffer, plain.byteOffset, plain.length).toString('base64');
  wipe(plain, ks);
  return text;
}

/**
 * Takes the decrypted payload and lets go of its bytes once decoded: nothing
 * else holds them, so the parse's first scavenge frees them (13 MB less at
 * the parse's peak for a 10k-entry vault).
 */
function parsePayload(header: OuterHeader, payload: { inner: InnerHeader; xml: Uint8Array }, readAll: boolean): Database {
  const { inner } = payload;
  // KeePassXC's 3.x reader always uses Salsa20 whatever the header says (docs/kdbx.md §8, §12 #14).
  const is3 = header.version.major < 4;
  const stream = is3 ? createInnerStream(2, header.protectedStreamKey!) : createInnerStream(inner.streamId, inner.streamKey);
  const text = decodeUtf8(payload.xml);
  payload.xml.fill(0);
  payload.xml = new Uint8Array(0);
  const keystream = (n: number) => stream.keystream(n);
  const cursor = new XmlCursor(text, { onAttributedLeaf: protectedValueDecryptor(keystream) });
  // Entries are skimmed here and read on first use; a save or `stv check` reads them all (Database.loadAll).
  const db = readDatabase(cursor, inner.binaries.map((b: { data: Uint8Array; protect: boolean }) => ({ data: b.data, protect: b.protect })), readAll ? {} : { keystream });
  if (is3) checkHeaderHash(db, header.headerBytes);
  return db;
}

function checkHeaderHash(db: Database, headerBytes: Uint8Array): void {
  const hash = db.meta.field('HeaderHash');
  const stored = hash && metaText(hash);
  if (!stored) return;
  const expected = createHash('sha256').update(headerBytes).digest();
  const got = Buffer.from(stored, 'base64');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    db.wipe();
    throw new CorruptFileError("corrupt file: the header does not match Meta/HeaderHash (the file was altered)");
  }
}
