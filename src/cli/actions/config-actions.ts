/** config list/get/set/add-vault. */
import { UsageError } from '../../errors/index.js';
import { SETTINGS, configFile, expandPath, loadConfig, saveConfig, type Config } from '../../config/index.js';
import { type GlobalOptions, info, out, printJson } from '../runtime.js';

function known(key: string): void {
  if (!(key in SETTINGS)) throw new UsageError(`unknown setting '${key}'; settings: ${Object.keys(SETTINGS).join(', ')}`);
}

export async function list(opts: GlobalOptions): Promise<void> {
  const c = loadConfig() as Record<string, unknown>;
  if (opts.json) return printJson({ file: configFile(), ...c });
  out(`# ${configFile()}`);
  for (const [k, s] of Object.entries(SETTINGS)) out(`${k} = ${c[k] ?? '(default)'}\t# ${s.describe}`);
  for (const [name, v] of Object.entries(loadConfig().vaults ?? {})) out(`vault ${name} = ${v.path}${v.keyfile ? ` (keyfile ${v.keyfile})` : ''}`);
}

export async function get(opts: GlobalOptions, key: string): Promise<void> {
  known(key);
  const v = (loadConfig() as Record<string, unknown>)[key];
  if (opts.json) return printJson(v ?? null);
  if (v !== undefined) out(String(v));
}

export async function set(opts: GlobalOptions, key: string, raw: string): Promise<void> {
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
  info(opts, `vault ${name} → ${expandPath(path)}`);
}
