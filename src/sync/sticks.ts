/**
 * A stick: any mounted directory carrying `.stickvault/stick.json` — a
 * random stick id, a label (`black-backup`) and the vault files it holds,
 * by vault id → file path relative to the stick's root. Everything on a
 * stick is read and written through StickFs (confined.ts): never through a
 * link, never outside the stick, always bounded.
 *
 * Layout on a stick, for vault VAULTID:
 *   FILE (from stick.json)                    the copy itself
 *   .stickvault/VAULTID.base.kdbx             the last converged state (the bytes every copy got)
 *   .stickvault/VAULTID.state.json            sidecar: what was written last (a hint, never proof)
 *   .stickvault/backups/VAULTID/*.kdbx         old generations
 */
import { randomBytes } from 'node:crypto';
import { normalize, sep } from 'node:path';
import { UsageError } from '../errors/index.js';
import { StickFs, staysInside } from './confined.js';
import { jsonText, parseJson } from './json-file.js';

export interface StickVaultRef {
  /** Path of the vault file relative to the stick's root. */
  file: string;
  /** The vault's name in the config of the machine that put it there (a hint for humans and new machines). */
  name?: string;
}

export interface StickInfo {
  format: 1;
  id: string;
  label: string;
  created: string;
  vaults: Record<string, StickVaultRef>;
}

/** A stick found on this machine now. */
export interface MountedStick {
  root: string;
  info: StickInfo;
}

export const STICK_DIR = '.stickvault';
export const STICK_JSON = `${STICK_DIR}/stick.json`;
/** stick.json and sidecars are a few KiB; a larger one is not ours and is not read. */
export const STICK_JSON_LIMIT = 256 * 1024;
/** A vault copy on a stick larger than this is refused (a password vault with attachments stays far below). */
export const STICK_VAULT_LIMIT = 512 * 1024 * 1024;

export const stickFile = (root: string): string => `${root}/${STICK_JSON}`;
export const baseOnStick = (vaultId: string): string => `${STICK_DIR}/${vaultId}.base.kdbx`;
export const sidecarOnStick = (vaultId: string): string => `${STICK_DIR}/${vaultId}.state.json`;
export const generationsOnStick = (vaultId: string): string => `${STICK_DIR}/backups/${vaultId}`;

const ID = /^[\w-]{1,64}$/;
const LABEL = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u;
const CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** The stick's description, or undefined when there is none or it is not one (a link, too large, not valid). */
export function readStick(root: string): StickInfo | undefined {
  try {
    return validStick(parseJson<StickInfo>(new StickFs(root).read(STICK_JSON, STICK_JSON_LIMIT, 'stick file')));
  } catch {
    return undefined;
  }
}

function validStick(s: StickInfo | undefined): StickInfo | undefined {
  if (!s || s.format !== 1 || typeof s.id !== 'string' || !ID.test(s.id) || typeof s.label !== 'string') return undefined;
  if (typeof s.vaults !== 'object' || s.vaults === null || Array.isArray(s.vaults)) return undefined;
  const vaults: Record<string, StickVaultRef> = {};
  for (const [id, v] of Object.entries(s.vaults)) {
    if (!ID.test(id) || !v || typeof v.file !== 'string') continue;
    vaults[id] = { file: v.file, ...(typeof v.name === 'string' ? { name: v.name } : {}) };
  }
  // A label comes from the stick and is printed: one that init would not have written is not shown as is.
  return { ...s, label: LABEL.test(s.label) ? s.label : `unnamed-${s.id.slice(0, 8)}`, vaults };
}

export function writeStick(root: string, info: StickInfo): void {
  new StickFs(root).write(STICK_JSON, jsonText(info), { createDirs: true });
}

export function newStick(label: string): StickInfo {
  return { format: 1, id: randomBytes(8).toString('hex'), label, created: new Date().toISOString(), vaults: {} };
}

/** Whether a file name given relative to a stick's root stays on the stick, outside its .stickvault directory. */
export function staysOnStick(file: string): boolean {
  if (!staysInside(file) || CONTROL.test(file)) return false;
  const n = normalize(file);
  return n !== STICK_DIR && !n.startsWith(`${STICK_DIR}${sep}`);
}

/** The vault file's path relative to the stick's root; refuses one that leaves the stick or lies in .stickvault. */
export function vaultFileOnStick(root: string, ref: StickVaultRef): string {
  if (!staysOnStick(ref.file)) throw new UsageError(`${stickFile(root)} names a vault outside the stick (${ref.file}); fix or remove that entry`);
  return normalize(ref.file);
}

export function validLabel(label: string): string {
  if (!LABEL.test(label)) throw new UsageError(`invalid stick label '${label}': use letters, digits, space, '.', '_' or '-' (at most 64)`);
  return label;
}
