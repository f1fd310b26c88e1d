/** stv doctor: checks that each print a fix when they fail. */
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { configFile, loadConfig, resolveVault, runtimeDir, expandPath, privateRuntimeDir, type RuntimeDirError } from '../../config/index.js';
import { Vault, readVaultFile, kdfStrength, INTEGRITY_TEXT } from '../../vault/index.js';
import { type GlobalOptions, out, printJson } from '../runtime.js';
import { finishWith } from '../exit-codes.js';

interface Check {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

export async function doctor(opts: GlobalOptions): Promise<void> {
  const checks: Check[] = [];
  // Clipboard.
  const wayland = Boolean(process.env.WAYLAND_DISPLAY);
  const x11 = Boolean(process.env.DISPLAY);
  const tool = wayland ? 'wl-copy' : have('xsel') ? 'xsel' : have('xclip') ? 'xclip' : undefined;
  checks.push({
    check: 'clipboard',
    ok: (wayland && have('wl-copy')) || (x11 && Boolean(tool)),
    detail: wayland ? 'Wayland' : x11 ? `X11 via ${tool ?? 'nothing'}` : 'no display (headless)',
    fix: wayland ? 'install wl-clipboard' : x11 ? 'install xsel (apt install xsel)' : "run in a desktop session, or use 'stv clip --print-if-no-clipboard'",
  });
  // Agent directory.
  // The same check every process makes before it talks through the directory (config/runtime-dir.ts).
  const dir = runtimeDir();
  try {
    const present = privateRuntimeDir({ create: false });
    checks.push({ check: 'agent directory', ok: true, detail: present ? `${dir}, yours, mode 0700` : `${dir} (created on first unlock)` });
  } catch (e) {
    checks.push({ check: 'agent directory', ok: false, detail: (e as Error).message, fix: (e as RuntimeDirError).fix ?? `rm -r ${dir} (after checking what is in it), or set XDG_RUNTIME_DIR to a private directory` });
  }
  // Config.
  let config = {};
  try {
    config = loadConfig();
    checks.push({ check: 'config', ok: true, detail: existsSync(configFile()) ? configFile() : 'none (defaults)' });
  } catch (e) {
    checks.push({ check: 'config', ok: false, detail: (e as Error).message, fix: `fix or remove ${configFile()}` });
  }
  // KDF strength of each known vault.
  const vaults = new Map<string, string>();
  const c = config as ReturnType<typeof loadConfig>;
  for (const [name, v] of Object.entries(c.vaults ?? {})) vaults.set(name, expandPath(v.path));
  if (!vaults.size) vaults.set('default', resolveVault(undefined, c).path);
  for (const [name, path] of vaults) {
    // The fix must name the vault the way --vault finds it: a config name, else its path.
    const ref = c.vaults?.[name] ? name : path;
    if (!existsSync(path)) {
      checks.push({ check: `vault ${name}`, ok: false, detail: `${path} not found`, fix: `stv --vault ${path} init, or mount the stick that holds it` });
      continue;
    }
    try {
      const h = Vault.header(readVaultFile(path).bytes);
      if (h.version.major < 4) {
        checks.push({
          check: `vault ${name} format`,
          ok: false,
          detail: `KDBX ${h.version.major}.${h.version.minor}: no MAC, so a damaged or tampered file is only noticed after decryption (or not at all without a header hash)`,
          fix: `stv --vault ${ref} upgrade (KDBX 4; apps that read only 3.1, such as KeePassX 2, will no longer open it)`,
        });
        const { integrityOf3x } = await import('./vault-actions.js');
        const integrity = await integrityOf3x({ ...opts, vault: path });
        checks.push({ check: `vault ${name} integrity`, ok: false, detail: INTEGRITY_TEXT[integrity], fix: `stv --vault ${ref} upgrade` });
      }
      const k = await kdfStrength(h.kdf);
      if (k.type === 'aes') {
        checks.push({ check: `vault ${name} KDF`, ok: k.ok, detail: `AES-KDF ${k.rounds} rounds${k.tooFast ? ' (under 0.5 s here)' : ''}`, fix: `stv --vault ${ref} passwd --kdf argon2id (Argon2id resists GPU guessing)` });
      } else {
        const why = [k.tooSmall ? 'under 64 MiB' : '', k.tooFast ? 'under 0.5 s here' : ''].filter(Boolean).join(', ');
        checks.push({ check: `vault ${name} KDF`, ok: k.ok, detail: `${k.type} ${k.memoryMiB} MiB × ${k.iterations}${why ? ` (${why})` : ''}`, fix: `stv --vault ${ref} passwd --kdf-memory 64 --kdf-ms 1000` });
      }
    } catch (e) {
      checks.push({ check: `vault ${name}`, ok: false, detail: (e as Error).message });
    }
  }
  checks.push(...(await stickChecks(c, vaults)));
  // Exit 1 when a check fails, as 'brew doctor' does, so scripts can act on it.
  if (checks.some((ch) => !ch.ok)) finishWith('problems-found');
  if (opts.json) return printJson(checks);
  for (const ch of checks) out(`${ch.ok ? 'ok  ' : 'FAIL'} ${ch.check}: ${ch.detail}${!ch.ok && ch.fix ? `\n     fix: ${ch.fix}` : ''}`);
}

/** A backup older than this is worth a warning. */
const STALE_DAYS = 30;

/** Sticks: which known ones are mounted, and whether each vault has a recent copy on one. */
async function stickChecks(config: ReturnType<typeof loadConfig>, vaults: Map<string, string>): Promise<Check[]> {
  const { listSticks, knownVaultId } = await import('../../sync/index.js');
  const sticks = listSticks(config.stickPaths ?? []);
  const checks: Check[] = [];
  // Sticks are optional: with none known there is nothing to be stale.
  if (!sticks.length) return [{ check: 'sticks', ok: true, detail: "none known (copies on USB sticks: 'stv help sync')" }];
  const mounted = sticks.filter((s) => s.mounted).map((s) => s.label);
  checks.push({ check: 'sticks', ok: true, detail: `${sticks.length} known, mounted now: ${mounted.join(', ') || 'none'}` });
  for (const [name, path] of vaults) {
    const id = existsSync(path) ? knownVaultId(path) : undefined;
    if (!id) {
      checks.push({ check: `vault ${name} backup`, ok: false, detail: 'not on any stick yet', fix: `stv --vault ${name} stick init MOUNTPOINT --label NAME` });
      continue;
    }
    const copies = sticks.flatMap((s) => s.vaults.filter((v) => v.vaultId === id).map((v) => ({ stick: s.label, ...v })));
    const fresh = copies.filter((c) => c.staleness.current || (c.staleness.daysSinceSync ?? Infinity) <= STALE_DAYS);
    checks.push({
      check: `vault ${name} backup`,
      ok: fresh.length > 0,
      detail: copies.length ? copies.map((c) => `${c.stick}: ${c.staleness.current ? 'current' : c.lastSynced ? `synced ${c.staleness.daysSinceSync} day(s) ago` : 'never synced'}`).join('; ') : 'not on any stick yet',
      fix: copies.length ? `mount a stick that holds it and run 'stv --vault ${name} sync'` : `stv --vault ${name} stick init MOUNTPOINT --label NAME`,
    });
  }
  return checks;
}
