/**
 * Keyfile → 32-byte key component, in KeePassXC's order (docs/kdbx.md §5):
 *   1. XML `KeyFile` v1.0 (base64 Key/Data) or v2.0 (hex Key/Data, 4-byte SHA-256 Hash check);
 *   2. exactly 32 bytes: raw;  3. exactly 64 hex digits: decoded;
 *   4. anything else: SHA-256 of the whole file (an empty file is refused).
 * A UTF-8 BOM before XML is skipped; hashed files are hashed with it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SaxesParser } from 'saxes';
import { UsageError } from '../../errors/index.js';
import { secretDigest, secureAlloc, secureCopy } from '../../secret/index.js';

export class InvalidKeyfileError extends UsageError {
  constructor(reason: string) {
    super(`invalid keyfile: ${reason}; check that you gave the right file`);
  }
}

interface KeyfileXml {
  version: string;
  data: string;
  hash?: string;
}

const BOM = [0xef, 0xbb, 0xbf];
const HEX = /^[0-9a-fA-F]*$/;

/** The KeyFile fields, or undefined when the bytes are not a KeyFile XML document. */
function parseKeyfileXml(bytes: Uint8Array): KeyfileXml | undefined {
  let start = BOM.every((b, i) => bytes[i] === b) ? 3 : 0;
  while (start < bytes.length && (bytes[start] === 0x20 || bytes[start] === 0x09 || bytes[start] === 0x0a || bytes[start] === 0x0d)) start++;
  if (bytes[start] !== 0x3c) return undefined; // '<'
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start));
  } catch {
    return undefined;
  }
  const path: string[] = [];
  let root: string | undefined;
  const found: KeyfileXml = { version: '', data: '' };
  const parser = new SaxesParser();
  parser.on('opentag', (tag) => {
    if (path.length === 0) root = tag.name;
    path.push(tag.name);
    if (path.join('/') === 'KeyFile/Key/Data' && typeof tag.attributes.Hash === 'string') found.hash = tag.attributes.Hash;
  });
  parser.on('closetag', () => void path.pop());
  const collect = (t: string) => {
    const p = path.join('/');
    if (p === 'KeyFile/Meta/Version') found.version += t;
    else if (p === 'KeyFile/Key/Data') found.data += t;
  };
  parser.on('text', collect);
  parser.on('cdata', collect);
  try {
    parser.write(text).close();
  } catch {
    // Not well-formed: KeePassXC then treats the file as binary/hex/hashed.
    return undefined;
  }
  return root === 'KeyFile' ? found : undefined;
}

function fitTo32(key: Uint8Array): Uint8Array {
  // KeePassXC copies at most 32 bytes into a zero-filled 32-byte key.
  const out = secureAlloc(32);
  out.set(key.subarray(0, 32));
  key.fill(0);
  return out;
}

function keyFromXml(xml: KeyfileXml): Uint8Array {
  const version = xml.version.trim();
  const data = xml.data.replace(/\s+/g, '');
  if (version.startsWith('1.0')) {
    if (data.length === 0 || data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
      throw new InvalidKeyfileError('XML keyfile v1.0 Key/Data is not valid base64');
    }
    return fitTo32(Buffer.from(data, 'base64'));
  }
  if (version === '2.0') {
    if (data.length === 0 || data.length % 2 !== 0 || !HEX.test(data)) {
      throw new InvalidKeyfileError('XML keyfile v2.0 Key/Data is not valid hex');
    }
    const key = Buffer.from(data, 'hex');
    if (xml.hash !== undefined) {
      const digest = secretDigest('sha256', key);
      const want = digest.subarray(0, 4);
      const got = /^[0-9a-fA-F]{8}$/.test(xml.hash.trim()) ? Buffer.from(xml.hash.trim(), 'hex') : Buffer.alloc(0);
      const matches = got.length === want.length && timingSafeEqual(got, want);
      digest.fill(0);
      if (!matches) {
        key.fill(0);
        throw new InvalidKeyfileError('XML keyfile v2.0 Key/Data does not match its Hash (the file is damaged)');
      }
    }
    return fitTo32(key);
  }
  throw new InvalidKeyfileError(`unsupported XML keyfile version '${version.slice(0, 20)}'`);
}

export function keyfileComponent(fileBytes: Uint8Array): Uint8Array {
  if (fileBytes.length === 0) throw new InvalidKeyfileError('the file is empty');
  const xml = parseKeyfileXml(fileBytes);
  if (xml) return keyFromXml(xml);
  // Each component off the heap (secureAlloc), for the caller to wipe.
  if (fileBytes.length === 32) return secureCopy(fileBytes);
  if (fileBytes.length === 64) {
    const text = Buffer.from(fileBytes).toString('latin1');
    if (HEX.test(text)) return fitTo32(Buffer.from(text, 'hex'));
  }
  return secretDigest('sha256', fileBytes);
}

/** A new KeePass XML v2.0 keyfile (.keyx) holding 32 random bytes, as KeePass and KeePassXC write it. */
export function newKeyfileXmlV2(): Uint8Array {
  const key = randomBytes(32);
  const hexKey = key.toString('hex').toUpperCase();
  const hash = createHash('sha256').update(key).digest().subarray(0, 4).toString('hex').toUpperCase();
  key.fill(0);
  const groups = hexKey.match(/.{8}/g)!;
  const text =
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<KeyFile>\n' +
    '\t<Meta>\n\t\t<Version>2.0</Version>\n\t</Meta>\n' +
    '\t<Key>\n' +
    `\t\t<Data Hash="${hash}">\n` +
    `\t\t\t${groups.slice(0, 4).join(' ')}\n` +
    `\t\t\t${groups.slice(4).join(' ')}\n` +
    '\t\t</Data>\n' +
    '\t</Key>\n' +
    '</KeyFile>\n';
  return new Uint8Array(Buffer.from(text, 'utf8'));
}
