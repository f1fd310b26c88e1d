/** config list/get/set/add-vault. */
import { UsageError } from '../../errors/index.js';
import { SETTINGS, configFile, expandPath, loadConfig, saveConfig, type Config } from '../../config/index.js';
import { existsSync } from 'node:fs';
import { type GlobalOptions, info, out, printJson, warn } from '../runtime.js';

function known(key: string): void {
  if (!(key in SETTINGS)) throw new UsageError(`unknown setting '${key}'; settings: ${Object.keys(SETTINGS).join(', ')}, vaults.NAME.path, vaults.NAME.keyfile`);
}

/** `vaults.NAME.path` / `vaults.NAME.keyfile`: a named vault's fields. */
function vaultKey(key: string): { name: string; field: 'path' | 'keyfile' } | undefined {
  const m = /^vaults\.([A-Za-z0-9._-]+)\.(path|keyfile)$/.exec(key);
  return m ? { name: m[1], field: m[2] as 'path' | 'keyfile' } : undefined;
}

function knownVault(c: Config, name: string): void {
  if (c.vaults?.[name]) return;
  const names = Object.keys(c.vaults ?? {});
  throw new UsageError(`no vault named '${name}'${names.length ? ` (vaults: ${names.join(', ')})` : ''}; name one with 'stv config add-vault NAME PATH'`);
}

export async function list(opts: GlobalOptions): Promise<void> {
  const c = loadConfig() as Record<string, unknown>;
  if (opts.json) return printJson({ file: configFile(), ...c });
  out(`# ${configFile()}`);
  for (const [k, s] of Object.entries(SETTINGS)) out(`${k} = ${c[k] ?? '(default)'}\t# ${s.describe}`);
  for (const [name, v] of Object.entries(loadConfig().vaults ?? {})) out(`vault ${name} = ${v.path}${v.keyfile ? ` (keyfile ${v.keyfile})` : ''}`);
}

export async function get(opts: GlobalOptions, key: string): Promise<void> {
  const vk = vaultKey(key);
  if (vk) {
    const c = loadConfig();
    knownVault(c, vk.name);
    const v = c.vaults![vk.name][vk.field];
    if (opts.json) return printJson(v ?? null);
    if (v !== undefined) out(v);
    return;
  }
  known(key);
  const v = (loadConfig() as Record<string, unknown>)[key];
  if (opts.json) return printJson(v ?? null);
  if (v !== undefined) out(String(v));
}

export async function set(opts: GlobalOptions, key: string, raw: string): Promise<void> {
  const vk = vaultKey(key);
  if (vk) {
    const c = loadConfig();
    knownVault(c, vk.name);
    if (!raw.trim()) throw new UsageError('value must not be empty');
    c.vaults![vk.name] = { ...c.vaults![vk.name], [vk.field]: expandPath(raw) };
    saveConfig(c);
    if (vk.field === 'keyfile') warnIfMissing(expandPath(raw));
    return info(opts, `${key} = ${expandPath(raw)}`);
  }
  known(key);
  const value = SETTINGS[key].parse(raw);
  if (key === 'generatorRule') {
    // A rule gen could never satisfy must not become the default.
    const { describeRule } = await import('../../generator/index.js');
    describeRule(String(value));
  }
  const c = loadConfig() as Record<string, unknown>;
  c[key] = value;
  saveConfig(c as Config);
  info(opts, `${key} = ${String(value)}`);
}

export async function addVault(opts: GlobalOptions, name: string, path: string, keyfile?: string): Promise<void> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new UsageError(`vault names use letters, digits, '.', '_' and '-'; got '${name}'`);
  const c = loadConfig();
  c.vaults = { ...c.vaults, [name]: { path: expandPath(path), ...(keyfile ? { keyfile: expandPath(keyfile) } : {}) } };
  saveConfig(c);
  if (keyfile) warnIfMissing(expandPath(keyfile));
  info(opts, `vault ${name} → ${expandPath(path)}${keyfile ? ` with keyfile ${expandPath(keyfile)}` : ''}`);
}

/** A keyfile on a stick that is not mounted now is fine to name; say so all the same. */
function warnIfMissing(path: string): void {
  if (!existsSync(path)) warn(`${path} does not exist (yet); the vault cannot be opened until it does`);
}
