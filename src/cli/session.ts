/**
 * Opening and saving the vault for a command: which vault, where its key
 * comes from (password file, fd, agent, terminal prompt, stdin), and saving
 * with a merge when someone else changed the file meanwhile.
 *
 * Password sources, in order: --password-file, --password-fd, an unlocked
 * agent holding this vault's key, a no-echo prompt when stdin is a terminal,
 * else the first line of stdin (as keepassxc-cli, so `printf 'pw\n' | stv ls`
 * works). --no-password means keyfile only. A command whose stdin carries a
 * value of its own (add -p, passwd, merge, import of a .kdb) never reads the
 * master password from it: the prompt then goes to /dev/tty, and with no
 * terminal the command stops before reading anything.
 */
import { LockedError, UsageError, VaultChangedError, StvError, WrongKeyError } from '../errors/index.js';
import { resolveVault, loadConfig, readRegularFile, SafeReadError, type ResolvedVault, type Config } from '../config/index.js';
import { disableCoreDumps, utf8, wipe } from '../secret/index.js';
import {
  Vault, StaleKeyError, readVaultFile, saveVaultFile, acquireWriteLock, removeStaleTemps, SlowKdfError, mergeCopies,
  type Credentials, type DerivedKey, type FileStamp,
} from '../vault/index.js';
import type { GlobalOptions } from './runtime.js';
import { canSpin, info, warn } from './runtime.js';
import { canPrompt, hasTerminal, promptSecret, promptSecretOnTerminal, readFirstLineOfFd, readFirstLineOfFile, readStdinLine, stdinIsTty } from './secrets-input.js';
import * as agent from './agent-link.js';
import { recordLocalSave } from '../sync/sidecar.js';
import { vaultIdOf } from '../sync/vault-id.js';

export interface Session {
  opts: GlobalOptions;
  ref: ResolvedVault;
  config: Config;
  vault: Vault;
  stamp: FileStamp;
  /** The credentials, only when asked for with keepCredentials (e.g. merge -s); wiped by close(). */
  credentials?: Credentials;
  /** Write the vault back (merging if the file changed since it was read). */
  save(): Promise<void>;
  close(): void;
}

function keyfilePath(opts: GlobalOptions, ref: ResolvedVault): string | undefined {
  return opts.keyfile ?? ref.keyfile;
}

/** KeePassXC accepts any file as a keyfile (hashed when not a key format); none of ours is near this. */
export const MAX_KEYFILE_BYTES = 64 * 1024 * 1024;

/** A keyfile: a regular file (not /dev/zero, a FIFO or a directory), bounded; exit 2 otherwise. */
export function readKeyfile(path: string): Uint8Array {
  try {
    return readRegularFile(path, { maxBytes: MAX_KEYFILE_BYTES, follow: true, what: 'keyfile' });
  } catch (e) {
    if (!(e instanceof SafeReadError)) throw e;
    const kind = /\((a [a-zA-Z ]+)\)/.exec(e.message)?.[1];
    const reason = e.problem === 'missing' ? 'no such file' : kind === 'a directory' || /is a directory/.test(e.message) ? 'it is a directory' : e.problem === 'not-regular' ? `not a regular file (${kind ?? 'special'}); refusing to read it` : e.message;
    throw new UsageError(`cannot read keyfile ${path}: ${reason}`);
  }
}

/** The master password from the non-interactive sources, or undefined if none was given. */
function passwordFromFlags(opts: GlobalOptions): string | undefined {
  if (opts.passwordFile) return readFirstLineOfFile(opts.passwordFile);
  if (opts.passwordFd !== undefined) return readFirstLineOfFd(opts.passwordFd);
  return undefined;
}

export interface AskOptions {
  /** Ask twice on a terminal (new passwords). */
  confirm?: boolean;
  prompt?: string;
  /**
   * What stdin carries for the command ("the entry password"): then the
   * password never comes from stdin, only from the flags, the terminal
   * (/dev/tty) or — before this is called — the agent.
   */
  stdinCarries?: string;
}

/** Credentials from flags, terminal or stdin. Throws LockedError when there is no source. */
export async function readCredentials(opts: GlobalOptions, ref: ResolvedVault, ask: AskOptions = {}): Promise<Credentials & { fromTty: boolean }> {
  disableCoreDumps();
  const kf = keyfilePath(opts, ref);
  const keyfile = kf ? readKeyfile(kf) : undefined;
  if (!opts.password) {
    if (!keyfile) throw new UsageError('--no-password needs a keyfile (--keyfile PATH or the vault\'s keyfile in the config)');
    return { keyfile, fromTty: false };
  }
  let pw = passwordFromFlags(opts);
  let fromTty = false;
  if (pw === undefined && ask.stdinCarries && !stdinIsTty()) {
    if (!hasTerminal()) throw stdinTaken(ref, ask.stdinCarries);
    pw = await promptSecretOnTerminal(ask.prompt ?? `Master password for ${ref.name ?? ref.path}:`);
    fromTty = true;
  }
  if (pw === undefined) {
    if (canPrompt()) {
      pw = await promptSecret(ask.prompt ?? `Master password for ${ref.name ?? ref.path}:`);
      if (ask.confirm) {
        const again = await promptSecret('Repeat the master password:');
        if (again !== pw) throw new UsageError('the passwords do not match; nothing was changed');
      }
      fromTty = true;
    } else if (!stdinIsTty()) {
      pw = readStdinLine();
    }
  }
  if (pw === undefined) {
    throw new LockedError(`${ref.name ?? ref.path} is locked and there is no way to ask for the password (no terminal, no stdin line, no agent); run 'stv unlock' or use --password-file`);
  }
  const password = utf8(pw);
  return { password, keyfile, fromTty };
}

function stdinTaken(ref: ResolvedVault, carries: string): LockedError {
  return new LockedError(
    `${ref.name ?? ref.path} is locked and stdin carries ${carries}, which is never read as the master password; ` +
      `unlock it first ('stv unlock' on a terminal), or give the master password with --password-file FILE or --password-fd N (--password-fd 0: the first stdin line)`,
  );
}

export function wipeCredentials(c: Credentials): void {
  wipe(c.password, c.keyfile);
}

interface Unlocked {
  vault: Vault;
  fromTty: boolean;
  /** A copy for the caller (keepCredentials). */
  credentials?: Credentials;
  /** A copy kept for a merge at save time; absent when the key came from the agent. */
  retained?: Credentials;
}

/**
 * Credentials a session read, kept until close() for saving over a file another program re-keyed:
 * KeePassXC renews the KDF salt on every save, which makes our derived key useless for its file.
 */
const retainedCredentials = new WeakMap<Session, Credentials>();

/** The bytes a session read (then last wrote): the exact common base when a save has to merge with another writer. */
const lastBytes = new WeakMap<Session, Uint8Array>();

const copyCredentials = (c: Credentials): Credentials => ({ password: c.password && Uint8Array.from(c.password), keyfile: c.keyfile && Uint8Array.from(c.keyfile) });

export interface OpenHow {
  /** Keep a copy of the credentials in the session (e.g. merge -s); wiped by close(). */
  keepCredentials?: boolean;
  /** Ask for the password on /dev/tty only, never on stdin (see AskOptions.ttyOnly). */
  ttyOnly?: boolean;
  /** Called with the credentials and the key once the KDF ran, before the file is parsed (merge starts the other file's KDF here). */
  afterKdf?: (creds: Credentials, key: DerivedKey) => void;
  /** What the command reads from stdin besides (see AskOptions.stdinCarries). */
  stdinCarries?: string;
  /** Read every entry on open (OpenOptions.readAll): the command reads or saves them all anyway. */
  readAll?: boolean;
}

async function unlockFile(opts: GlobalOptions, ref: ResolvedVault, bytes: Uint8Array, how: OpenHow = {}): Promise<Unlocked> {
  const keep = Boolean(how.keepCredentials);
  disableCoreDumps();
  // 1. Explicit password sources beat the agent (a script that passes a file means it).
  const explicit = opts.passwordFile !== undefined || opts.passwordFd !== undefined;
  if (!explicit && opts.agent && !keep) {
    const key = await agent.getKey(ref.path);
    if (key) {
      try {
        return { vault: await Vault.open(bytes, key, { readAll: how.readAll }), fromTty: false };
      } catch (e) {
        if (!(e instanceof StaleKeyError)) throw e;
      } finally {
        wipe(key.transformed);
      }
    }
  }
  Vault.prewarm(bytes);
  const creds = await readCredentials(opts, ref, { stdinCarries: how.stdinCarries });
  const progress = await startProgress(opts, 'unlocking');
  try {
    const key = await Vault.deriveKeyFor(bytes, creds, { allowSlowKdf: opts.allowSlowKdf });
    let vault: Vault;
    try {
      how.afterKdf?.(creds, key);
      vault = await Vault.open(bytes, key, { readAll: how.readAll });
    } finally {
      wipe(key.transformed);
    }
    return { vault, fromTty: creds.fromTty, credentials: keep ? copyCredentials(creds) : undefined, retained: copyCredentials(creds) };
  } catch (e) {
    // Asked on stdin's terminal only: a piped stdin carries the command's own value.
    if (e instanceof SlowKdfError && creds.fromTty && stdinIsTty()) {
      progress.stop();
      const { confirm } = await import('@inquirer/prompts');
      const ok = await confirm({ message: `${(e as Error).message}. Open anyway?`, default: false }, { output: process.stderr });
      if (!ok) throw new UsageError('not opened; the key derivation is too slow');
      return { vault: await Vault.open(bytes, creds, { allowSlowKdf: true, readAll: how.readAll }), fromTty: true, retained: copyCredentials(creds) };
    }
    throw e;
  } finally {
    progress.stop();
    wipeCredentials(creds);
  }
}

/** A spinner on a terminal while the KDF runs ("unlocking… 0.8 s"); silent otherwise. */
export async function startProgress(opts: GlobalOptions, label: string): Promise<{ stop(): void; label(text: string): void }> {
  if (!canSpin(opts)) return { stop() {}, label() {} };
  const { default: ora } = await import('ora');
  const started = Date.now();
  const spinner = ora({ text: `${label}…`, stream: process.stderr, color: opts.color ? 'cyan' : undefined, isEnabled: true }).start();
  const timer = setInterval(() => (spinner.text = `${label}… ${((Date.now() - started) / 1000).toFixed(1)} s`), 100);
  return {
    label(text: string) {
      label = text;
    },
    stop() {
      clearInterval(timer);
      spinner.stop();
    },
  };
}

export async function openSession(opts: GlobalOptions, how: OpenHow = {}): Promise<Session> {
  const config = loadConfig();
  const ref = resolveVault(opts.vault, config);
  const { bytes, stamp } = readVaultFile(ref.path);
  const { vault, fromTty, credentials, retained } = await unlockFile(opts, ref, bytes, how);
  // An interactive unlock keeps the vault unlocked for the idle timeout, as the seed workflow expects.
  if (fromTty && opts.agent) await agent.remember(ref.path, vault.derivedKey(), config.autoLockSeconds ?? 30).catch(agent.unlessRuntimeDirError);
  const session: Session = {
    opts,
    ref,
    config,
    vault,
    stamp,
    credentials,
    save: () => saveSession(session),
    close: () => {
      vault.close();
      if (credentials) wipeCredentials(credentials);
      if (retained) wipeCredentials(retained);
    },
  };
  if (retained) retainedCredentials.set(session, retained);
  lastBytes.set(session, bytes);
  return session;
}

async function saveSession(s: Session): Promise<void> {
  const release = acquireWriteLock(s.ref.path);
  try {
    removeStaleTemps(s.ref.path); // left by a killed save; they would pile up on the stick
    if (s.vault.upgradesOnSave) info(s.opts, `stv: ${upgradeNotice(s.vault, s.ref.path)}`);
    try {
      const before = s.stamp.sha256;
      const bytes = s.vault.toBytes();
      s.stamp = saveVaultFile(s.ref.path, bytes, { expected: s.stamp });
      lastBytes.set(s, bytes);
      noteLocalSave(s, before);
    } catch (e) {
      if (!(e instanceof VaultChangedError)) throw e;
      await mergeWithDisk(s);
    }
    s.vault.markSaved(s.vault.writeVersion());
  } finally {
    release();
  }
}

/** What a save that changes a 3.x file to 4.x says, and why. */
export function upgradeNotice(vault: Vault, path: string): string {
  const from = `KDBX ${vault.readVersion!.major}.${vault.readVersion!.minor}`;
  const why = vault.kdbx4Reason();
  return `saving ${path} as KDBX 4 (it was ${from}${why ? `; ${why}` : ''}): apps that read only KDBX 3.1 (KeePassX 2, older phone apps) will no longer open it`;
}

/**
 * Another writer changed the file: merge its content into ours, three-way
 * against what this session read (the exact common base), then save. No edit is lost.
 */
async function mergeWithDisk(s: Session): Promise<void> {
  const { bytes, stamp } = readVaultFile(s.ref.path);
  const rekeyed = () => new StvError(`${s.ref.path} was re-keyed by another program while open; nothing was saved — run the command again`);
  const key = s.vault.derivedKey();
  const asRead = await openBase(s);
  let theirs: Vault;
  try {
    theirs = await Vault.open(bytes, key);
  } catch (e) {
    if (!(e instanceof StaleKeyError)) throw e;
    // A new KDF salt (KeePassXC renews it on every save): derive its key from the credentials we read.
    const creds = retainedCredentials.get(s);
    if (!creds) throw rekeyed();
    try {
      theirs = await Vault.open(bytes, creds, { allowSlowKdf: s.opts.allowSlowKdf });
    } catch (e2) {
      throw e2 instanceof WrongKeyError ? rekeyed() : e2;
    }
  } finally {
    wipe(key.transformed);
  }
  const base = asRead?.db;
  const r = mergeCopies([{ db: s.vault.db, base, label: 'this save' }, { db: theirs.db, base, label: 'the file on disk' }]);
  theirs.close();
  asRead?.close();
  if (r.conflicts.length) warn(`${r.conflicts.length} concurrent edit(s) merged (${r.conflicts.map((c) => `${c.path}: ${c.fields.join(', ')}`).join('; ')}); both values kept, see 'stv conflicts'`);
  info(s.opts, `stv: ${s.ref.path} changed on disk meanwhile; merged the changes`);
  const out = s.vault.toBytes();
  s.stamp = saveVaultFile(s.ref.path, out, { expected: stamp });
  lastBytes.set(s, out);
  noteLocalSave(s, stamp.sha256);
}

/** What this session read, opened again with its key; undefined if that key no longer opens it (re-keyed in this session). */
async function openBase(s: Session): Promise<Vault | undefined> {
  const bytes = lastBytes.get(s);
  if (!bytes) return undefined;
  const key = s.vault.derivedKey();
  try {
    return await Vault.open(bytes, key);
  } catch {
    return undefined;
  } finally {
    wipe(key.transformed);
  }
}

/** Tell a later sync that the new file descends from the one it replaced, so the sticks can be updated without the key. */
function noteLocalSave(s: Session, replacedSha: string): void {
  const id = vaultIdOf(s.vault.db);
  if (!id) return;
  try {
    recordLocalSave(s.ref.path, id, replacedSha, s.stamp.sha256);
  } catch {
    // The sidecar is an optimisation: without it the next sync merges with the key.
  }
}

/** Runs `fn` on an opened session and closes it, whatever happens. */
export async function withSession<T>(opts: GlobalOptions, fn: (s: Session) => Promise<T>, how: OpenHow = {}): Promise<T> {
  // Its callers (add, edit, rm, mv, mkdir, rmdir, attachments) mostly save, which reads every entry:
  // reading them on open spares the lazy reader's skim.
  const s = await openSession(opts, { readAll: true, ...how });
  try {
    return await fn(s);
  } finally {
    s.close();
  }
}

/** For commands that may run with no vault (gen): the unlocked vault, if the agent or a flag gives one. Never prompts. */
export async function openIfUnlocked(opts: GlobalOptions): Promise<Session | undefined> {
  const explicit = opts.passwordFile !== undefined || opts.passwordFd !== undefined || !opts.password;
  if (!explicit && !(opts.agent && (await agent.isRunning().catch(() => false)))) return undefined;
  try {
    const config = loadConfig();
    const ref = resolveVault(opts.vault, config);
    const { bytes, stamp } = readVaultFile(ref.path);
    if (!explicit) {
      const key = await agent.getKey(ref.path);
      if (!key) return undefined;
      const vault = await Vault.open(bytes, key);
      wipe(key.transformed);
      return { opts, ref, config, vault, stamp, save: async () => {}, close: () => vault.close() };
    }
    const s = await openSession(opts);
    return s;
  } catch {
    return undefined;
  }
}

export { agent };
