/**
 * Private keys as OpenSSH writes them, read into what the ssh-agent
 * protocol takes (draft-miller-ssh-agent section 4.2.3): the key type and its
 * private fields, which for the "openssh-key-v1" format (PROTOCOL.key) are
 * exactly the fields of its private section. Encrypted keys use bcrypt_pbkdf
 * (the `bcrypt-pbkdf` package, pure JavaScript) and AES in CTR, CBC or GCM
 * mode from node:crypto. The older PEM files (`ssh-keygen -m PEM`: PKCS#1,
 * SEC1, PKCS#8, encrypted or not) are read by node:crypto and re-encoded.
 *
 * The public key blob (for fingerprints and removal) of an openssh-key-v1
 * file is readable without the passphrase.
 */
import { createDecipheriv, createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CorruptFileError, StvError } from '../errors/index.js';
import { WireReader, WireWriter } from './wire.js';

export class WrongPassphraseError extends StvError {}

export interface PrivateKey {
  type: string;
  /** Wire-encoded private fields (after the type, before the comment): what ADD_IDENTITY sends. Secret: wipe(). */
  fields: Uint8Array;
  publicBlob: Uint8Array;
  comment: string;
  wipe(): void;
}

const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

/** Whether these bytes look like a private key file we read (for entries without KeeAgent settings). */
export function looksLikePrivateKey(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  return /^\s*-----BEGIN (OPENSSH |RSA |EC |ENCRYPTED |DSA )?PRIVATE KEY-----/.test(head);
}

function pemBody(text: string, label: string): Uint8Array | undefined {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(text);
  return m ? new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64')) : undefined;
}

/** The public key blob of a key file, without its passphrase; undefined for an encrypted PEM file. */
export function publicBlobOf(bytes: Uint8Array): Uint8Array | undefined {
  const text = Buffer.from(bytes).toString('latin1');
  const body = pemBody(text, 'OPENSSH PRIVATE KEY');
  if (body) {
    const r = header(body);
    return r.publicBlob;
  }
  try {
    return pemKeyParts(createPublicKey({ key: text, format: 'pem' })).publicBlob;
  } catch {
    return undefined;
  }
}

/** Whether the key file needs a passphrase. */
export function isEncrypted(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes).toString('latin1');
  const body = pemBody(text, 'OPENSSH PRIVATE KEY');
  if (body) return header(body).cipher !== 'none';
  return /Proc-Type: 4,ENCRYPTED|BEGIN ENCRYPTED PRIVATE KEY/.test(text);
}

function header(body: Uint8Array) {
  if (!Buffer.from(body.subarray(0, MAGIC.length)).equals(MAGIC)) throw new CorruptFileError('the SSH key is not in the openssh-key-v1 format');
  const r = new WireReader(body.subarray(MAGIC.length));
  const cipher = r.text();
  const kdf = r.text();
  const kdfOptions = r.string();
  const count = r.uint32();
  if (count !== 1) throw new CorruptFileError(`the SSH key file holds ${count} keys; one is supported`);
  const publicBlob = Uint8Array.from(r.string());
  const encrypted = r.string();
  return { cipher, kdf, kdfOptions, publicBlob, encrypted, rest: r };
}

const CIPHERS: Record<string, { algo: string; keyLen: number; ivLen: number; tagLen: number }> = {
  'aes128-ctr': { algo: 'aes-128-ctr', keyLen: 16, ivLen: 16, tagLen: 0 },
  'aes192-ctr': { algo: 'aes-192-ctr', keyLen: 24, ivLen: 16, tagLen: 0 },
  'aes256-ctr': { algo: 'aes-256-ctr', keyLen: 32, ivLen: 16, tagLen: 0 },
  'aes128-cbc': { algo: 'aes-128-cbc', keyLen: 16, ivLen: 16, tagLen: 0 },
  'aes192-cbc': { algo: 'aes-192-cbc', keyLen: 24, ivLen: 16, tagLen: 0 },
  'aes256-cbc': { algo: 'aes-256-cbc', keyLen: 32, ivLen: 16, tagLen: 0 },
  'aes256-gcm@openssh.com': { algo: 'aes-256-gcm', keyLen: 32, ivLen: 12, tagLen: 16 },
  'aes128-gcm@openssh.com': { algo: 'aes-128-gcm', keyLen: 16, ivLen: 12, tagLen: 16 },
};

async function decryptSection(h: ReturnType<typeof header>, passphrase: Uint8Array | undefined): Promise<Uint8Array> {
  if (h.cipher === 'none') return Uint8Array.from(h.encrypted);
  const c = CIPHERS[h.cipher];
  if (!c) throw new CorruptFileError(`the SSH key is encrypted with ${h.cipher}, which stv does not read; re-encrypt it with 'ssh-keygen -p -Z aes256-ctr'`);
  if (h.kdf !== 'bcrypt') throw new CorruptFileError(`the SSH key uses the key derivation ${h.kdf}; only bcrypt is known`);
  if (!passphrase?.length) throw new WrongPassphraseError('the SSH key is encrypted and the entry has no password to decrypt it');
  const o = new WireReader(h.kdfOptions);
  const salt = o.string();
  const rounds = o.uint32();
  if (rounds < 1 || rounds > 1 << 16) throw new CorruptFileError(`the SSH key asks for ${rounds} bcrypt rounds`);
  const mod = await import('bcrypt-pbkdf');
  const { pbkdf } = mod.default ?? mod;
  const km = new Uint8Array(c.keyLen + c.ivLen);
  pbkdf(passphrase, passphrase.length, salt, salt.length, km, km.length, rounds);
  const key = km.subarray(0, c.keyLen);
  const iv = km.subarray(c.keyLen);
  try {
    const d = createDecipheriv(c.algo, key, iv);
    d.setAutoPadding(false);
    if (c.tagLen) (d as unknown as { setAuthTag(t: Uint8Array): void }).setAuthTag(h.rest.bytes(c.tagLen));
    const out = Buffer.concat([d.update(h.encrypted), d.final()]);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch {
    throw new WrongPassphraseError('the passphrase (the entry\'s password) does not decrypt the SSH key');
  } finally {
    km.fill(0);
  }
}

/** Field layout of each key type's private section, so the comment that follows can be found. */
const LAYOUT: Record<string, ('s' | 'b')[]> = {
  'ssh-ed25519': ['s', 's'],
  'ssh-rsa': ['s', 's', 's', 's', 's', 's'],
  'ssh-dss': ['s', 's', 's', 's', 's'],
  'ecdsa-sha2-nistp256': ['s', 's', 's'],
  'ecdsa-sha2-nistp384': ['s', 's', 's'],
  'ecdsa-sha2-nistp521': ['s', 's', 's'],
  'sk-ecdsa-sha2-nistp256@openssh.com': ['s', 's', 's', 'b', 's', 's'],
  'sk-ssh-ed25519@openssh.com': ['s', 's', 'b', 's', 's'],
};

async function readOpenSsh(body: Uint8Array, passphrase: Uint8Array | undefined): Promise<PrivateKey> {
  const h = header(body);
  const plain = await decryptSection(h, passphrase);
  const r = new WireReader(plain);
  const check1 = r.uint32();
  const check2 = r.uint32();
  // Equal check words are how OpenSSH itself tells a right passphrase (CTR mode has no padding to check).
  if (check1 !== check2) {
    plain.fill(0);
    throw new WrongPassphraseError('the passphrase (the entry\'s password) does not decrypt the SSH key');
  }
  const type = r.text();
  const layout = LAYOUT[type];
  if (!layout) {
    plain.fill(0);
    throw new CorruptFileError(`the SSH key type ${type} is not supported`);
  }
  const start = r.offset;
  for (const f of layout) f === 's' ? r.string() : r.byte();
  const fields = Uint8Array.from(plain.subarray(start, r.offset));
  const comment = r.text();
  plain.fill(0);
  return key(type, fields, h.publicBlob, comment);
}

function key(type: string, fields: Uint8Array, publicBlob: Uint8Array, comment: string): PrivateKey {
  return { type, fields, publicBlob, comment, wipe: () => fields.fill(0) };
}

const b64u = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? '', 'base64url'));
const CURVES: Record<string, string> = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' };

/** The agent encoding of a key node:crypto read (JWK parts → wire fields). */
function pemKeyParts(k: KeyObject): { type: string; publicBlob: Uint8Array; fields?: WireWriter } {
  const jwk = k.export({ format: 'jwk' });
  const isPrivate = k.type === 'private';
  if (jwk.kty === 'RSA') {
    const pub = new WireWriter().string('ssh-rsa').mpint(b64u(jwk.e)).mpint(b64u(jwk.n)).toBytes();
    const fields = isPrivate ? new WireWriter().mpint(b64u(jwk.n)).mpint(b64u(jwk.e)).mpint(b64u(jwk.d)).mpint(b64u(jwk.qi)).mpint(b64u(jwk.p)).mpint(b64u(jwk.q)) : undefined;
    return { type: 'ssh-rsa', publicBlob: pub, fields };
  }
  if (jwk.kty === 'EC' && jwk.crv && CURVES[jwk.crv]) {
    const curve = CURVES[jwk.crv];
    const q = new Uint8Array([4, ...b64u(jwk.x), ...b64u(jwk.y)]);
    const type = `ecdsa-sha2-${curve}`;
    const pub = new WireWriter().string(type).string(curve).string(q).toBytes();
    const fields = isPrivate ? new WireWriter().string(curve).string(q).mpint(b64u(jwk.d)) : undefined;
    return { type, publicBlob: pub, fields };
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    const a = b64u(jwk.x);
    const pub = new WireWriter().string('ssh-ed25519').string(a).toBytes();
    const fields = isPrivate ? new WireWriter().string(a).string(new Uint8Array([...b64u(jwk.d), ...a])) : undefined;
    return { type: 'ssh-ed25519', publicBlob: pub, fields };
  }
  throw new CorruptFileError(`the SSH key is of a kind stv does not read (${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''})`);
}

function readPem(text: string, passphrase: Uint8Array | undefined): PrivateKey {
  let k: KeyObject;
  try {
    k = createPrivateKey({ key: text, format: 'pem', passphrase: passphrase ? Buffer.from(passphrase) : undefined });
  } catch (e) {
    const msg = (e as Error).message;
    if (/passphrase|decrypt|bad decrypt/i.test(msg) || (e as { code?: string }).code === 'ERR_MISSING_PASSPHRASE') {
      throw new WrongPassphraseError(passphrase?.length ? 'the passphrase (the entry\'s password) does not decrypt the SSH key' : 'the SSH key is encrypted and the entry has no password to decrypt it');
    }
    throw new CorruptFileError('the SSH key file is damaged or of an unknown kind');
  }
  const parts = pemKeyParts(k);
  const fields = parts.fields!.toBytes();
  parts.fields!.wipe();
  return key(parts.type, fields, parts.publicBlob, '');
}

/** Read a private key file; `passphrase` is needed only for an encrypted one. */
export async function readPrivateKey(bytes: Uint8Array, passphrase?: Uint8Array): Promise<PrivateKey> {
  const text = Buffer.from(bytes).toString('latin1');
  const body = pemBody(text, 'OPENSSH PRIVATE KEY');
  if (body) return readOpenSsh(body, passphrase);
  if (looksLikePrivateKey(bytes)) return readPem(text, passphrase);
  throw new CorruptFileError('not an SSH private key (no -----BEGIN … PRIVATE KEY----- block)');
}

/** `SHA256:…` as ssh-keygen -l and ssh-add -l print it. */
export function fingerprint(publicBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(publicBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named in a public blob. */
export function typeOfBlob(publicBlob: Uint8Array): string {
  return new WireReader(publicBlob, 'public key').text();
}
