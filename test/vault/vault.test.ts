/**
 * The Vault API end to end: model round trips, lossless handling of data we
 * do not model, and interop both ways with keepassxc-cli and pykeepass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Vault, Entry, Group, type VaultSettings, type CredentialParts as Credentials } from '../../src/vault/index.js';
import { ProtectedValue, utf8 } from '../../src/secret/index.js';
import { WrongKeyError, CorruptFileError } from '../../src/errors/index.js';
import { encryptKdbx, transformKey, newInnerHeader, type KdfParams } from '../../src/vault/kdbx/index.js';
import { credentialsToComposite } from '../../src/vault/vault.js';
import { parseXml, type XmlElement } from '../../src/vault/xml/index.js';
import { keepassxc, pykeepass, tempDir } from '../helpers/tools.js';
import { canonical, decryptedTree, readBytes } from './canonical.js';

const PW = 'corrëct horse ☃';
const creds = (): Credentials => ({ password: utf8(PW) });
const fastArgon = (): KdfParams => ({ type: 'argon2id', salt: randomBytes(32), iterations: 2n, memoryBytes: 8n * 1024n * 1024n, parallelism: 2, version: 0x13 });
const settings = (cipher: 'aes256' | 'chacha20' = 'aes256', kdf: KdfParams = fastArgon()): VaultSettings => ({ cipher, kdf, compressed: true });

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('stv-vault-')));
afterAll(() => cleanup());

function kxc(args: string[], input: string): string {
  const r = keepassxc(args, input, dir);
  expect(r.status, `keepassxc-cli ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

async function richVault(cipher: 'aes256' | 'chacha20' = 'aes256', kdf?: KdfParams): Promise<Vault> {
  const v = await Vault.create('Rich', creds(), settings(cipher, kdf));
  const db = v.db;
  const shop = db.root.addGroup(new Group('Shopping'));
  const sub = shop.addGroup(new Group('Books'));
  const e = shop.addEntry(new Entry());
  e.set('Title', 'Amazon');
  e.set('UserName', 'fred+amazon@example.com');
  e.set('Password', 'first-päss', true);
  e.set('URL', 'https://www.amazon.co.uk');
  e.set('Notes', 'line 1\nline 2 <&>');
  e.set('PIN', '1234', true);
  e.set('Account', 'A-99');
  e.tags = ['shop', 'uk'];
  const pdf = new Uint8Array([0, 1, 2, 255, 254]);
  e.attachments.set('receipt.pdf', { data: pdf, protect: false });
  e.customData.set('stickvault.rule', { value: 'maxlength: 16;' });
  db.updateEntry(e, (x) => x.set('Password', 'second-päss', true));
  const b = sub.addEntry(new Entry());
  b.set('Title', 'Bookshop');
  b.set('Password', '', true);
  b.attachments.set('same.pdf', { data: Uint8Array.from(pdf), protect: true });
  shop.customData.set('KeePassXC-Browser Settings', { value: '{}' });
  db.setCustomData('stickvault.vault-id', 'abc123');
  const old = db.root.addEntry(new Entry());
  old.set('Title', 'Old');
  db.removeEntry(old);
  return v;
}

describe('Vault round trip', () => {
  it.each(['aes256', 'chacha20'] as const)('keeps every field, attachment, history item and CustomData (%s)', async (cipher) => {
    const v = await richVault(cipher);
    const bytes = v.toBytes();
    const back = await Vault.open(bytes, creds());
    const e = [...back.db.entries()].find((x) => x.title === 'Amazon')!;
    expect(e.path()).toBe('Shopping/Amazon');
    expect(e.get('Password')).toBe('second-päss');
    expect(e.isProtected('Password')).toBe(true);
    expect(e.get('PIN')).toBe('1234');
    expect(e.isProtected('PIN')).toBe(true);
    expect(e.get('Account')).toBe('A-99');
    expect(e.get('Notes')).toBe('line 1\nline 2 <&>');
    expect(e.tags).toEqual(['shop', 'uk']);
    expect([...e.attachments.get('receipt.pdf')!.data]).toEqual([0, 1, 2, 255, 254]);
    expect(e.customData.get('stickvault.rule')?.value).toBe('maxlength: 16;');
    expect(e.history.map((h) => h.get('Password'))).toEqual(['first-päss']);
    const book = [...back.db.entries()].find((x) => x.title === 'Bookshop')!;
    expect(book.attachments.get('same.pdf')!.protect).toBe(true);
    expect(back.db.getCustomData('stickvault.vault-id')).toBe('abc123');
    expect(back.db.recycleBin()?.entries.map((x) => x.title)).toEqual(['Old']);
    expect(back.db.root.groups[0].customData.get('KeePassXC-Browser Settings')?.value).toBe('{}');
  });

  it('writes identical attachments once (inner-header pool dedup)', async () => {
    const v = await richVault();
    const tree = await decryptedTree(v.toBytes(), creds());
    const refs = new Set<string>();
    const walk = (n: typeof tree) => {
      if (n.name === 'Value' && n.attrs?.Ref !== undefined) refs.add(n.attrs.Ref);
      n.children.forEach(walk);
    };
    walk(tree);
    expect(refs.size).toBe(1);
  });

  it('refuses a wrong password with WrongKeyError and a truncated file with CorruptFileError', async () => {
    const bytes = (await richVault()).toBytes();
    await expect(Vault.open(bytes, { password: utf8('wrong') })).rejects.toThrow(WrongKeyError);
    await expect(Vault.open(bytes.subarray(0, bytes.length - 100), creds())).rejects.toThrow(CorruptFileError);
    await expect(Vault.open(bytes.subarray(0, 50), creds())).rejects.toThrow(CorruptFileError);
  });

  it('opens again with the derived key alone (what the agent holds), without the KDF', async () => {
    const v = await richVault();
    const bytes = v.toBytes();
    const back = await Vault.open(bytes, v.derivedKey());
    expect([...back.db.entries()].length).toBe(3);
  });

  it('caps history at HistoryMaxItems', async () => {
    const v = await Vault.create('H', creds(), settings());
    const e = v.db.root.addEntry(new Entry());
    for (let i = 0; i < 15; i++) v.db.updateEntry(e, (x) => x.set('Password', `p${i}`, true));
    expect(e.history.length).toBe(10);
    expect(e.history[9].get('Password')).toBe('p13');
  });

  it('drops the oldest history when HistoryMaxSize is exceeded, keeping the newest versions', async () => {
    const v = await Vault.create('H', creds(), settings());
    v.db.meta.historyMaxItems = -1;
    v.db.meta.historyMaxSize = 3000;
    const e = v.db.root.addEntry(new Entry());
    // Each version carries a 1000-byte note, so at most two fit in 3000 bytes of history.
    for (let i = 0; i < 6; i++) v.db.updateEntry(e, (x) => x.set('Notes', `${i}`.repeat(1000)));
    expect(e.history.map((h) => h.get('Notes')[0])).toEqual(['3', '4']);
    expect(e.get('Notes')[0]).toBe('5');
    const again = await Vault.open(v.toBytes(), creds());
    expect([...again.db.entries()][0].history).toHaveLength(2);
  });

  it('protected values are not in memory as plaintext and are wiped on close', async () => {
    const v = await richVault();
    const e = [...v.db.entries()].find((x) => x.title === 'Amazon')!;
    const pv = e.fields.get('Password') as ProtectedValue;
    expect(String(pv)).toBe('[protected]');
    v.close();
    expect(pv.getText()).toBe('\0'.repeat(Buffer.byteLength('second-päss')));
  });
});

describe('lossless round trip of data we do not model', () => {
  it('keeps unknown elements at every level, CustomData and Meta fields (canonical XML equal)', async () => {
    kxc(['db-create', '-q', '-p', 'lossless.kdbx'], `${PW}\n${PW}\n`);
    kxc(['mkdir', '-q', 'lossless.kdbx', 'Mail'], `${PW}\n`);
    kxc(['add', '-q', '-u', 'bob', '-p', '--url', 'https://mail.example', 'lossless.kdbx', 'Mail/Webmail'], `${PW}\nmail-pw\n`);
    kxc(['edit', '-q', '-u', 'bob2', 'lossless.kdbx', 'Mail/Webmail'], `${PW}\n`);
    let xml = kxc(['export', '-q', '-f', 'xml', 'lossless.kdbx'], `${PW}\n`);
    xml = xml
      .replace('<MaintenanceHistoryDays>', '<X-Plugin version="2"><Setting k="a">1</Setting></X-Plugin><MaintenanceHistoryDays>')
      .replace(/<CustomData\/>|<\/Meta>/, (m) => (m === '</Meta>' ? '<CustomData><Item><Key>KPXC_RANDOM_SLUG</Key><Value>00ff</Value></Item></CustomData></Meta>' : m))
      .replace('<IsExpanded>', '<X-GroupThing>g</X-GroupThing><IsExpanded>')
      .replace('<AutoType>', '<X-EntryThing a="b"><Nested/></X-EntryThing><AutoType>')
      .replace('<UsageCount>', '<X-TimeThing>t</X-TimeThing><UsageCount>')
      .replace('<DeletedObjects/>', '<DeletedObjects/><X-RootThing/>')
      .replace('</Root>', '</Root><X-FileThing>f</X-FileThing>');
    expect(xml).toContain('X-EntryThing');
    // Encrypt the edited XML as KDBX 4 (protected values left in clear, as the export has them).
    const kdf = fastArgon();
    const key = await transformKey(credentialsToComposite(creds()), kdf);
    const file = encryptKdbx({ version: { major: 4, minor: 0 }, cipher: 'aes256', compressed: true, kdf, transformedKey: key, inner: newInnerHeader([]), xml: Buffer.from(xml) });
    const vault = await Vault.open(file, creds());
    const rewritten = await decryptedTree(vault.toBytes(), creds());
    const drop = new Set(['Binaries', 'HeaderHash']);
    expect(canonical(rewritten, drop)).toEqual(canonical(parseXml(xml), drop));
  });
});

describe('interop with keepassxc-cli and pykeepass', () => {
  it('opens a keepassxc-cli 3.1 file (AES-KDF) with groups, history and recycle bin, and upgrades it to 4.x', async () => {
    kxc(['db-create', '-q', '-p', 'k31.kdbx'], `${PW}\n${PW}\n`);
    kxc(['mkdir', '-q', 'k31.kdbx', 'Bank'], `${PW}\n`);
    kxc(['add', '-q', '-u', 'alice', '-p', '--url', 'https://bank.example', '--notes', 'n1', 'k31.kdbx', 'Bank/Main'], `${PW}\nbank-1\n`);
    kxc(['edit', '-q', '-p', 'k31.kdbx', 'Bank/Main'], `${PW}\nbank-2\n`);
    kxc(['add', '-q', 'k31.kdbx', 'Gone'], `${PW}\n`);
    kxc(['rm', '-q', 'k31.kdbx', 'Gone'], `${PW}\n`);
    const v = await Vault.open(readBytes(join(dir, 'k31.kdbx')), creds());
    expect(v.readVersion!.major).toBe(4); // rm (a move) makes keepassxc write 4.1
    const e = [...v.db.entries()].find((x) => x.title === 'Main')!;
    expect([e.path(), e.get('UserName'), e.get('Password'), e.get('URL'), e.get('Notes')]).toEqual(['Bank/Main', 'alice', 'bank-2', 'https://bank.example', 'n1']);
    expect(e.history.map((h) => h.get('Password'))).toEqual(['bank-1']);
    expect(v.db.recycleBin()?.entries.map((x) => x.title)).toEqual(['Gone']);
    writeFileSync(join(dir, 'k31-ours.kdbx'), v.toBytes());
    const shown = kxc(['show', '-q', '-s', 'k31-ours.kdbx', 'Bank/Main'], `${PW}\n`);
    expect(shown).toContain('Password: bank-2');
  });

  it('opens keepassxc-cli 3.1 files made by db-create (no moves) — a true KDBX 3.1 file', async () => {
    kxc(['db-create', '-q', '-p', 'plain31.kdbx'], `${PW}\n${PW}\n`);
    kxc(['add', '-q', '-u', 'u', '-p', 'plain31.kdbx', 'E1'], `${PW}\ne1-pw\n`);
    const bytes = readBytes(join(dir, 'plain31.kdbx'));
    expect(Vault.header(bytes).version).toEqual({ major: 3, minor: 1 });
    const v = await Vault.open(bytes, creds());
    expect(v.upgradesOnSave).toBe(false);
    expect(v.writeVersion()).toEqual({ major: 3, minor: 1 });
    expect([...v.db.entries()][0].get('Password')).toBe('e1-pw');
  });

  it('opens a keyfile-only keepassxc-cli database', async () => {
    kxc(['db-create', '-q', '--set-key-file', 'only.key', 'kf.kdbx'], '');
    kxc(['add', '-q', '--no-password', '-k', 'only.key', 'kf.kdbx', 'KeyEntry'], '');
    const v = await Vault.open(readBytes(join(dir, 'kf.kdbx')), { keyfile: readBytes(join(dir, 'only.key')) });
    expect([...v.db.entries()].map((e) => e.title)).toEqual(['KeyEntry']);
  });

  it('opens a pykeepass KDBX 4 file (Argon2id, ChaCha20) with attachments, custom fields and history', async () => {
    const r = pykeepass(`
import os, sys
from pykeepass import create_database
kp = create_database(sys.argv[1], password=sys.argv[2])
h = kp.kdbx.header.value.dynamic_header
d = h.kdf_parameters.data.dict
d['I'].value = 2; d['M'].value = 8*1024*1024
d['$UUID'].value = bytes.fromhex('9e298b1956db4773b23dfc3ec6f0a1e6')  # Argon2id
h.cipher_id.data = 'chacha20'
h.encryption_iv.data = os.urandom(12)
del kp.kdbx.header['data']
g = kp.add_group(kp.root_group, 'Mail')
e = kp.add_entry(g, 'Py', 'bob', 'py-old', url='https://py.example', notes='py notes', tags=['a', 'b'])
e.set_custom_property('Secret Q', 'blue')
e._element.xpath('String[Key="Secret Q"]/Value')[0].set('Protected', 'True')
e.set_custom_property('Plain', 'visible')
e.add_attachment(kp.add_binary(b'attached bytes'), 'a.txt')
e.save_history()
e.password = 'py-new'
kp.save()
`, [join(dir, 'py.kdbx'), PW]);
    expect(r.status, r.stderr).toBe(0);
    const v = await Vault.open(readBytes(join(dir, 'py.kdbx')), creds());
    expect(v.settings.cipher).toBe('chacha20');
    expect(v.settings.kdf.type).toBe('argon2id');
    const e = [...v.db.entries()].find((x) => x.title === 'Py')!;
    expect([e.path(), e.get('UserName'), e.get('Password'), e.get('Notes'), e.get('Secret Q'), e.get('Plain')]).toEqual(['Mail/Py', 'bob', 'py-new', 'py notes', 'blue', 'visible']);
    expect(e.isProtected('Secret Q')).toBe(true);
    expect(e.tags).toEqual(['a', 'b']);
    expect(Buffer.from(e.attachments.get('a.txt')!.data).toString()).toBe('attached bytes');
    expect(e.history.map((h) => h.get('Password'))).toEqual(['py-old']);
  });

  it('writes files that keepassxc-cli (show, export) and pykeepass read with the same content', async () => {
    const v = await richVault('chacha20');
    writeFileSync(join(dir, 'ours.kdbx'), v.toBytes());
    const shown = kxc(['show', '-q', '-s', 'ours.kdbx', 'Shopping/Amazon'], `${PW}\n`);
    expect(shown).toContain('Password: second-päss');
    expect(shown).toContain('UserName: fred+amazon@example.com');
    expect(kxc(['show', '-q', '-s', '-a', 'PIN', 'ours.kdbx', 'Shopping/Amazon'], `${PW}\n`).trim()).toBe('1234');
    const exported = kxc(['export', '-q', '-f', 'xml', 'ours.kdbx'], `${PW}\n`);
    expect(exported).toContain('stickvault.rule');
    expect(exported).toContain('first-päss'); // history survives
    const r = pykeepass(`
import sys, json
from pykeepass import PyKeePass
kp = PyKeePass(sys.argv[1], password=sys.argv[2])
e = kp.find_entries(title='Amazon', first=True)
print(json.dumps({'pw': e.password, 'pin': e.get_custom_property('PIN'), 'hist': [h.password for h in e.history],
  'att': [[a.filename, a.data.hex()] for a in e.attachments], 'tags': e.tags, 'groups': sorted(g.name for g in kp.groups)}))
`, [join(dir, 'ours.kdbx'), PW]);
    expect(r.status, r.stderr).toBe(0);
    const py = JSON.parse(r.stdout);
    expect(py).toEqual({ pw: 'second-päss', pin: '1234', hist: ['first-päss'], att: [['receipt.pdf', '000102fffe']], tags: ['shop', 'uk'], groups: ['Books', 'Recycle Bin', 'Rich', 'Shopping'] });
  });

  it('every fixture above survives read → write unchanged (canonical XML equal)', async () => {
    const fixtures: [string, Credentials][] = [
      ['k31.kdbx', creds()], ['plain31.kdbx', creds()], ['kf.kdbx', { keyfile: readBytes(join(dir, 'only.key')) }],
      ['py.kdbx', creds()], ['ours.kdbx', creds()], ['lossless.kdbx', creds()],
    ];
    // 3.1 keeps attachments and the header hash in Meta; 4.x keeps both outside the XML.
    const drop = new Set(['Binaries', 'HeaderHash']);
    // Groups and entries that omit standard KeePass elements (pykeepass writes such) get
    // them with their default values, as KeePassXC writes them: schema defaults, not data.
    const DEFAULTS: Record<string, Record<string, string>> = {
      Group: { Notes: '', IconID: '48', IsExpanded: 'True', DefaultAutoTypeSequence: '', EnableAutoType: 'null', EnableSearching: 'null', LastTopVisibleEntry: 'AAAAAAAAAAAAAAAAAAAAAA==' },
      Entry: { IconID: '0', ForegroundColor: '', BackgroundColor: '', OverrideURL: '' },
    };
    const withoutDefaults = (n: XmlElement): XmlElement => {
      const d = DEFAULTS[n.name];
      if (d) n.children = n.children.filter((c) => d[c.name] !== c.text || c.children.length > 0);
      n.children.forEach(withoutDefaults);
      return n;
    };
    const tree = async (b: Uint8Array, c: Credentials) => canonical(withoutDefaults(await decryptedTree(b, c)), drop);
    for (const [name, c] of fixtures) {
      const bytes = readBytes(join(dir, name));
      const rewritten = (await Vault.open(bytes, c)).toBytes();
      expect(await tree(rewritten, c), name).toEqual(await tree(bytes, c));
    }
  });

  it('keepassxc-cli merges a stickvault file both ways', async () => {
    const v = await Vault.create('M', creds(), settings('aes256'));
    const e = v.db.root.addEntry(new Entry());
    e.set('Title', 'From stv');
    e.set('Password', 'stv-pw', true);
    writeFileSync(join(dir, 'm-stv.kdbx'), v.toBytes());
    kxc(['db-create', '-q', '-p', 'm-kxc.kdbx'], `${PW}\n${PW}\n`);
    kxc(['add', '-q', 'm-kxc.kdbx', 'From kxc'], `${PW}\n`);
    kxc(['merge', '-q', '-s', 'm-kxc.kdbx', 'm-stv.kdbx'], `${PW}\n`);
    expect(kxc(['ls', '-q', 'm-kxc.kdbx'], `${PW}\n`)).toContain('From stv');
    kxc(['merge', '-q', '-s', 'm-stv.kdbx', 'm-kxc.kdbx'], `${PW}\n`);
    const back = await Vault.open(readBytes(join(dir, 'm-stv.kdbx')), creds());
    expect([...back.db.entries()].map((x) => x.title).sort()).toEqual(['From kxc', 'From stv']);
  });
});
