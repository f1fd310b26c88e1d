/** stv replica: thin adapters over src/sync's replicas. */
import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import { loadConfig, resolveVault } from '../../config/index.js';
import { addReplica, findSticks, gitRepoOf, listReplicas, listSticks, loadRegistry, removeReplica, runSync, syncKeys, vaultIdFor } from '../../sync/index.js';
import { type GlobalOptions, info, out, printJson } from '../runtime.js';
import { keySourceFor } from '../session.js';
import { describeStaleness, finish, shown } from './sync-actions.js';

export async function replicaAdd(opts: GlobalOptions, location: string, o: { label?: string }): Promise<void> {
  const config = loadConfig();
  const ref = resolveVault(opts.vault, config);
  const keys = syncKeys(keySourceFor(opts, ref), { allowSlowKdf: opts.allowSlowKdf });
  try {
    const sticks = findSticks(config.stickPaths ?? []);
    const vaultId = await vaultIdFor(ref, keys, sticks);
    const { replica, created } = addReplica({ location, vaultId, defaultFile: basename(ref.path), label: o.label });
    info(opts, `${created ? 'added' : 'updated'} folder copy '${shown(replica.label)}' at ${shown(replica.dir)}/${shown(replica.file)}; syncing ${ref.name ?? ref.path} to it`);
    const report = await runSync({ vaultId, local: { path: ref.path, name: ref.name }, sticks, open: (b, _c, how) => keys.open(b, how), prefetch: (b) => keys.prefetch(b) });
    finish(opts, [{ name: ref.name ?? ref.path, ...report }]);
  } finally {
    keys.close();
  }
}

/** Every copy of every vault this machine knows: local file, sticks (mounted or not), folders. */
export async function replicaLs(opts: GlobalOptions): Promise<void> {
  const r = loadRegistry();
  const sticks = listSticks(loadConfig().stickPaths ?? [], r);
  const folders = listReplicas(r);
  const ids = new Set([...Object.keys(r.vaults), ...sticks.flatMap((s) => s.vaults.map((v) => v.vaultId)), ...folders.map((f) => f.vaultId)]);
  const vaults = [...ids].sort().map((vaultId) => ({
    vaultId,
    name: r.vaults[vaultId]?.name ?? sticks.flatMap((s) => s.vaults).find((v) => v.vaultId === vaultId)?.name,
    local: r.vaults[vaultId]?.localPath,
    git: localGit(r.vaults[vaultId]?.localPath),
    lastSync: r.vaults[vaultId]?.syncs.at(-1)?.at,
    sticks: sticks.flatMap((s) => s.vaults.filter((v) => v.vaultId === vaultId).map((v) => ({ label: s.label, id: s.id, mounted: s.mounted, path: s.path, file: v.file, lastSynced: v.lastSynced, staleness: v.staleness }))),
    folders: folders.filter((f) => f.vaultId === vaultId).map(({ vaultId: _v, name: _n, ...f }) => f),
  }));
  if (opts.json) return printJson(vaults);
  if (!vaults.length) return info(opts, "no copies known yet; 'stv stick init MOUNTPOINT --label NAME' or 'stv replica add DIR', then 'stv sync'");
  for (const v of vaults) {
    out(`${shown(v.name ?? v.vaultId)} (${v.vaultId})${v.lastSync ? ` — last synced ${v.lastSync.slice(0, 16).replace('T', ' ')}` : ''}`);
    if (v.local) out(`  local   ${shown(v.local)}${v.git ? `  (git: ${shown(v.git.repo)}${v.git.mergeDriver ? ', merged by stv' : ", run 'stv git setup' there"})` : ''}`);
    for (const s of v.sticks) out(`  stick   ${shown(s.label)}  ${s.mounted ? shown(`${s.path}/${s.file}`) : `not mounted (last at ${shown(s.path)})`}  ${describeStaleness(s)}`);
    for (const f of v.folders) out(`  ${f.kind.padEnd(6)}  ${shown(f.label)}  ${shown(f.path)}  ${f.reachable ? describeStaleness(f) : 'cannot be reached now'}`);
  }
}

export async function replicaRm(opts: GlobalOptions, which: string): Promise<void> {
  const rep = removeReplica(which);
  info(opts, `stopped syncing ${shown(rep.label)} (${shown(rep.dir)}/${shown(rep.file)}); its files were not touched`);
}

/** The git repository holding the local copy, when there is one (a clone is one more copy, merged by git). */
function localGit(path: string | undefined) {
  return path && existsSync(path) ? gitRepoOf(path) : undefined;
}
