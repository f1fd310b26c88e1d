/**
 * A stick: any mounted directory carrying `.stickvault/stick.json` — a
 * random stick id, a label (`black-backup`) and the vault files it holds,
 * by vault id → file path relative to the stick's root.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { UsageError } from '../errors/index.js';
import { readJson, writeJson } from './json-file.js';

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

export const stickDir = (root: string): string => join(root, '.stickvault');
export const stickFile = (root: string): string => join(stickDir(root), 'stick.json');

export function readStick(root: string): StickInfo | undefined {
  const s = readJson<StickInfo>(stickFile(root));
  if (!s || s.format !== 1 || typeof s.id !== 'string' || typeof s.vaults !== 'object' || s.vaults === null) return undefined;
  return s;
}

export function writeStick(root: string, info: StickInfo): void {
  mkdirSync(stickDir(root), { recursive: true, mode: 0o700 });
  writeJson(stickFile(root), info);
}

export function newStick(label: string): StickInfo {
  return { format: 1, id: randomBytes(8).toString('hex'), label, created: new Date().toISOString(), vaults: {} };
}

/** Absolute path of a vault file on a stick; refuses paths that leave the stick. */
/** Whether a file name given relative to a stick's root stays on the stick. */
export function staysOnStick(file: string): boolean {
  const rel = normalize(file);
  return !isAbsolute(rel) && !rel.startsWith('..');
}

export function vaultPathOnStick(root: string, ref: StickVaultRef): string {
  const rel = normalize(ref.file);
  if (!staysOnStick(rel)) throw new UsageError(`${stickFile(root)} names a vault outside the stick (${ref.file}); fix or remove that entry`);
  return join(root, rel);
}

export function validLabel(label: string): string {
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u.test(label)) throw new UsageError(`invalid stick label '${label}': use letters, digits, space, '.', '_' or '-' (at most 64)`);
  return label;
}
