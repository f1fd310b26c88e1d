/**
 * Seed files for the fuzzers, made by the real programs on every run
 * (keepassxc-cli: KDBX 3.1 / AES-KDF; pykeepass: KDBX 4.0 / Argon2id with
 * AES or ChaCha20; stickvault: KDBX 4.x with attachments), plus the tools to
 * re-seal a mutated 4.x header or payload so mutations reach the inner layers
 * instead of stopping at the first checksum.
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { CorruptFileError, WrongKeyError } from '../../src/errors/index.js';
import { Vault, Entry, Group, deriveKey, defaultKdf, type KeyParts, type KdfParams } from '../../src/vault/index.js';
import { checkKdfLimits, kdfFingerprint, SlowKdfError } from '../../src/vault/kdbx/index.js';
import { ByteWriter, concat } from '../../src/vault/kdbx/bytes.js';
import { splitHeader, type Field } from '../vault/kdbx/helpers.js';

export { splitHeader };
import { headerHmac, hmacBaseKey, cipherKey } from '../../src/vault/kdbx/derived-keys.js';
import { writeHmacBlocks } from '../../src/vault/kdbx/hmac-blocks.js';
import { keepassxc } from '../helpers/tools.js';

export const PW = 'fuzz pässwörd';
/** Cases per property: a short pass in `npm test`, FUZZ_RUNS in `npm run fuzz`. */
export const runs = (short: number): number => (process.env.FUZZ_RUNS ? Math.max(short, Number(process.env.FUZZ_RUNS)) : short);

export interface Seed {
  name: string;
  bytes: Uint8Array;
  key: KeyParts;
}

const PY_CREATE = `
import os, sys
from pykeepass import create_database
path, cipher, pw = sys.argv[1], sys.argv[2], sys.stdin.readline().rstrip('\\n')
kp = create_database(path, password=pw)
h = kp.kdbx.header.value.dynamic_header
d = h.kdf_parameters.data.dict
d['I'].value = 1; d['M'].value = 1024*1024
d['$UUID'].value = bytes.fromhex('9e298b1956db4773b23dfc3ec6f0a1e6')
if cipher == 'chacha20':
    h.cipher_id.data = 'chacha20'
    h.encryption_iv.data = os.urandom(12)
del kp.kdbx.header['data']
g = kp.add_group(kp.root_group, 'Mail')
e = kp.add_entry(g, 'Python Entry', 'bob', 'py-sëcret', url='https://py.example', notes='a\\nb')
e.add_attachment(kp.add_binary(b'attached \\x00\\x01 bytes'), 'note.bin')
kp.save()
`;

async function seedFrom(name: string, bytes: Uint8Array): Promise<Seed> {
  const header = Vault.header(bytes);
  const key = await deriveKey({ password: Buffer.from(PW, 'utf8') }, header.kdf);
  (await Vault.open(bytes, key)).close(); // a seed must open, or the fuzzer tests nothing
  return { name, bytes, key };
}

/** Real files from keepassxc-cli, pykeepass and stickvault, each opened once to learn its key. */
export async function makeSeeds(dir: string): Promise<Seed[]> {
  const kx = join(dir, 'kxc.kdbx');
  const ok = (r: { status: number; stderr: string }) => expect(r.status, r.stderr).toBe(0);
  ok(keepassxc(['db-create', '-q', '-p', '-t', '100', kx], `${PW}\n${PW}\n`));
  ok(keepassxc(['add', '-q', '-u', 'alice', '-p', '--url', 'https://example.org', kx, 'First'], `${PW}\nsecret-one\n`));
  ok(keepassxc(['mkdir', '-q', kx, 'Work'], `${PW}\n`));
  ok(keepassxc(['add', '-q', '-p', kx, 'Work/Second'], `${PW}\nsecret ✓\n`));
  ok(keepassxc(['edit', '-q', '-p', kx, 'First'], `${PW}\nsecret-three\n`));
  const seeds = [await seedFrom('keepassxc 3.1', readFileSync(kx))];
  for (const cipher of ['aes256', 'chacha20']) {
    const path = join(dir, `py-${cipher}.kdbx`);
    const r = pykeepassStdin(PY_CREATE, [path, cipher], `${PW}\n`);
    ok(r);
    seeds.push(await seedFrom(`pykeepass 4.0 ${cipher}`, readFileSync(path)));
  }
  const v = await Vault.create('fuzz', { password: Buffer.from(PW, 'utf8') }, { cipher: 'aes256', kdf: { ...defaultKdf('aes'), rounds: 10n } as KdfParams, compressed: true });
  const g = v.db.root.addGroup(new Group('Bank'));
  const e = g.addEntry(new Entry());
  e.set('Title', 'Savings');
  e.set('Password', 'vault-pw', true);
  e.tags = ['a', 'b'];
  e.attachments.set('scan.bin', { data: Uint8Array.of(0, 1, 2, 255), protect: true });
  v.db.updateEntry(e, (x) => x.set('Password', 'vault-pw-2', true));
  seeds.push(await seedFrom('stickvault 4.0', v.toBytes()));
  v.close();
  return seeds;
}

/** pykeepass with the password on stdin: the helper in tools.ts passes none, and argv is not for secrets. */
function pykeepassStdin(script: string, args: string[], input: string) {
  const r = spawnSync('/usr/bin/python3', ['-c', script, ...args], { input, encoding: 'utf8' });
  if (/No module named 'pykeepass'/.test(String(r.stderr))) throw new Error("pykeepass is missing: install the Debian package 'python3-pykeepass'");
  return { status: r.status ?? -1, stderr: String(r.stderr) };
}

export type Outcome = 'ok' | 'corrupt' | 'wrong-key' | 'slow-kdf';

/**
 * Opens a (mutated) file the way `stv` does, minus the KDF run: the seed's
 * key when the KDF parameters are unchanged; otherwise the limits check the
 * CLI makes, then a key that cannot match (the real KDF of new parameters
 * would give a different key too). Any other exception fails the test.
 */
export async function attempt(bytes: Uint8Array, seed: Seed): Promise<Outcome> {
  try {
    let key = seed.key;
    const h = Vault.header(bytes);
    const fp = kdfFingerprint(h.kdf);
    if (fp !== seed.key.kdfFingerprint) {
      checkKdfLimits(h.kdf, { allowSlow: false });
      key = { transformed: new Uint8Array(randomBytes(32)), kdfFingerprint: fp };
    }
    (await Vault.open(bytes, key)).close();
    return 'ok';
  } catch (e) {
    return classify(e);
  }
}

/** Typed errors with a one-line message; anything else is a finding. */
export function classify(e: unknown): Outcome {
  if (!(e instanceof CorruptFileError || e instanceof WrongKeyError || e instanceof SlowKdfError)) {
    throw new Error(`untyped failure: ${(e as Error)?.stack ?? String(e)}`);
  }
  expect(e.message).toMatch(/^[^\n]{10,400}$/);
  return e instanceof WrongKeyError ? 'wrong-key' : e instanceof SlowKdfError ? 'slow-kdf' : 'corrupt';
}


/** Rebuilds a 4.x header from (edited) fields with a valid SHA-256 and HMAC; `lengthOf` may lie about sizes. */
export function resealHeader(file: Uint8Array, transformed: Uint8Array, fields: Field[], lengthOf = (f: Field) => f.value.length, prefix?: Uint8Array): Uint8Array {
  const split = splitHeader(file);
  const w = new ByteWriter().bytes(prefix ?? split.prefix);
  for (const f of fields) w.u8(f.id).u32(lengthOf(f)).bytes(f.value);
  const header = w.toBytes();
  const seed = split.fields.find((f) => f.id === 4)!.value;
  return concat(header, createHash('sha256').update(header).digest(), headerHmac(hmacBaseKey(seed, transformed), header), split.rest);
}

/** Replaces the decrypted payload (gzip stream, or inner header ‖ XML) of an AES-256 4.x file, validly encrypted and HMACed. */
export function resealPayload(file: Uint8Array, transformed: Uint8Array, payload: Uint8Array): Uint8Array {
  const h = Vault.header(file);
  if (h.cipher !== 'aes256' || h.version.major !== 4) throw new Error('resealPayload needs an AES-256 KDBX 4 template');
  const c = createCipheriv('aes-256-cbc', cipherKey(h.masterSeed, transformed), h.encryptionIV);
  const ct = Buffer.concat([c.update(payload), c.final()]);
  const at = h.headerBytes.length + 64;
  return concat(file.subarray(0, at), writeHmacBlocks(ct, hmacBaseKey(h.masterSeed, transformed)));
}
