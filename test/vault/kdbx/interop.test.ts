/**
 * Interop with the real programs: keepassxc-cli (3.1 / AES-KDF files,
 * keyfiles of every kind) and pykeepass (4.0 / Argon2id, AES and ChaCha20)
 * write files our reader must open; files our writer makes must open in both.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CorruptFileError, WrongKeyError } from '../../../src/errors/index.js';
import {
  createInnerStream, decryptKdbx, encryptKdbx, newInnerHeader, readOuterHeader, transformKey, type CipherName, type KdfParams,
} from '../../../src/vault/kdbx/index.js';
import { newKeyfileXmlV2 } from '../../../src/vault/keys/index.js';
import { keepassxc, pykeepass, tempDir } from '../../helpers/tools.js';
import { composite, openKdbx, protectedValues, reprotect, titles, type Opened } from './helpers.js';

const PW = 'pässwörd Δ';
let dir: string;
let cleanup: () => void;
let kxc31: Opened;

function kxcOk(args: string[], input: string): string {
  const r = keepassxc(args, input, dir);
  expect(r.status, `keepassxc-cli ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

const PY_CREATE = `
import os, sys
from pykeepass import create_database
path, cipher = sys.argv[1], sys.argv[2]
kp = create_database(path, password='pw')
h = kp.kdbx.header.value.dynamic_header
d = h.kdf_parameters.data.dict
d['I'].value = 2; d['M'].value = 8*1024*1024
d['$UUID'].value = bytes.fromhex('9e298b1956db4773b23dfc3ec6f0a1e6')  # Argon2id
if cipher == 'chacha20':
    h.cipher_id.data = 'chacha20'
    h.encryption_iv.data = os.urandom(12)
del kp.kdbx.header['data']  # rebuild the header from the edited fields
g = kp.add_group(kp.root_group, 'Mail')
e = kp.add_entry(g, 'Python Entry', 'bob', 'py-sëcret', url='https://py.example')
e.add_attachment(kp.add_binary(b'attached \\x00\\x01 bytes'), 'note.bin')
kp.save()
`;

const PY_READ = `
import sys, json
from pykeepass import PyKeePass
kp = PyKeePass(sys.argv[1], password=sys.argv[2] if sys.argv[2] != '-' else None, keyfile=sys.argv[3] if len(sys.argv) > 3 else None)
print(json.dumps({'version': list(kp.version), 'cipher': kp.encryption_algorithm, 'kdf': kp.kdf_algorithm,
  'entries': sorted([[e.title, e.password or '', e.username or ''] for e in kp.entries]),
  'attachments': [[a.filename, a.data.hex()] for a in kp.attachments]}))
`;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('stv-kdbx-interop-'));
  kxcOk(['db-create', '-q', '-p', 'kxc31.kdbx'], `${PW}\n${PW}\n`);
  kxcOk(['add', '-q', '-u', 'alice', '-p', '--url', 'https://example.org', 'kxc31.kdbx', 'First Entry'], `${PW}\nsecret-one\n`);
  kxcOk(['add', '-q', '-p', 'kxc31.kdbx', 'Second'], `${PW}\nsecret-two ✓\n`);
  kxcOk(['edit', '-q', '-p', 'kxc31.kdbx', 'First Entry'], `${PW}\nsecret-three\n`);
  kxc31 = await openKdbx(readFileSync(join(dir, 'kxc31.kdbx')), PW);
});
afterAll(() => cleanup?.());

describe('reading keepassxc-cli files', () => {
  test('a 3.1 AES-KDF database decrypts, and protected passwords come out in document order, history included', () => {
    expect(kxc31.header.version).toEqual({ major: 3, minor: 1 });
    expect(kxc31.header.kdf).toMatchObject({ type: 'aes', rounds: 1_000_000n });
    expect(kxc31.header.cipher).toBe('aes256');
    expect(titles(kxc31.xml)).toEqual(['First Entry', 'First Entry', 'Second']);
    expect(protectedValues(kxc31)).toEqual([
      ['Password', 'secret-three'],
      ['Password', 'secret-one'], // history item follows its entry's strings
      ['Password', 'secret-two ✓'],
    ]);
  });

  test('a wrong password on a 3.1 file is WrongKeyError (stream start bytes differ)', async () => {
    await expect(openKdbx(readFileSync(join(dir, 'kxc31.kdbx')), 'pässwörd')).rejects.toBeInstanceOf(WrongKeyError);
  });

  test.each([[3, 0], [2, 4], [2, 0]])('the same file labelled version %i.%i takes the 3.x path too', async (major, minor) => {
    const file = Uint8Array.from(readFileSync(join(dir, 'kxc31.kdbx')));
    new DataView(file.buffer).setUint16(8, minor, true);
    new DataView(file.buffer).setUint16(10, major, true);
    const o = await openKdbx(file, PW);
    expect(o.header.version).toEqual({ major, minor });
    expect(protectedValues(o)[0]).toEqual(['Password', 'secret-three']);
  });

  test('damage inside a 3.1 payload is corrupt (hashed block or padding), not a wrong key', async () => {
    const file = Uint8Array.from(readFileSync(join(dir, 'kxc31.kdbx')));
    const at = kxc31.header.headerBytes.length;
    const mid = Uint8Array.from(file);
    mid[at + 80] ^= 1; // third CBC block: garbles hashed-block data, start bytes intact
    await expect(openKdbx(mid, PW)).rejects.toThrow(/corrupt file: hashed block 0/);
    const tail = Uint8Array.from(file);
    tail[tail.length - 20] ^= 1; // last-but-one block → padding in the last block changes
    await expect(openKdbx(tail, PW)).rejects.toBeInstanceOf(CorruptFileError);
  });

  const keyfiles: [string, () => Uint8Array][] = [
    ['our XML v2.0 keyfile', () => newKeyfileXmlV2()],
    ['a 32-byte binary keyfile', () => randomBytes(32)],
    ['a 64-hex-digit keyfile', () => Buffer.from(randomBytes(32).toString('hex'))],
    ['an arbitrary file (hashed)', () => randomBytes(100)],
  ];
  test.each(keyfiles)('a keyfile-only database made with %s opens with that keyfile', async (_name, make) => {
    const name = `kf-${randomBytes(4).toString('hex')}`;
    const key = make();
    writeFileSync(join(dir, `${name}.key`), key);
    kxcOk(['db-create', '-q', '--set-key-file', `${name}.key`, `${name}.kdbx`], '');
    const o = await openKdbx(readFileSync(join(dir, `${name}.kdbx`)), undefined, key);
    expect(o.xml).toContain('<Name>Passwords</Name>');
    await expect(openKdbx(readFileSync(join(dir, `${name}.kdbx`)), '', key)).rejects.toBeInstanceOf(WrongKeyError);
  });

  test('a password + keyfile database from a keyfile keepassxc-cli generated opens only with both', async () => {
    kxcOk(['db-create', '-q', '-p', '--set-key-file', 'gen.keyx', 'both.kdbx'], 'pw\npw\n');
    const file = readFileSync(join(dir, 'both.kdbx'));
    const key = readFileSync(join(dir, 'gen.keyx'));
    expect((await openKdbx(file, 'pw', key)).xml).toContain('<Name>Passwords</Name>');
    await expect(openKdbx(file, 'pw')).rejects.toBeInstanceOf(WrongKeyError);
    await expect(openKdbx(file, undefined, key)).rejects.toBeInstanceOf(WrongKeyError);
  });
});

describe('reading pykeepass files', () => {
  test.each(['aes256', 'chacha20'])('a 4.0 Argon2id %s file with an attachment decrypts', async (cipher) => {
    const path = join(dir, `py-${cipher}.kdbx`);
    const r = pykeepass(PY_CREATE, [path, cipher]);
    expect(r.status, r.stderr).toBe(0);
    const o = await openKdbx(readFileSync(path), 'pw');
    expect(o.header.version).toEqual({ major: 4, minor: 0 });
    expect(o.header.cipher).toBe(cipher);
    expect(o.header.kdf).toMatchObject({ type: 'argon2id', iterations: 2n, memoryBytes: 8n * 1024n * 1024n });
    expect(o.inner.streamId).toBe(3);
    expect(titles(o.xml)).toEqual(['Python Entry']);
    expect(protectedValues(o)).toContainEqual(['Password', 'py-sëcret']);
    expect(o.inner.binaries.map((b) => Buffer.from(b.data).toString('latin1'))).toEqual(['attached \x00\x01 bytes']);
  });
});

describe('files we write open in keepassxc-cli and pykeepass', () => {
  const small = (type: 'argon2id' | 'argon2d' | 'aes'): KdfParams =>
    type === 'aes'
      ? { type, rounds: 1000n, seed: randomBytes(32) }
      : { type, salt: randomBytes(32), iterations: 2n, memoryBytes: 8n * 1024n * 1024n, parallelism: 2, version: 0x13 };

  async function write(o: Opened, cipher: CipherName, kdf: KdfParams, minor: 0 | 1, password?: string, keyfile?: Uint8Array): Promise<Uint8Array> {
    const inner = newInnerHeader(o.inner.binaries);
    // A 3.x XML carries Meta/HeaderHash, meaningless in 4.x: drop it.
    const xml = reprotect(o, createInnerStream(inner.streamId, inner.streamKey)).replace(/\s*<HeaderHash>[^<]*<\/HeaderHash>/, '');
    return encryptKdbx({
      version: { major: 4, minor }, cipher, compressed: true, kdf,
      transformedKey: await transformKey(composite(password, keyfile), kdf), inner, xml: Buffer.from(xml, 'utf8'),
    });
  }

  test.each([
    ['aes256', 'argon2id', 0],
    ['chacha20', 'argon2id', 0],
    ['chacha20', 'argon2d', 1],
    ['aes256', 'aes', 0],
  ] as const)('XML from a keepassxc 3.1 file, re-encrypted as %s / %s / 4.%i, exports from keepassxc-cli and opens in pykeepass', async (cipher, kdf, minor) => {
    const path = join(dir, `ours-${cipher}-${kdf}.kdbx`);
    writeFileSync(path, await write(kxc31, cipher, small(kdf), minor, PW));
    const xml = kxcOk(['export', '-q', '-f', 'xml', path], `${PW}\n`);
    expect(xml).toContain('<Value ProtectInMemory="True">secret-three</Value>');
    expect(xml).toContain('<Value ProtectInMemory="True">secret-one</Value>');
    expect(xml).toContain('<Value ProtectInMemory="True">secret-two ✓</Value>');
    const py = pykeepass(PY_READ, [path, PW]);
    expect(py.status, py.stderr).toBe(0);
    const info = JSON.parse(py.stdout);
    expect(info.version).toEqual([4, minor]);
    expect(info.cipher).toBe(cipher);
    expect(info.entries).toEqual([['First Entry', 'secret-three', 'alice'], ['Second', 'secret-two ✓', '']]);
    // and our own reader agrees
    const back = await openKdbx(readFileSync(path), PW);
    expect(back.header.version).toEqual({ major: 4, minor });
    expect(protectedValues(back).map((v) => v[1])).toEqual(['secret-three', 'secret-one', 'secret-two ✓']);
  });

  test('a pykeepass file re-encrypted by us keeps its attachment, and a keyfile-only key works in both programs', async () => {
    const o = await openKdbx(readFileSync(join(dir, 'py-aes256.kdbx')), 'pw');
    const keyfile = newKeyfileXmlV2();
    writeFileSync(join(dir, 'ours.keyx'), keyfile);
    const path = join(dir, 'ours-attach.kdbx');
    writeFileSync(path, await write(o, 'chacha20', small('argon2id'), 0, undefined, keyfile));
    const py = pykeepass(PY_READ, [path, '-', join(dir, 'ours.keyx')]);
    expect(py.status, py.stderr).toBe(0);
    const info = JSON.parse(py.stdout);
    expect(info.entries).toEqual([['Python Entry', 'py-sëcret', 'bob']]);
    expect(info.attachments).toEqual([['note.bin', Buffer.from('attached \x00\x01 bytes', 'latin1').toString('hex')]]);
    const xml = kxcOk(['export', '-q', '--no-password', '-k', 'ours.keyx', '-f', 'xml', path], '');
    expect(xml).toContain('py-sëcret');
  });

  test('every save uses a fresh master seed and IV', async () => {
    const kdf = small('aes');
    const t = await transformKey(composite('x'), kdf);
    const opts = { version: { major: 4, minor: 0 } as const, cipher: 'chacha20' as const, compressed: true, kdf, transformedKey: t, inner: newInnerHeader(), xml: Buffer.from('<KeePassFile/>') };
    const a = readOuterHeader(encryptKdbx(opts));
    const b = readOuterHeader(encryptKdbx(opts));
    expect(Buffer.from(a.masterSeed).equals(Buffer.from(b.masterSeed))).toBe(false);
    expect(Buffer.from(a.encryptionIV).equals(Buffer.from(b.encryptionIV))).toBe(false);
    expect(a.encryptionIV.length).toBe(12);
    const file = encryptKdbx(opts);
    expect(Buffer.from(decryptKdbx(file, readOuterHeader(file), t).xml).toString()).toBe('<KeePassFile/>');
  });
});
