/** init, keyfile new, passwd, info. */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Command } from 'commander';
import { UsageError, StvError } from '../../errors/index.js';
import { ensurePrivateDir, loadConfig, resolveVault, writeFileAtomic } from '../../config/index.js';
import { Vault, Credentials, saveVaultFile, keepReplacedCopy, newKeyfileXmlV2, tuneKdf, defaultKdf, readVaultFile, INTEGRITY_TEXT, type DerivedKey, type Integrity, type KdfParams, type VaultSettings } from '../../vault/index.js';
import { rotateAfterKeyChange, type KeyChangeReport } from '../../sync/index.js';
import { type GlobalOptions, info as say, out, printJson, warn } from '../runtime.js';
import { openSession, openIfUnlocked, readKeyfile } from '../session.js';
import { readNewMasterPassword } from '../new-master.js';
import { canPrompt } from '../secrets-input.js';
import { finishWith } from '../exit-codes.js';

interface KdfOpts {
  kdf: 'argon2id' | 'argon2d' | 'aes';
  kdfMs: string;
  kdfMemory: string;
  kdfIterations?: string;
  kdfParallelism: string;
  cipher: 'aes' | 'chacha20' | 'twofish';
}

const CIPHERS = { aes: 'aes256', chacha20: 'chacha20', twofish: 'twofish' } as const;
export const CIPHER_NAMES: Record<string, string> = { aes256: 'AES-256', chacha20: 'ChaCha20', twofish: 'Twofish' };

function positive(name: string, v: string, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be a whole number from 1 to ${max}, got '${v}'`);
  return n;
}

export async function settingsFrom(o: KdfOpts): Promise<VaultSettings> {
  const memoryBytes = BigInt(positive('--kdf-memory', o.kdfMemory, 4096)) * 1024n * 1024n;
  const parallelism = positive('--kdf-parallelism', o.kdfParallelism, 64);
  let kdf: KdfParams;
  if (o.kdfIterations !== undefined) {
    const n = BigInt(positive('--kdf-iterations', o.kdfIterations, 2 ** 31 - 2));
    kdf = defaultKdf(o.kdf, { memoryBytes, parallelism });
    if (kdf.type === 'aes') kdf.rounds = n;
    else kdf.iterations = n;
  } else {
    kdf = await tuneKdf(o.kdf, positive('--kdf-ms', o.kdfMs, 60_000), memoryBytes, parallelism);
  }
  return { cipher: CIPHERS[o.cipher] ?? 'aes256', kdf, compressed: true };
}

/**
 * init over an existing file needs --force; the old file is then kept as
 * PATH.replaced-DATE (never rotated, unlike PATH.bak, which the new vault's
 * next save would overwrite), and on a terminal init asks first.
 */
export async function init(opts: GlobalOptions, o: KdfOpts & { name: string; force?: boolean; allowWeak?: boolean }): Promise<void> {
  const ref = resolveVault(opts.vault, loadConfig(), { creating: true });
  let replacing = false;
  if (existsSync(ref.path)) {
    if (statSync(ref.path).isDirectory()) throw new UsageError(`${ref.path} is a directory; give a file path with --vault`);
    if (!o.force) throw new UsageError(`${ref.path} already exists; use another --vault, or --force to replace it (the old file is then kept as ${basename(ref.path)}.replaced-DATE)`);
    replacing = true;
    if (canPrompt() && !(await confirmReplace(ref.path))) {
      process.stderr.write('stv: not replaced; nothing was changed\n');
      return finishWith('cancelled');
    }
  }
  const settings = await settingsFrom(o);
  const creds = await readNewMasterPassword(opts, ref, { prompt: `New master password for ${ref.path}:`, allowWeak: o.allowWeak });
  let kept: string | undefined;
  try {
    const vault = await Vault.create(o.name, creds, settings);
    ensurePrivateDir(dirname(ref.path));
    if (replacing) kept = keepReplacedCopy(ref.path);
    saveVaultFile(ref.path, vault.toBytes(), { backup: false });
    vault.close();
  } finally {
    creds.wipe();
  }
  if (replacing) {
    // The agent may hold the replaced vault's key.
    const { agent } = await import('../session.js');
    await agent.forget(ref.path).catch(() => undefined);
  }
  const kdf = settings.kdf;
  const kdfText = kdf.type === 'aes' ? `AES-KDF ${kdf.rounds} rounds` : `${kdf.type} ${Number(kdf.memoryBytes) / 1048576} MiB × ${kdf.iterations} iterations × ${kdf.parallelism} lanes`;
  if (opts.json) printJson({ path: ref.path, cipher: settings.cipher, kdf: kdfText, ...(kept ? { replacedKeptAs: kept } : {}) });
  else say(opts, `created ${ref.path} (${CIPHER_NAMES[settings.cipher]}, ${kdfText})${kept ? `; the old file is kept as ${kept}` : ''}`);
}

async function confirmReplace(path: string): Promise<boolean> {
  const st = statSync(path);
  const { confirm } = await import('@inquirer/prompts');
  return confirm(
    { message: `Replace ${path} (${st.size} bytes, changed ${st.mtime.toISOString().slice(0, 16).replace('T', ' ')})? The old file is kept beside it as ${basename(path)}.replaced-DATE`, default: false },
    { output: process.stderr },
  );
}

export async function keyfileNew(opts: GlobalOptions, path: string): Promise<void> {
  if (existsSync(path)) throw new UsageError(`${path} already exists; a keyfile is never overwritten`);
  ensurePrivateDir(dirname(path));
  writeFileAtomic(path, newKeyfileXmlV2(), 0o600);
  say(opts, `wrote keyfile ${path} (keep a copy: without it the vault cannot be opened)`);
}

export async function passwd(
  opts: GlobalOptions,
  o: KdfOpts & { newKeyfile?: string; removeKeyfile?: boolean; removePassword?: boolean; rekey?: boolean; allowWeak?: boolean },
  cmd: Command,
): Promise<void> {
  if (o.rekey && (o.newKeyfile || o.removeKeyfile || o.removePassword)) throw new UsageError('--rekey keeps the password and keyfile; give it alone, or change them without it');
  // --rekey needs the credentials themselves (not the agent's key) to derive a key with a new salt.
  const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
  const explicitKdf = ['kdf', 'kdfMs', 'kdfMemory', 'kdfIterations', 'kdfParallelism'].some(given);
  const cipherOnly = given('cipher') && !explicitKdf && !o.rekey && !o.newKeyfile && !o.removeKeyfile && !o.removePassword;
  // Stdin may carry the new password; then it never carries the current one.
  const stdin = o.rekey || o.removePassword || cipherOnly ? {} : { stdinCarries: 'the new master password' };
  const s = await openSession(opts, { keepCredentials: Boolean(o.rekey), ...stdin });
  try {
    const cipher = given('cipher') ? CIPHERS[o.cipher] : s.vault.settings.cipher;
    if (cipherOnly) {
      // Only the cipher: the derived key stays valid (same KDF parameters), so no new password is asked.
      const was = s.vault.settings.cipher;
      s.vault.settings = { ...s.vault.settings, cipher };
      await s.save();
      return say(opts, was === cipher ? `${s.ref.path} already uses ${CIPHER_NAMES[cipher]}; saved again` : `re-encrypted ${s.ref.path} with ${CIPHER_NAMES[cipher]} (was ${CIPHER_NAMES[was]}); the key is unchanged`);
    }
    const settings = explicitKdf ? { ...(await settingsFrom(o)), cipher } : { ...s.vault.settings, cipher };
    let withKeyfile = Boolean(s.credentials?.keyfile);
    let oldKey: DerivedKey;
    if (o.rekey) {
      oldKey = await s.changeKey('same', settings);
    } else {
      const kf = o.removeKeyfile ? undefined : o.newKeyfile || (opts.keyfile ?? s.ref.keyfile);
      const keyfile = kf ? readKeyfile(kf) : undefined;
      const typed = o.removePassword ? undefined : await readNewMasterPassword({ ...opts, keyfile: undefined, passwordFile: undefined, passwordFd: undefined, password: true }, s.ref, { prompt: 'New master password:', allowWeak: o.allowWeak || keyfile !== undefined });
      // Takes both (zeroing the originals) and wipes them when this block ends, whatever happens.
      using fresh = new Credentials({ password: typed?.password, keyfile });
      typed?.wipe();
      withKeyfile = Boolean(fresh.keyfile);
      oldKey = await s.changeKey(fresh, settings);
    }
    try {
      say(opts, o.rekey ? `new key for ${s.ref.path} (same password and keyfile, new KDF salt)` : `changed the master key of ${s.ref.path}${withKeyfile ? ' (with keyfile)' : ''}`);
      printKeyChange(opts, s.ref.path, await rotateAfterKeyChange({ path: s.ref.path, oldKey, vault: s.vault, stickPaths: s.config.stickPaths ?? [] }));
    } finally {
      oldKey.wipe();
    }
  } finally {
    s.close();
  }
}

const n = (count: number, what: string) => `${count} ${what}${count === 1 ? '' : 's'}`;

/** What passwd says after a key change: the old-key copies it re-encrypted or removed, and what remains. */
function printKeyChange(opts: GlobalOptions, path: string, r: KeyChangeReport): void {
  if (r.bak.reencrypted.length) say(opts, `re-encrypted ${path}.bak with the new key`);
  if (r.bak.remaining.length) warn(`${path}.bak is under a key stv cannot match; it may open with an old password: delete it if so`);
  for (const { label, report } of r.sticks) {
    const done = [report.reencrypted.length && `re-encrypted ${n(report.reencrypted.length, 'backup generation')}`, report.removed.length && `removed ${n(report.removed.length, 'generation')} under an older key`].filter(Boolean);
    if (done.length) say(opts, `stick ${label}: ${done.join(', ')}`);
    if (report.remaining.length) warn(`stick ${label}: ${n(report.remaining.length, 'backup generation')} under keys stv did not retire (KeePassXC saves, or older): ${report.remaining.join(', ')}`);
  }
  if (r.mounted.length) say(opts, `the vault on ${r.mounted.join(', ')} still has the old key until 'stv sync'`);
  if (r.unmounted.length) say(opts, `not mounted: ${r.unmounted.join(', ')}: their copies and old-key backup generations are replaced or removed at their next 'stv sync'`);
}

export async function upgrade(opts: GlobalOptions): Promise<void> {
  const s = await openSession(opts);
  try {
    const from = s.vault.readVersion!;
    if (from.major >= 4) {
      if (opts.json) return printJson({ path: s.ref.path, format: `KDBX ${from.major}.${from.minor}`, upgraded: false });
      return say(opts, `${s.ref.path} already is KDBX ${from.major}.${from.minor}; nothing to do`);
    }
    s.vault.upgrade();
    const to = s.vault.writeVersion();
    await s.save();
    if (opts.json) return printJson({ path: s.ref.path, from: `KDBX ${from.major}.${from.minor}`, format: `KDBX ${to.major}.${to.minor}`, upgraded: true });
    say(opts, `upgraded ${s.ref.path} from KDBX ${from.major}.${from.minor} to KDBX ${to.major}.${to.minor}: the header and every block now carry an HMAC, so a damaged or tampered file is refused before it is decrypted; the key, cipher and KDF are unchanged. KeePassX 2 and apps that read only KDBX 3.1 will no longer open it (the previous file is kept as ${s.ref.path}.bak)`);
  } finally {
    s.close();
  }
}

export async function info(opts: GlobalOptions): Promise<void> {
  const ref = resolveVault(opts.vault, loadConfig());
  const { bytes } = readVaultFile(ref.path);
  let header;
  try {
    header = Vault.header(bytes);
  } catch (e) {
    throw e instanceof StvError ? e : new StvError(String(e));
  }
  const kdf = header.kdf;
  const data = {
    path: ref.path,
    name: ref.name ?? null,
    size: bytes.length,
    format: `KDBX ${header.version.major}.${header.version.minor}`,
    cipher: header.cipher,
    compressed: header.compressed,
    kdf: kdf.type === 'aes'
      ? { type: 'aes', rounds: Number(kdf.rounds) }
      : { type: kdf.type, memoryMiB: Number(kdf.memoryBytes) / 1048576, iterations: Number(kdf.iterations), parallelism: kdf.parallelism, version: kdf.version },
    integrity: header.version.major >= 4 ? 'hmac' : await integrityOf3x(opts),
  };
  if (opts.json) return printJson(data);
  out(`Path:        ${data.path}${data.name ? ` (${data.name})` : ''}`);
  out(`Format:      ${data.format}, ${data.size} bytes, ${data.compressed ? 'gzip' : 'uncompressed'}`);
  out(`Cipher:      ${{ aes256: 'AES-256-CBC', chacha20: 'ChaCha20', twofish: 'Twofish-CBC' }[data.cipher]}`);
  out(`KDF:         ${kdf.type === 'aes' ? `AES-KDF, ${kdf.rounds} rounds` : `${kdf.type}, ${Number(kdf.memoryBytes) / 1048576} MiB, ${kdf.iterations} iterations, ${kdf.parallelism} lanes`}`);
  out(`Integrity:   ${INTEGRITY_TEXT[data.integrity]}`);
}

/**
 * `stv check`: every entry read strictly. Commands read an entry only when
 * they need it, so a malformed one (a buggy writer holding the key) shows
 * only where it is reached; this reaches all of them, writing nothing.
 */
export async function check(opts: GlobalOptions): Promise<void> {
  const s = await openSession(opts);
  try {
    s.vault.db.loadAll();
    let entries = 0;
    for (const e of s.vault.db.entries()) entries += 1 + e.history.length;
    if (opts.json) return printJson({ path: s.ref.path, ok: true, entries });
    say(opts, `${s.ref.path}: well-formed (${entries} entries and history versions read)`);
  } finally {
    s.close();
  }
}

/** A KDBX 3.x file's integrity needs its content (Meta/HeaderHash): known when a key is at hand without asking. */
export async function integrityOf3x(opts: GlobalOptions): Promise<Integrity | 'unknown'> {
  const s = await openIfUnlocked(opts);
  if (!s) return 'unknown';
  try {
    return s.vault.integrity;
  } finally {
    s.close();
  }
}
