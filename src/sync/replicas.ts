/**
 * Copies of a vault beyond sticks, configured on this machine: a folder that
 * a file-sync tool (Syncthing, Nextcloud, Dropbox, Google Drive, OneDrive)
 * keeps in step with other devices, or a file on an rclone remote. Nothing is written into the folder to
 * mark it (its tool would carry that everywhere): this machine's registry
 * remembers it, and `stv sync` treats it like one more stick that is always
 * mounted.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { NotFoundError, UsageError } from '../errors/index.js';
import { replicaCopy } from './copies.js';
import { parseRcloneLocation, RCLONE_PREFIX } from './rclone.js';
import { loadRegistry, localCopySha, saveRegistry, staleness, type Registry, type RegistryReplica, type Staleness } from './registry.js';
import { staysOnStick } from './sticks.js';

export interface AddReplicaOptions {
  /** A directory, or a .kdbx file in one. */
  location: string;
  vaultId: string;
  /** The vault's file name, used when `location` is a directory. */
  defaultFile: string;
  label?: string;
}

const LABEL = /^[\p{L}\p{N}][\p{L}\p{N} ._:-]{0,63}$/u;

/** Registers a folder replica (or re-labels the one already there); returns its id and record. */
export function addReplica(o: AddReplicaOptions, r: Registry = loadRegistry()): { id: string; replica: RegistryReplica; created: boolean } {
  if (o.location.startsWith(RCLONE_PREFIX)) {
    const { dir, file } = parseRcloneLocation(o.location);
    return register(r, o, { kind: 'rclone', dir, file, label: o.label ?? `rclone:${dir.slice(0, dir.indexOf(':'))}` });
  }
  const target = resolve(o.location);
  const isFile = /\.kdbx$/i.test(target) && !isDirectory(target);
  const dir = isFile ? dirname(target) : target;
  const file = isFile ? basename(target) : o.defaultFile;
  if (!isDirectory(dir)) throw new UsageError(`${dir} is not a directory; give the folder your sync tool keeps (it must exist)`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${dir} is not writable`);
  }
  if (!staysOnStick(file)) throw new UsageError(`${file} is not a file name inside ${dir}`);
  return register(r, o, { kind: 'folder', dir, file, label: o.label ?? `folder:${basename(dir)}` });
}

function register(r: Registry, o: AddReplicaOptions, { kind, dir, file, label }: Pick<RegistryReplica, 'kind' | 'dir' | 'file' | 'label'>): { id: string; replica: RegistryReplica; created: boolean } {
  if (!LABEL.test(label)) throw new UsageError(`invalid replica label '${label}': use letters, digits, space, '.', '_', ':' or '-' (at most 64)`);
  const same = Object.entries(r.replicas).find(([, x]) => x.dir === dir && x.file === file);
  if (same && same[1].vaultId !== o.vaultId) throw new UsageError(`${dir}/${file} is already a copy of another vault; choose another file name`);
  const clash = Object.entries(r.replicas).find(([id, x]) => x.label === label && x.vaultId === o.vaultId && id !== same?.[0]);
  if (clash || Object.values(r.sticks).some((s) => s.label === label && s.vaults[o.vaultId])) throw new UsageError(`a copy of this vault is already labelled '${label}'; give --label`);
  const id = same?.[0] ?? randomBytes(6).toString('hex');
  const replica: RegistryReplica = same ? { ...same[1], label } : { kind, label, vaultId: o.vaultId, dir, file, added: new Date().toISOString() };
  r.replicas[id] = replica;
  saveRegistry(r);
  return { id, replica, created: !same };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export interface ReplicaListing {
  id: string;
  kind: RegistryReplica['kind'];
  label: string;
  vaultId: string;
  name?: string;
  path: string;
  lastSynced?: string;
  reachable: boolean;
  staleness: Staleness;
}

export function listReplicas(r: Registry = loadRegistry()): ReplicaListing[] {
  return Object.entries(r.replicas).map(([id, rep]) => {
    let sha: string | undefined;
    let reachable = true;
    try {
      sha = replicaCopy(id, rep).read()?.stamp.sha256;
    } catch {
      reachable = false;
    }
    const local = localCopySha(r.vaults[rep.vaultId]?.localPath);
    return {
      id, kind: rep.kind, label: rep.label, vaultId: rep.vaultId, name: r.vaults[rep.vaultId]?.name, path: rep.kind === 'rclone' ? `${RCLONE_PREFIX}${rep.dir}${rep.dir.endsWith(':') ? '' : '/'}${rep.file}` : join(rep.dir, rep.file),
      lastSynced: rep.lastSynced, reachable, staleness: staleness(r, rep.vaultId, rep, Date.now(), { local, stick: sha }),
    };
  });
}

/** Forgets a replica (by label, id or path); its files are not touched. */
export function removeReplica(which: string, r: Registry = loadRegistry()): RegistryReplica {
  const path = resolve(which);
  const matches = Object.entries(r.replicas).filter(([id, x]) => id === which || x.label === which || x.dir === path || join(x.dir, x.file) === path || `${RCLONE_PREFIX}${x.dir}/${x.file}` === which);
  if (!matches.length) throw new NotFoundError(`no replica '${which}'; see 'stv replica ls'`);
  if (matches.length > 1) throw new NotFoundError(`several replicas match '${which}'; give the id`, matches.map(([id]) => id));
  delete r.replicas[matches[0][0]];
  saveRegistry(r);
  return matches[0][1];
}
