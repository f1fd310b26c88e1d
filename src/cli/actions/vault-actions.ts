/** init, keyfile new, passwd, info. */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Command } from 'commander';
import { UsageError, StvError } from '../../errors/index.js';
import { ensurePrivateDir, loadConfig, resolveVault, writeFileAtomic } from '../../config/index.js';
import { Vault, saveVaultFile, keepReplacedCopy, newKeyfileXmlV2, tuneKdf, defaultKdf, readVaultFile, type KdfParams, type VaultSettings } from '../../vault/index.js';
import { type GlobalOptions, info as say, out, printJson } from '../runtime.js';
import { wipeCredentials, openSession, readKeyfile } from '../session.js';
import { readNewMasterPassword } from '../new-master.js';
import { canPrompt } from '../secrets-input.js';
import { EXIT_CANCELLED } from '../exit-codes.js';

interface KdfOpts {
  kdf: 'argon2id' | 'argon2d' | 'aes';
  kdfMs: string;
  kdfMemory: string;
  kdfIterations?: string;
  kdfParallelism: string;
  cipher: 'aes' | 'chacha20';
}

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
  return { cipher: o.cipher === 'chacha20' ? 'chacha20' : 'aes256', kdf, compressed: true };
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
      process.exitCode = EXIT_CANCELLED;
      return;
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
    wipeCredentials(creds);
  }
  if (replacing) {
    // The agent may hold the replaced vault's key.
    const { agent } = await import('../session.js');
    await agent.forget(ref.path).catch(() => undefined);
  }
  const kdf = settings.kdf;
  const kdfText = kdf.type === 'aes' ? `AES-KDF ${kdf.rounds} rounds` : `${kdf.type} ${Number(kdf.memoryBytes) / 1048576} MiB × ${kdf.iterations} iterations × ${kdf.parallelism} lanes`;
  if (opts.json) printJson({ path: ref.path, cipher: settings.cipher, kdf: kdfText, ...(kept ? { replacedKeptAs: kept } : {}) });
  else say(opts, `created ${ref.path} (${settings.cipher === 'aes256' ? 'AES-256' : 'ChaCha20'}, ${kdfText})${kept ? `; the old file is kept as ${kept}` : ''}`);
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
  o: KdfOpts & { newKeyfile?: string; removeKeyfile?: boolean; removePassword?: boolean; allowWeak?: boolean },
  cmd: Command,
): Promise<void> {
  const s = await openSession(opts, o.removePassword ? {} : { stdinCarries: 'the new master password' });
  try {
    const explicitKdf = ['kdf', 'kdfMs', 'kdfMemory', 'kdfIterations', 'kdfParallelism', 'cipher'].some((k) => cmd.getOptionValueSource(k) === 'cli');
    const settings = explicitKdf ? await settingsFrom(o) : s.vault.settings;
    const keyfile = o.removeKeyfile ? undefined : o.newKeyfile ? readKeyfile(o.newKeyfile) : (opts.keyfile ?? s.ref.keyfile) ? readKeyfile((opts.keyfile ?? s.ref.keyfile)!) : undefined;
    let password: Uint8Array | undefined;
    if (!o.removePassword) {
      const c = await readNewMasterPassword({ ...opts, keyfile: undefined, passwordFile: undefined, passwordFd: undefined, password: true }, s.ref, { prompt: 'New master password:', allowWeak: o.allowWeak || keyfile !== undefined });
      password = c.password;
    }
    if (!password && !keyfile) throw new UsageError('a vault needs a password or a keyfile; nothing was changed');
    await s.vault.changeKey({ password, keyfile }, settings);
    password?.fill(0);
    await s.save();
    // The agent's key is for the old credentials.
    const { agent } = await import('../session.js');
    await agent.forget(s.ref.path).catch(() => undefined);
    say(opts, `changed the master key of ${s.ref.path}${keyfile ? ' (with keyfile)' : ''}`);
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
  };
  if (opts.json) return printJson(data);
  out(`Path:        ${data.path}${data.name ? ` (${data.name})` : ''}`);
  out(`Format:      ${data.format}, ${data.size} bytes, ${data.compressed ? 'gzip' : 'uncompressed'}`);
  out(`Cipher:      ${data.cipher === 'aes256' ? 'AES-256-CBC' : 'ChaCha20'}`);
  out(`KDF:         ${kdf.type === 'aes' ? `AES-KDF, ${kdf.rounds} rounds` : `${kdf.type}, ${Number(kdf.memoryBytes) / 1048576} MiB, ${kdf.iterations} iterations, ${kdf.parallelism} lanes`}`);
}
