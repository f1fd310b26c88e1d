/**
 * What a sync works on: each named vault with its vault id (found without a
 * key where possible), plus, for "all", the vaults that live only on sticks.
 */
import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import { UsageError } from '../errors/index.js';
import { resolveVault, type Config, type ResolvedVault } from '../config/index.js';
import { readVaultFile, sameDigest, saveVaultFile, VaultMissingError } from '../vault/index.js';
import { recordLocalSave } from './sidecar.js';
import { knownVaultId } from './run.js';
import { ensureVaultId } from './vault-id.js';
import { loadRegistry } from './registry.js';
import { findSticks } from './discovery.js';
import type { MountedStick } from './sticks.js';
import type { SyncKeys } from './keys.js';

export interface SyncTarget {
  ref: ResolvedVault;
  /** Undefined for a vault that lives only on sticks. */
  local?: { path: string; name?: string };
  vaultId: string;
  label: string;
}

export const labelOf = (ref: ResolvedVault): string => ref.name ?? ref.path;

/**
 * The vault id of a local vault: from its sidecar or the registry without a
 * key; else from the file itself (created and saved on first use); else from
 * a mounted stick that names a vault of that name (a new machine).
 */
export async function vaultIdFor(ref: ResolvedVault, keys: SyncKeys, sticks: MountedStick[]): Promise<string> {
  const known = knownVaultId(ref.path);
  if (known) return known;
  if (!existsSync(ref.path)) {
    const name = ref.name ?? basename(ref.path);
    const found = sticks.flatMap((s) => Object.entries(s.info.vaults).map(([id, v]) => ({ id, v, label: s.info.label }))).filter(({ v }) => v.name === name || basename(v.file) === basename(ref.path));
    const ids = [...new Set(found.map((f) => f.id))];
    // Two different vaults by that name: taking either could put someone else's vault at this path.
    if (ids.length > 1) throw new UsageError(`the mounted sticks hold ${ids.length} different vaults named like ${name} (on ${found.map((f) => f.label).join(', ')}); mount only the sticks of yours, or create ${ref.path} first`);
    if (ids.length) return ids[0];
    throw new VaultMissingError(ref.path);
  }
  const { bytes, stamp } = readVaultFile(ref.path);
  const vault = await keys.open(bytes);
  try {
    const { id, created } = ensureVaultId(vault.db);
    if (created) {
      const written = saveVaultFile(ref.path, vault.toBytes(), { expected: stamp });
      recordLocalSave(ref.path, id, stamp.sha256, written.sha256);
    } else recordLocalSave(ref.path, id, stamp.sha256, stamp.sha256);
    return id;
  } finally {
    vault.close();
  }
}

function stickOnlyTargets(config: Config, sticks: MountedStick[], taken: Set<string>): SyncTarget[] {
  const out: SyncTarget[] = [];
  for (const s of sticks) {
    for (const [vaultId, v] of Object.entries(s.info.vaults)) {
      if (taken.has(vaultId)) continue;
      taken.add(vaultId);
      const ref = v.name && config.vaults?.[v.name] ? resolveVault(v.name, config) : { name: v.name, path: `${s.root}/${v.file}` };
      out.push({ ref, vaultId, label: v.name ?? vaultId });
    }
  }
  return out;
}

export interface TargetChoice {
  config: Config;
  /** The vaults named (or, with all, every configured vault). */
  refs: ResolvedVault[];
  /** Every configured vault plus those only on sticks; a configured vault that is nowhere is skipped. */
  all?: boolean;
  sticks: MountedStick[];
  keysFor(ref: ResolvedVault): SyncKeys;
}

/** Each vault once (two names for one vault id sync once). */
export async function chooseSyncTargets(c: TargetChoice): Promise<SyncTarget[]> {
  const targets: SyncTarget[] = [];
  const taken = new Set<string>();
  for (const ref of c.refs) {
    let vaultId: string;
    try {
      vaultId = await vaultIdFor(ref, c.keysFor(ref), c.sticks);
    } catch (e) {
      // With --all, a configured vault that is neither here nor on a stick is not an error.
      if (c.all && e instanceof VaultMissingError) continue;
      throw e;
    }
    if (taken.has(vaultId)) continue;
    taken.add(vaultId);
    targets.push({ ref, vaultId, local: { path: ref.path, name: ref.name }, label: labelOf(ref) });
  }
  if (c.all) targets.push(...stickOnlyTargets(c.config, c.sticks, taken));
  return targets;
}

/**
 * Whether a save of a local vault calls for a sync: not when it is what the
 * last sync left everywhere (a sync's own write, or a save that changed
 * nothing), nor when no mounted stick or folder replica holds the vault. `path` is the
 * file that changed (the local copy, or a folder copy of the vault at `localPath`).
 */
export function saveNeedsSync(path: string, stickPaths: string[], localPath = path): boolean {
  const id = knownVaultId(localPath);
  if (!id) return false;
  let sha: string | undefined;
  try {
    sha = readVaultFile(path).stamp.sha256;
  } catch {
    sha = undefined;
  }
  const registry = loadRegistry();
  if (sameDigest(sha, registry.vaults[id]?.syncs.at(-1)?.sha256)) return false;
  return findSticks(stickPaths).some((s) => s.info.vaults[id]) || Object.values(registry.replicas).some((x) => x.vaultId === id);
}
