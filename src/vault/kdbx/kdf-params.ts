/**
 * KDF parameters: the KdfParams type, reading/writing them as a KDBX 4
 * VariantDictionary (docs/kdbx.md §4), and the hard limits every file must
 * pass before any key derivation starts (hostile files must not make us
 * allocate 1 TiB or loop for a year).
 */
import { randomBytes } from 'node:crypto';
import { UnsupportedFormatError } from '../../errors/index.js';
import { corrupt, equalBytes } from './bytes.js';
import { KDF_AES, KDF_AES_KDBX4, KDF_ARGON2D, KDF_ARGON2ID } from './constants.js';
import type { VariantDictionary, VariantValue } from './variant-dictionary.js';

export type KdfParams =
  | { type: 'aes'; rounds: bigint; seed: Uint8Array }
  | { type: 'argon2d' | 'argon2id'; salt: Uint8Array; iterations: bigint; memoryBytes: bigint; parallelism: number; version: number };

export const MAX_ROUNDS = 2n ** 31n - 2n; // KeePassXC narrows to int; more breaks it
export const MAX_ARGON2_MEMORY = 4n * 1024n ** 3n;
export const MAX_PARALLELISM = 2 ** 24 - 1;
export const ARGON2_SALT_MIN = 8;
export const ARGON2_SALT_MAX = 1024;

/** Structural and hard limits; a violation is a corrupt (or hostile) file. */
export function checkKdfHardLimits(kdf: KdfParams): void {
  if (kdf.type === 'aes') {
    if (kdf.seed.length !== 32) throw corrupt(`AES-KDF seed is ${kdf.seed.length} bytes, expected 32`);
    if (kdf.rounds < 1n || kdf.rounds > MAX_ROUNDS) throw corrupt(`AES-KDF rounds ${kdf.rounds} outside 1..${MAX_ROUNDS}`);
    return;
  }
  const name = kdf.type === 'argon2d' ? 'Argon2d' : 'Argon2id';
  if (kdf.salt.length < ARGON2_SALT_MIN || kdf.salt.length > ARGON2_SALT_MAX) {
    throw corrupt(`${name} salt is ${kdf.salt.length} bytes, expected ${ARGON2_SALT_MIN}..${ARGON2_SALT_MAX}`);
  }
  if (kdf.iterations < 1n || kdf.iterations > MAX_ROUNDS) throw corrupt(`${name} iterations ${kdf.iterations} outside 1..${MAX_ROUNDS}`);
  if (!Number.isInteger(kdf.parallelism) || kdf.parallelism < 1 || kdf.parallelism > MAX_PARALLELISM) {
    throw corrupt(`${name} parallelism ${kdf.parallelism} outside 1..${MAX_PARALLELISM}`);
  }
  if (kdf.memoryBytes > MAX_ARGON2_MEMORY) throw corrupt(`${name} memory ${kdf.memoryBytes} bytes exceeds the 4 GiB limit`);
  const kib = kdf.memoryBytes / 1024n;
  if (kib < 8n * BigInt(kdf.parallelism)) {
    throw corrupt(`${name} memory ${kdf.memoryBytes} bytes is below 8 KiB per lane (${kdf.parallelism} lanes)`);
  }
  if (kdf.version !== 0x10 && kdf.version !== 0x13) throw corrupt(`${name} version 0x${kdf.version.toString(16)} is not 0x10 or 0x13`);
}

function numberOf(dict: VariantDictionary, key: string, what: string): bigint {
  const item = dict.get(key);
  if (!item) throw corrupt(`KDF parameters lack '${key}' (${what})`);
  // KeePass writes exact types; KeePassXC converts numeric types loosely on read, so do we.
  if (item.type === 'u32' || item.type === 'i32') return BigInt(item.value);
  if (item.type === 'u64' || item.type === 'i64') return item.value;
  throw corrupt(`KDF parameter '${key}' (${what}) has type ${item.type}, expected a number`);
}

function bytesOf(dict: VariantDictionary, key: string, what: string): Uint8Array {
  const item = dict.get(key);
  if (!item) throw corrupt(`KDF parameters lack '${key}' (${what})`);
  if (item.type !== 'bytes') throw corrupt(`KDF parameter '${key}' (${what}) has type ${item.type}, expected bytes`);
  return item.value;
}

export function kdfFromDictionary(dict: VariantDictionary): KdfParams {
  const uuid = bytesOf(dict, '$UUID', 'KDF id');
  let kdf: KdfParams;
  if (equalBytes(uuid, KDF_AES) || equalBytes(uuid, KDF_AES_KDBX4)) {
    const rounds = numberOf(dict, 'R', 'AES rounds');
    kdf = { type: 'aes', rounds, seed: bytesOf(dict, 'S', 'AES seed') };
  } else if (equalBytes(uuid, KDF_ARGON2D) || equalBytes(uuid, KDF_ARGON2ID)) {
    if (dict.has('K') || dict.has('A')) {
      throw new UnsupportedFormatError('unsupported KDF parameters: Argon2 secret key or associated data (KeePassXC cannot open such a file either)');
    }
    const parallelism = numberOf(dict, 'P', 'Argon2 lanes');
    const version = numberOf(dict, 'V', 'Argon2 version');
    kdf = {
      type: equalBytes(uuid, KDF_ARGON2D) ? 'argon2d' : 'argon2id',
      salt: bytesOf(dict, 'S', 'Argon2 salt'),
      iterations: numberOf(dict, 'I', 'Argon2 iterations'),
      memoryBytes: numberOf(dict, 'M', 'Argon2 memory'),
      parallelism: parallelism > BigInt(MAX_PARALLELISM) || parallelism < 0n ? -1 : Number(parallelism),
      version: version > 0xffn || version < 0n ? -1 : Number(version),
    };
  } else {
    throw new UnsupportedFormatError(`unsupported KDF ${Buffer.from(uuid).toString('hex')}; this file needs another program`);
  }
  checkKdfHardLimits(kdf);
  return kdf;
}

/** Exact types and KeePassXC's key order ($UUID,I,M,P,S,V / $UUID,R,S); AES-KDF always as c9d9f39a…. */
export function kdfToDictionary(kdf: KdfParams): VariantDictionary {
  const d = new Map<string, VariantValue>();
  if (kdf.type === 'aes') {
    d.set('$UUID', { type: 'bytes', value: KDF_AES });
    d.set('R', { type: 'u64', value: kdf.rounds });
    d.set('S', { type: 'bytes', value: kdf.seed });
    return d;
  }
  d.set('$UUID', { type: 'bytes', value: kdf.type === 'argon2d' ? KDF_ARGON2D : KDF_ARGON2ID });
  d.set('I', { type: 'u64', value: kdf.iterations });
  d.set('M', { type: 'u64', value: kdf.memoryBytes });
  d.set('P', { type: 'u32', value: kdf.parallelism });
  d.set('S', { type: 'bytes', value: kdf.salt });
  d.set('V', { type: 'u32', value: kdf.version });
  return d;
}

export interface DefaultKdfOptions {
  memoryBytes?: bigint;
  parallelism?: number;
  iterations?: bigint;
  rounds?: bigint;
}

/** The same parameters with a new random salt (AES-KDF: seed): a new key, and a new fingerprint. */
export function withFreshSalt(kdf: KdfParams): KdfParams {
  return kdf.type === 'aes' ? { ...kdf, seed: new Uint8Array(randomBytes(32)) } : { ...kdf, salt: new Uint8Array(randomBytes(32)) };
}

/**
 * Untuned defaults with a fresh salt: Argon2 2 iterations × 64 MiB × 2 lanes
 * (KeePass 2's defaults), AES-KDF 1,000,000 rounds (keepassxc-cli's default).
 * Prefer tuneKdf, which sizes the work to the machine.
 */
export function defaultKdf(kind: 'argon2id' | 'argon2d' | 'aes', opts: DefaultKdfOptions = {}): KdfParams {
  if (kind === 'aes') return { type: 'aes', rounds: opts.rounds ?? 1_000_000n, seed: new Uint8Array(randomBytes(32)) };
  return {
    type: kind,
    salt: new Uint8Array(randomBytes(32)),
    iterations: opts.iterations ?? 2n,
    memoryBytes: opts.memoryBytes ?? 64n * 1024n * 1024n,
    parallelism: opts.parallelism ?? 2,
    version: 0x13,
  };
}
