/**
 * config.json in the XDG config dir. Schema (all keys optional):
 *
 * {
 *   "defaultVault": "personal",              // a vault name below, or a path
 *   "vaults": { "personal": { "path": "/media/fred/WHITE/personal.kdbx", "keyfile": "/media/fred/KEY/p.keyx" } },
 *   "autoLockSeconds": 30,                   // agent idle timeout
 *   "agentHardCapSeconds": 28800,            // the agent forgets every key this long after its unlock, used or not
 *   "clipboardSeconds": 30,                  // clipboard purge timeout
 *   "generatorRule": "minlength: 20; maxlength: 20; required: upper; required: lower; required: digit; required: special;",
 *   "aliasVault": "personal",                // vault that holds the e-mail alias setup
 *   "stickPaths": ["/srv/sticks/white"],     // extra places to look for sticks
 *   "gitCredentialGroup": "Git",             // group `git credential approve` adds entries to
 *   "hibpRangeUrl": "https://api.pwnedpasswords.com/range/",  // audit --hibp-online
 *   "picker": "fzf"                          // stv pick: fzf, rofi, dmenu, wofi or a command line
 * }
 *
 * The config never holds a secret.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { UsageError, didYouMean } from '../errors/index.js';
import { existsSync } from 'node:fs';
import { configDir, configFile, defaultVaultPath } from './paths.js';
import { ensurePrivateDir, writeFileAtomic } from './fs-private.js';

export interface VaultRef {
  path: string;
  keyfile?: string;
}

export interface Config {
  defaultVault?: string;
  vaults?: Record<string, VaultRef>;
  autoLockSeconds?: number;
  agentHardCapSeconds?: number;
  clipboardSeconds?: number;
  generatorRule?: string;
  aliasVault?: string;
  stickPaths?: string[];
  gitCredentialGroup?: string;
  hibpRangeUrl?: string;
  picker?: string;
}

/** The settings `stv config get|set` knows, with their validation. */
export const SETTINGS: Record<string, { describe: string; parse: (raw: string) => unknown }> = {
  defaultVault: { describe: 'vault used when --vault is not given (name or path)', parse: (s) => nonEmpty(s) },
  autoLockSeconds: { describe: 'seconds of disuse before the agent forgets a key', parse: (s) => seconds(s, 1, 86400) },
  agentHardCapSeconds: { describe: 'seconds after an unlock when the agent forgets the key however often it is used (default 28800, 8 h)', parse: (s) => seconds(s, 1, 7 * 86400) },
  clipboardSeconds: { describe: 'seconds before a copied secret is purged (0 = never)', parse: (s) => seconds(s, 0, 86400) },
  generatorRule: { describe: 'default password rule (Password Rules syntax)', parse: (s) => nonEmpty(s) },
  aliasVault: { describe: 'vault that holds the e-mail alias setup', parse: (s) => nonEmpty(s) },
  gitCredentialGroup: { describe: "group new git credentials go to (default 'Git')", parse: (s) => nonEmpty(s) },
  hibpRangeUrl: { describe: 'Pwned Passwords range API for audit --hibp-online (5 hex characters are appended)', parse: (s) => httpUrl(s) },
  picker: { describe: 'stv pick: fzf, rofi, dmenu, wofi, or a command line that reads lines and prints the chosen one', parse: (s) => nonEmpty(s) },
};

function nonEmpty(s: string): string {
  if (!s.trim()) throw new UsageError('value must not be empty');
  return s;
}

function httpUrl(s: string): string {
  if (!/^https?:\/\/[^\s]+$/.test(s)) throw new UsageError(`expected an http:// or https:// URL, got '${s}'`);
  return s;
}

function seconds(s: string, min: number, max: number): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`expected whole seconds from ${min} to ${max}, got '${s}'`);
  return n;
}

export function validateConfig(raw: unknown, where: string): Config {
  const bad = (msg: string) => new UsageError(`invalid config ${where}: ${msg}; fix it or run 'stv doctor'`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('top level must be an object');
  const c = raw as Record<string, unknown>;
  const str = (k: string) => {
    if (c[k] !== undefined && typeof c[k] !== 'string') throw bad(`${k} must be a string`);
  };
  const int = (k: string, min: number) => {
    if (c[k] !== undefined && (!Number.isInteger(c[k]) || (c[k] as number) < min)) throw bad(`${k} must be a whole number ≥ ${min}`);
  };
  str('defaultVault'); str('generatorRule'); str('aliasVault'); str('gitCredentialGroup'); str('hibpRangeUrl'); str('picker');
  int('autoLockSeconds', 1); int('clipboardSeconds', 0); int('agentHardCapSeconds', 1);
  if (c.vaults !== undefined) {
    if (typeof c.vaults !== 'object' || c.vaults === null || Array.isArray(c.vaults)) throw bad('vaults must be an object');
    for (const [name, v] of Object.entries(c.vaults as Record<string, unknown>)) {
      const ref = v as Record<string, unknown>;
      if (typeof ref !== 'object' || ref === null || typeof ref.path !== 'string') throw bad(`vaults.${name}.path must be a string`);
      if (ref.keyfile !== undefined && typeof ref.keyfile !== 'string') throw bad(`vaults.${name}.keyfile must be a string`);
    }
  }
  if (c.stickPaths !== undefined && (!Array.isArray(c.stickPaths) || c.stickPaths.some((p) => typeof p !== 'string'))) {
    throw bad('stickPaths must be a list of paths');
  }
  return c as Config;
}

export function loadConfig(): Config {
  const file = configFile();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`cannot read config ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`invalid config ${file}: ${(e as Error).message}; fix the JSON or remove the file`);
  }
  return validateConfig(raw, file);
}

export function saveConfig(config: Config): void {
  ensurePrivateDir(configDir());
  writeFileAtomic(configFile(), JSON.stringify(config, null, 2) + '\n');
}

export interface ResolvedVault {
  /** Name from the config, when the vault was named. */
  name?: string;
  path: string;
  keyfile?: string;
}

/**
 * Which vault: --vault > STICKVAULT_VAULT > config default > XDG default path.
 * A value is a configured name if the config knows it, else a path. A bare
 * word that is neither a name nor an existing file is taken for a mistyped
 * name (the known ones are listed), except when the vault is being created.
 */
export function resolveVault(cliVault: string | undefined, config: Config = loadConfig(), how: { creating?: boolean } = {}): ResolvedVault {
  const chosen = cliVault ?? process.env.STICKVAULT_VAULT ?? config.defaultVault;
  if (!chosen) return { path: defaultVaultPath() };
  const named = config.vaults?.[chosen];
  if (named) return { name: chosen, path: expandPath(named.path), keyfile: named.keyfile ? expandPath(named.keyfile) : undefined };
  const path = expandPath(chosen);
  const byPath = Object.entries(config.vaults ?? {}).find(([, v]) => expandPath(v.path) === path);
  if (byPath) return { name: byPath[0], path, keyfile: byPath[1].keyfile ? expandPath(byPath[1].keyfile) : undefined };
  if (!how.creating && !/[/.]/.test(chosen) && !existsSync(path)) throw unknownVaultName(chosen, config);
  return { path };
}

function unknownVaultName(name: string, config: Config): UsageError {
  const names = Object.keys(config.vaults ?? {});
  if (!names.length) return new UsageError(`no vault named '${name}' and no file ./${name}; name vaults with 'stv config add-vault NAME PATH', or give a path`);
  return new UsageError(`no vault named '${name}'${didYouMean(name, names)}; vaults: ${names.join(', ')} (or give a path, e.g. ./${name}.kdbx)`);
}

export function expandPath(p: string): string {
  if (p === '~' || p.startsWith('~/')) p = (process.env.HOME ?? '') + p.slice(1);
  return isAbsolute(p) ? p : resolve(p);
}
