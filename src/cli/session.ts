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
import { LockedError, UsageError } from '../errors/index.js';
import { resolveVault, loadConfig, type ResolvedVault, type Config } from '../config/index.js';
import { Credentials, disableCoreDumps, utf8 } from '../secret/index.js';
import { VaultSession, readKeyfile, type KeySource, type OpenVaultOptions, type SessionEvents } from '../vault/index.js';
import { noteSessionSave } from '../sync/index.js';
import type { GlobalOptions } from './runtime.js';
import { agentAllowed, canSpin, info, warn } from './runtime.js';
import { canPrompt, hasTerminal, promptSecret, promptSecretOnTerminal, readFirstLineOfFd, readFirstLineOfFile, readStdinLineBytes, stdinIsTty } from './secrets-input.js';
import { agentLink as agent } from '../agent/index.js';

export { readKeyfile };

/** A vault session with the command's options and the config it was resolved from. */
export type Session = VaultSession & { opts: GlobalOptions; ref: ResolvedVault; config: Config };

function keyfilePath(opts: GlobalOptions, ref: ResolvedVault): string | undefined {
  return opts.keyfile ?? ref.keyfile;
}

/** The master password's bytes from the non-interactive sources, or undefined if none was given. */
function passwordFromFlags(opts: GlobalOptions): Uint8Array | undefined {
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
    return Object.assign(new Credentials({ keyfile }), { fromTty: false });
  }
  let pw = passwordFromFlags(opts);
  let fromTty = false;
  if (pw === undefined && ask.stdinCarries && !stdinIsTty()) {
    if (!hasTerminal()) throw stdinTaken(ref, ask.stdinCarries);
    // The prompt library answers with a string; it becomes bytes at once.
    pw = utf8(await promptSecretOnTerminal(ask.prompt ?? `Master password for ${ref.name ?? ref.path}:`));
    fromTty = true;
  }
  if (pw === undefined) {
    if (canPrompt()) {
      const typed = await promptSecret(ask.prompt ?? `Master password for ${ref.name ?? ref.path}:`);
      if (ask.confirm) {
        const again = await promptSecret('Repeat the master password:');
        if (again !== typed) throw new UsageError('the passwords do not match; nothing was changed');
      }
      pw = utf8(typed);
      fromTty = true;
    } else if (!stdinIsTty()) {
      pw = readStdinLineBytes();
    }
  }
  if (pw === undefined) {
    throw new LockedError(`${ref.name ?? ref.path} is locked and there is no way to ask for the password (no terminal, no stdin line, no agent); run 'stv unlock' or use --password-file`);
  }
  return Object.assign(new Credentials({ password: pw, keyfile }), { fromTty });
}

function stdinTaken(ref: ResolvedVault, carries: string): LockedError {
  return new LockedError(
    `${ref.name ?? ref.path} is locked and stdin carries ${carries}, which is never read as the master password; ` +
      `unlock it first ('stv unlock' on a terminal), or give the master password with --password-file FILE or --password-fd N (--password-fd 0: the first stdin line)`,
  );
}

/** The command line's key source: the agent's key, then flags, terminal or stdin. Remembers whether the terminal was asked. */
export function cliKeySource(opts: GlobalOptions, ref: ResolvedVault, ask: AskOptions = {}): KeySource & { fromTty: boolean } {
  const source = {
    fromTty: false,
    heldKey: () => agent.getKey(ref.path),
    forgetHeldKey: () => agent.forget(ref.path),
    async credentials() {
      const c = await readCredentials(opts, ref, ask);
      source.fromTty = c.fromTty;
      return c;
    },
  };
  return source;
}

/** Explicit password sources beat the agent (a script that passes a file means it). */
const explicitPassword = (opts: GlobalOptions) => opts.passwordFile !== undefined || opts.passwordFd !== undefined;

/** The command that runs the agent: this program's hidden `__agent`. */
export const AGENT_COMMAND = (): string[] => [process.argv[1], '__agent'];

/** The key source a command's options allow: the agent only when it is on and no password source was given. */
export function keySourceFor(opts: GlobalOptions, ref: ResolvedVault): KeySource {
  const keys = cliKeySource(opts, ref);
  return agentAllowed(opts) ? keys : { credentials: keys.credentials };
}

export interface OpenHow {
  /** Keep a copy of the credentials in the session (e.g. merge -s); wiped by close(). */
  keepCredentials?: boolean;
  /** Called with the credentials and the key once the KDF ran, before the file is parsed (merge starts the other file's KDF here). */
  afterKdf?: OpenVaultOptions['afterKdf'];
  /** What the command reads from stdin besides (see AskOptions.stdinCarries). */
  stdinCarries?: string;
  /** Read every entry on open (OpenOptions.readAll): the command reads or saves them all anyway. */
  readAll?: boolean;
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

/** What a session says on the terminal, and the sync sidecar note after each save. */
function cliEvents(opts: GlobalOptions): SessionEvents {
  return {
    info: (text) => info(opts, text),
    warn: (text) => warn(text),
    saved: noteSessionSave,
  };
}

export async function openSession(opts: GlobalOptions, how: OpenHow = {}): Promise<Session> {
  const config = loadConfig();
  const ref = resolveVault(opts.vault, config);
  const keys = cliKeySource(opts, ref, { stdinCarries: how.stdinCarries });
  const vs = await VaultSession.open(ref.path, keys, {
    keepCredentials: how.keepCredentials,
    skipHeldKey: !agentAllowed(opts),
    allowSlowKdf: opts.allowSlowKdf,
    afterKdf: how.afterKdf,
    readAll: how.readAll,
    progress: () => startProgress(opts, 'unlocking'),
    // Asked on stdin's terminal only: a piped stdin carries the command's own value.
    confirmSlowKdf: (message) => (keys.fromTty && stdinIsTty() ? confirmOnTerminal(`${message}. Open anyway?`) : undefined),
    events: cliEvents(opts),
  });
  // An interactive unlock keeps the vault unlocked for the idle timeout, as the seed workflow expects.
  if (keys.fromTty && opts.agent) await agent.remember(ref.path, vs.vault.derivedKey(), { timeoutSeconds: config.autoLockSeconds ?? 30, start: AGENT_COMMAND() }).catch(agent.unlessRuntimeDirError);
  return Object.assign(vs, { opts, ref, config });
}

async function confirmOnTerminal(message: string): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message, default: false }, { output: process.stderr });
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
  const explicit = explicitPassword(opts) || !opts.password;
  if (!explicit && !(opts.agent && (await agent.isRunning().catch(() => false)))) return undefined;
  try {
    if (explicit) return await openSession(opts);
    const config = loadConfig();
    const ref = resolveVault(opts.vault, config);
    const vs = await VaultSession.open(ref.path, { heldKey: () => agent.getKey(ref.path) }, { readOnly: true });
    return Object.assign(vs, { opts, ref, config });
  } catch {
    return undefined;
  }
}

export { agent };
