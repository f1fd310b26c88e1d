/**
 * Keyfile forms (docs/kdbx.md §5) with fixtures made here: XML v1.0 (base64),
 * XML v2.0 (hex groups over lines, Hash check, BOM), 32-byte binary,
 * 64 hex digits, anything else hashed; every malformed KeyFile is an error.
 * Plus the composite key rules.
 */
import { describe, expect, test } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { UsageError } from '../../../src/errors/index.js';
import { compositeKey, InvalidKeyfileError, keyfileComponent, newKeyfileXmlV2, passwordComponent } from '../../../src/vault/keys/index.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function xmlV1(data: string, version = '1.00'): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="utf-8"?>\n<KeyFile>\n\t<Meta>\n\t\t<Version>${version}</Version>\n\t</Meta>\n\t<Key>\n\t\t<Data>${data}</Data>\n\t</Key>\n</KeyFile>\n`);
}

function xmlV2(key: Uint8Array, opts: { hash?: string; bom?: boolean; lower?: boolean; version?: string } = {}): Buffer {
  const h = opts.hash ?? sha256(key).subarray(0, 4).toString('hex').toUpperCase();
  let text = Buffer.from(key).toString('hex').toUpperCase();
  if (opts.lower) text = text.toLowerCase();
  const groups = text.match(/.{1,8}/g)!;
  const body = `\n\t\t\t${groups.slice(0, 4).join(' ')}\n\t\t\t${groups.slice(4).join(' ')}\n\t\t`;
  const doc = `<?xml version="1.0" encoding="utf-8"?>\n<KeyFile>\n\t<Meta>\n\t\t<Version>${opts.version ?? '2.0'}</Version>\n\t</Meta>\n\t<Key>\n\t\t<Data Hash="${h}">${body}</Data>\n\t</Key>\n</KeyFile>\n`;
  return Buffer.concat([opts.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(doc)]);
}

describe('keyfile forms', () => {
  const key = randomBytes(32);

  test('XML v1.0: the base64 Key/Data is the key', () => {
    expect(hex(keyfileComponent(xmlV1(key.toString('base64'))))).toBe(hex(key));
    expect(hex(keyfileComponent(xmlV1(key.toString('base64'), '1.0')))).toBe(hex(key));
  });

  test('XML v1.0 with a short key is zero-filled to 32 bytes, as KeePassXC does', () => {
    const short = randomBytes(16);
    expect(hex(keyfileComponent(xmlV1(short.toString('base64'))))).toBe(hex(Buffer.concat([short, Buffer.alloc(16)])));
  });

  test('XML v2.0: hex in 8-digit groups over two lines, upper or lower case, with or without a BOM', () => {
    expect(hex(keyfileComponent(xmlV2(key)))).toBe(hex(key));
    expect(hex(keyfileComponent(xmlV2(key, { bom: true })))).toBe(hex(key));
    expect(hex(keyfileComponent(xmlV2(key, { lower: true, hash: sha256(key).subarray(0, 4).toString('hex') })))).toBe(hex(key));
  });

  test('exactly 32 bytes are the key; exactly 64 hex digits are decoded', () => {
    expect(hex(keyfileComponent(key))).toBe(hex(key));
    expect(hex(keyfileComponent(Buffer.from(key.toString('hex'))))).toBe(hex(key));
    expect(hex(keyfileComponent(Buffer.from(key.toString('hex').toUpperCase())))).toBe(hex(key));
  });

  test('anything else is hashed whole: 64 non-hex bytes, 33 bytes, a BOM-prefixed text, XML with another root', () => {
    const cases = [
      Buffer.from('z'.repeat(64)),
      randomBytes(33),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('just some words')]),
      Buffer.from('<NotAKeyFile><Key><Data>AAAA</Data></Key></NotAKeyFile>'),
      Buffer.from('<KeyFile><unclosed>'),
    ];
    for (const c of cases) expect(hex(keyfileComponent(c))).toBe(hex(sha256(c)));
  });

  test.each([
    ['an empty file', Buffer.alloc(0), /the file is empty/],
    ['a v2.0 hash mismatch', xmlV2(key, { hash: '00000000' }), /does not match its Hash/],
    ['v2.0 data that is not hex', Buffer.from(xmlV2(key).toString().replace(/[0-9A-F]{8} /, 'XYZXYZXY ')), /not valid hex/],
    ['v1.0 data that is not base64', xmlV1('not*base64!'), /not valid base64/],
    ['an unknown version', xmlV1(key.toString('base64'), '3.00'), /unsupported XML keyfile version '3.00'/],
  ])('%s is an invalid keyfile (usage error)', (_n, bytes, message) => {
    expect(() => keyfileComponent(bytes)).toThrow(InvalidKeyfileError);
    expect(() => keyfileComponent(bytes)).toThrow(UsageError);
    expect(() => keyfileComponent(bytes)).toThrow(message);
  });

  test('newKeyfileXmlV2 writes 32 fresh random bytes in KeePass v2.0 layout that we read back', () => {
    const a = newKeyfileXmlV2();
    const b = newKeyfileXmlV2();
    const text = Buffer.from(a).toString();
    expect(text).toMatch(/<Version>2\.0<\/Version>/);
    expect(text).toMatch(/<Data Hash="[0-9A-F]{8}">\n\t\t\t[0-9A-F]{8}( [0-9A-F]{8}){3}\n\t\t\t[0-9A-F]{8}( [0-9A-F]{8}){3}\n\t\t<\/Data>/);
    const key = Buffer.from(text.match(/\t\t\t([0-9A-F ]+)\n\t\t\t([0-9A-F ]+)\n/)!.slice(1).join('').replace(/ /g, ''), 'hex');
    expect(hex(keyfileComponent(a))).toBe(hex(key));
    expect(hex(keyfileComponent(a))).not.toBe(hex(keyfileComponent(b)));
  });
});

describe('composite key', () => {
  test('SHA-256 of the password component, then the keyfile component', () => {
    const pw = passwordComponent(Buffer.from('hunter2'));
    const kf = randomBytes(32);
    expect(hex(pw)).toBe(hex(sha256(Buffer.from('hunter2'))));
    expect(hex(compositeKey({ password: pw }))).toBe(hex(sha256(pw)));
    expect(hex(compositeKey({ keyfile: kf }))).toBe(hex(sha256(kf)));
    expect(hex(compositeKey({ password: pw, keyfile: kf }))).toBe(hex(sha256(Buffer.concat([pw, kf]))));
  });

  test('an empty password is a component; no key at all is a usage error', () => {
    const kf = randomBytes(32);
    expect(hex(compositeKey({ password: passwordComponent(new Uint8Array(0)), keyfile: kf }))).not.toBe(hex(compositeKey({ keyfile: kf })));
    expect(() => compositeKey({})).toThrow(UsageError);
  });
});
