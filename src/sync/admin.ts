/**
 * Preparing, listing and forgetting sticks. `stick init` only writes the
 * stick's label file and names the vault file on it; the first sync (run by
 * the CLI right after) puts the vault there, or merges a copy already there.
 */
import { statSync, accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { NotFoundError, UsageError } from '../errors/index.js';
import { findSticks } from './discovery.js';
import { loadRegistry, localCopySha, saveRegistry, staleness, type Registry, type Staleness } from './registry.js';
import { newStick, readStick, staysOnStick, validLabel, writeStick, type MountedStick, type StickInfo } from './sticks.js';
import { stickCopy } from './copies.js';

export interface InitStickOptions {
  root: string;
  label?: string;
  vaultId: string;
  /** File name on the stick, relative to its root. */
  file: string;
  vaultName?: string;
}

export function initStick(o: InitStickOptions): { info: StickInfo; created: boolean } {
  const root = resolve(o.root);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new UsageError(`${root} does not exist; mount the stick first and give its mount point`);
  }
  if (!st.isDirectory()) throw new UsageError(`${root} is not a directory; give the stick's mount point`);
  try {
    accessSync(root, constants.W_OK);
  } catch {
    throw new UsageError(`${root} is not writable (read-only mount?); remount it read-write`);
  }
  const existing = readStick(root);
  if (!existing && !o.label) throw new UsageError('a new stick needs a label: --label NAME (e.g. black-backup)');
  const info = existing ?? newStick(validLabel(o.label!));
  if (o.label) info.label = validLabel(o.label);
  const clash = Object.entries(info.vaults).find(([id, v]) => id !== o.vaultId && v.file === o.file);
  if (clash) throw new UsageError(`${o.file} on this stick already holds another vault (${clash[1].name ?? clash[0]}); choose another --file`);
  info.vaults[o.vaultId] = { file: o.file, name: o.vaultName };
  if (!staysOnStick(o.file)) throw new UsageError(`--file ${o.file} is not inside the stick; give a path relative to ${root}`);
  writeStick(root, info);
  const r = loadRegistry();
  const known = (r.sticks[info.id] ??= { label: info.label, lastPath: root, lastSeen: new Date().toISOString(), vaults: {} });
  known.label = info.label;
  known.lastPath = root;
  known.vaults[o.vaultId] ??= { file: o.file };
  saveRegistry(r);
  return { info, created: !existing };
}

export interface StickListing {
  id: string;
  label: string;
  mounted: boolean;
  path: string;
  lastSeen?: string;
  vaults: { vaultId: string; name?: string; file: string; lastSynced?: string; staleness: Staleness }[];
}

export function listSticks(extraPaths: string[] = [], r: Registry = loadRegistry()): StickListing[] {
  const mounted = new Map(findSticks(extraPaths).map((m) => [m.info.id, m]));
  const ids = new Set([...Object.keys(r.sticks), ...mounted.keys()]);
  const localShas = new Map<string, string | undefined>();
  const localSha = (vaultId: string) => {
    if (!localShas.has(vaultId)) localShas.set(vaultId, localCopySha(r.vaults[vaultId]?.localPath));
    return localShas.get(vaultId);
  };
  return [...ids].map((id) => {
    const m = mounted.get(id);
    const known = r.sticks[id];
    const vaultIds = new Set([...Object.keys(known?.vaults ?? {}), ...Object.keys(m?.info.vaults ?? {})]);
    return {
      id,
      label: m?.info.label ?? known!.label,
      mounted: Boolean(m),
      path: m?.root ?? known!.lastPath,
      lastSeen: m ? new Date().toISOString() : known?.lastSeen,
      vaults: [...vaultIds].map((vaultId) => {
        const held = known?.vaults[vaultId] ?? { file: m!.info.vaults[vaultId].file };
        const stick = m?.info.vaults[vaultId] ? stickSha(m, vaultId) : undefined;
        return {
          vaultId,
          name: m?.info.vaults[vaultId]?.name ?? r.vaults[vaultId]?.name,
          file: held.file,
          lastSynced: held.lastSynced,
          staleness: staleness(r, vaultId, held, Date.now(), { local: localSha(vaultId), stick }),
        };
      }),
    };
  });
}

/** The sticks that hold a vault: those mounted now, and the labels of those known here that are not. */
export function sticksHolding(vaultId: string, extraPaths: string[] = []): { mounted: MountedStick[]; unmounted: string[] } {
  return {
    mounted: findSticks(extraPaths).filter((m) => m.info.vaults[vaultId]),
    unmounted: listSticks(extraPaths).filter((l) => !l.mounted && l.vaults.some((v) => v.vaultId === vaultId)).map((l) => l.label),
  };
}

/** SHA-256 of a mounted stick's copy now, read as sync reads it (confined, bounded). */
function stickSha(m: MountedStick, vaultId: string): string | undefined {
  try {
    return stickCopy(m, vaultId).read()?.stamp.sha256;
  } catch {
    return undefined;
  }
}

/** Forget a stick on this machine (by label or id); the stick itself is not touched. */
export function forgetStick(which: string): string {
  const r = loadRegistry();
  const matches = Object.entries(r.sticks).filter(([id, s]) => id === which || s.label === which);
  if (!matches.length) throw new NotFoundError(`no known stick '${which}'; see 'stv stick ls'`);
  if (matches.length > 1) throw new NotFoundError(`several sticks are labelled '${which}'; give the id`, matches.map(([id]) => id));
  delete r.sticks[matches[0][0]];
  saveRegistry(r);
  return matches[0][0];
}
