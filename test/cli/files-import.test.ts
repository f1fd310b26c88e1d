/**
 * Bringing every file in and getting everything back out: KeePassX's own
 * .kdb test files (password, each keyfile form, both, Twofish, CP-1252)
 * imported whole; attachments byte-exact through keepassxc-cli and
 * pykeepass; custom fields; Bitwarden exports (validated, complete, fast);
 * CSV formula neutralising; `/` in names; re-imports noticed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { stv, tempDir, isolatedEnv, keepassxc, pykeepass, ROOT } from '../helpers/tools.js';
import { makeKdb } from '../vault/kdb/make-kdb.js';

const KX = join(ROOT, 'test', 'fixtures', 'public', 'keepassx');
const PW = 'import pw Kx7!qz Lm2';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
// The master password is always stdin's first line here (--password-fd 0), whatever else stdin carries.
const run = (args: string[], input = `${PW}\n`) => stv(['--no-agent', '--vault', vault, '--password-fd', '0', ...args], { env, input });
const ok = (args: string[], input = `${PW}\n`) => {
  const r = run(args, input);
  expect(r.status, `stv ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
};
const kxc = (args: string[], input: string) => {
  const r = keepassxc(args, input, dir);
  expect(r.status, `keepassxc-cli ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
};
const show = (path: string) => JSON.parse(ok(['--json', 'show', '-s', path]).stdout);

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-files-import-'));
  env = isolatedEnv(dir);
  vault = join(dir, 'v.kdbx');
  ok(['init', '--kdf-iterations', '2', '--kdf-memory', '8']);
});
afterAll(() => cleanup?.());

describe('import FILE.kdb', () => {
  it("brings KeePassX's basic.kdb in whole: every group (empty ones too), fields, expiry, times, icons, attachment, auto-type; meta-streams are not entries", () => {
    const r = ok(['import', join(KX, 'basic.kdb')], `${PW}\nmasterpw\n`);
    expect(r.stderr).toMatch(/imported 6 groups and 5 entries from KeePass 1 \.kdb into Imported\/basic/);
    const tree = ok(['ls', '-R', '-f', 'Imported/basic']).stdout.split('\n');
    for (const line of ['Internet/Subgroup 1/Unexpanded/abc/[empty]', 'Internet/Subgroup 2/[empty]', 'eMail/Custom Icon']) expect(tree).toContain(line);
    expect(tree.some((l) => l.includes('Meta-Info'))).toBe(false);
    const e = show('Imported/basic/Internet/Test entry');
    expect([e.username, e.password, e.url, e.notes]).toEqual(['I', 'secretpassword', 'http://example.com/', 'Lorem ipsum\ndolor sit amet']);
    expect(e.attachments).toEqual([{ name: 'attachment.txt', size: 12 }]);
    expect(ok(['attachment', 'get', 'Imported/basic/Internet/Test entry', 'attachment.txt']).stdout).toBe('hello world\n');
    // Checked by pykeepass in the saved file: expiry, icons, the custom icon, the expanded flag, auto-type.
    const p = pykeepass(`
import sys
from pykeepass import PyKeePass
kp = PyKeePass(sys.argv[1], password=sys.argv[2])
e = kp.find_entries(title='Test entry', first=True)
print(e.expires, e.expiry_time.isoformat(), e.icon, e.group.icon)
u = kp.find_groups(name='Unexpanded', first=True)
print(u.is_expanded if hasattr(u, 'is_expanded') else u._xpath('IsExpanded', first=True).text)
c = kp.find_entries(title='Custom Icon', first=True)
print(c._element.find('CustomIconUUID') is not None, len(kp._xpath('/KeePassFile/Meta/CustomIcons/Icon')))
a = kp.find_entries(title='Auto-Type Test 1', first=True)
print(repr(a.notes), a.autotype_sequence, len(a._element.findall('AutoType/Association')))
`, [vault, PW]);
    expect(p.status, p.stderr).toBe(0);
    const lines = p.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^True 2012-05-09T10:32:00(\+00:00)? 1 1$/);
    expect(lines[1]).toBe('False');
    expect(lines[2]).toBe('True 1');
    expect(lines[3]).toBe("'last line' {USERNAME}{ENTER} 5");
  });

  it('takes keyfile-only files in every KeePass 1 form (32 raw bytes, 64 hex, hashed), password + keyfile, Twofish and a CP-1252 password', () => {
    for (const form of ['Binary', 'Hex', 'Hashed']) {
      const r = ok(['import', '--keyfile-from', join(KX, `FileKey${form}.key`), '--no-password-from', join(KX, `FileKey${form}.kdb`)]);
      expect(r.stderr).toMatch(new RegExp(`imported 1 group and 0 entries from KeePass 1 \\.kdb into Imported/FileKey${form}`));
      expect(ok(['ls', `Imported/FileKey${form}`]).stdout.trim()).toBe(`FileKey${form}/`);
    }
    expect(ok(['import', '--keyfile-from', join(KX, 'FileKeyHex.key'), join(KX, 'CompositeKey.kdb')], `${PW}\nmypassword\n`).stderr).toMatch(/into Imported\/CompositeKey/);
    expect(ok(['import', join(KX, 'Twofish.kdb')], `${PW}\nmasterpw\n`).stderr).toMatch(/from KeePass 1 \.kdb \(Twofish\) into Imported\/Twofish/);
    expect(ok(['ls', 'Imported/Twofish']).stdout.trim()).toBe('Twofish/');
    expect(ok(['import', join(KX, 'CP-1252.kdb')], `${PW}\n\u201epassword\u201d\n`).stderr).toMatch(/into Imported\/CP-1252/);
    const wrong = run(['import', '--no-password-from', '--keyfile-from', join(KX, 'FileKeyHex.key'), join(KX, 'FileKeyBinary.kdb')]);
    expect(wrong.status).toBe(3);
    const noKey = run(['import', '--no-password-from', join(KX, 'FileKeyBinary.kdb')]);
    expect([noKey.status, noKey.stderr]).toEqual([2, "stv: --no-password-from needs the old file's keyfile: --keyfile-from PATH\n"]);
    writeFileSync(join(dir, 'x.csv'), 'Title,Username,Password,URL,Notes\n');
    const notKdb = run(['import', '--keyfile-from', join(KX, 'FileKeyHex.key'), join(dir, 'x.csv')]);
    expect([notKdb.status, notKdb.stderr]).toEqual([2, 'stv: --keyfile-from and --no-password-from are for KeePass 1 .kdb files; this file has no key\n']);
  });

  it('takes files we make: Twofish with a keyfile and a password, 32-byte and 64-hex keyfiles', () => {
    const raw = randomBytes(32);
    const hex = Buffer.from(randomBytes(32).toString('hex'));
    writeFileSync(join(dir, 'raw.key'), raw);
    writeFileSync(join(dir, 'hex.key'), hex);
    const groups = [{ id: 1, name: 'Top', level: 0 }, { id: 2, name: 'Empty', level: 1 }];
    const entries = [{ groupId: 1, title: 'Made', username: 'm', password: 'made-pw', expires: new Date(Date.UTC(2031, 0, 2, 3, 4, 5)) }];
    writeFileSync(join(dir, 'tf.kdb'), makeKdb({ password: Buffer.from('both'), keyfile: raw, groups, entries, flags: 0x9 }));
    writeFileSync(join(dir, 'hexonly.kdb'), makeKdb({ keyfile: hex, groups, entries }));
    ok(['import', '--keyfile-from', join(dir, 'raw.key'), join(dir, 'tf.kdb')], `${PW}\nboth\n`);
    ok(['import', '--no-password-from', '--keyfile-from', join(dir, 'hex.key'), join(dir, 'hexonly.kdb')]);
    for (const g of ['Imported/tf', 'Imported/hexonly']) {
      expect(ok(['ls', '-R', '-f', g]).stdout.split('\n')).toContain('Top/Empty/[empty]');
      expect(show(`${g}/Top/Made`).password).toBe('made-pw');
    }
  });

  it('says when the items are already there, and --skip-existing leaves them out', () => {
    const again = ok(['import', join(KX, 'basic.kdb')], `${PW}\nmasterpw\n`);
    expect(again.stderr).toMatch(/warning: 5 of the imported items were already in Imported\/basic with the same content/);
    const skip = ok(['import', '--skip-existing', join(KX, 'basic.kdb')], `${PW}\nmasterpw\n`);
    expect(skip.stderr).toMatch(/skipped 5 items already in Imported\/basic/);
    expect(skip.stderr).toMatch(/imported 0 groups and 0 entries/);
  });
});

describe('attachments', () => {
  it('add, ls, get, rm round-trip byte-exact through keepassxc-cli and pykeepass; old versions stay in history; a shared content is stored once', () => {
    const data = randomBytes(70_000);
    writeFileSync(join(dir, 'id_nas'), data);
    ok(['add', 'NAS', '-u', 'root']);
    ok(['add', 'NAS2']);
    ok(['attachment', 'add', 'NAS', join(dir, 'id_nas')]);
    ok(['attachment', 'add', 'NAS2', join(dir, 'id_nas'), '--name', 'copy']);
    expect(JSON.parse(ok(['--json', 'attachment', 'ls', 'NAS']).stdout)).toEqual([{ name: 'id_nas', size: 70_000, sha256: expect.any(String) }]);
    expect(Buffer.from(ok(['attachment', 'get', 'NAS', 'id_nas']).stdout, 'latin1').length).toBeGreaterThan(0);
    ok(['attachment', 'get', 'NAS', 'id_nas', '-o', join(dir, 'out1')]);
    expect(readFileSync(join(dir, 'out1')).equals(data)).toBe(true);
    const again = run(['attachment', 'get', 'NAS', 'id_nas', '-o', join(dir, 'out1')]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already exists; use --force/);
    ok(['attachment', 'get', '--force', 'NAS', 'id_nas', '-o', join(dir, 'out1')]);
    kxc(['attachment-export', '-q', vault, 'NAS', 'id_nas', join(dir, 'out2')], `${PW}\n`);
    expect(readFileSync(join(dir, 'out2')).equals(data)).toBe(true);
    const other = randomBytes(1000);
    writeFileSync(join(dir, 'scan.pdf'), other);
    kxc(['attachment-import', '-q', vault, 'NAS', 'scan.pdf', join(dir, 'scan.pdf')], `${PW}\n`);
    ok(['attachment', 'get', 'NAS', 'scan.pdf', '-o', join(dir, 'out3')]);
    expect(readFileSync(join(dir, 'out3')).equals(other)).toBe(true);
    ok(['attachment', 'rm', 'NAS', 'scan.pdf']);
    const p = pykeepass(`
import sys, hashlib
from pykeepass import PyKeePass
kp = PyKeePass(sys.argv[1], password=sys.argv[2])
e = kp.find_entries(title='NAS', first=True)
print(sorted(a.filename for a in e.attachments), [sorted(a.filename for a in h.attachments) for h in e.history][-1])
print(hashlib.sha256(e.attachments[0].data).hexdigest(), len(kp.binaries))
`, [vault, PW]);
    expect(p.status, p.stderr).toBe(0);
    const [names, pool] = p.stdout.trim().split('\n');
    expect(names).toBe("['id_nas'] ['id_nas', 'scan.pdf']");
    // id_nas on two entries and their histories, scan.pdf in history only, and basic.kdb's attachment.txt
    // (imported three times, above): three contents in the pool, each stored once.
    expect(pool).toBe(`${createHash('sha256').update(data).digest('hex')} 3`);
    expect(run(['attachment', 'rm', 'NAS', 'nothing']).status).toBe(4);
  });
});

describe('custom fields and paths', () => {
  it('--field, --protected-field (from stdin, never argv) and --rm-field; standard names are refused', () => {
    ok(['add', 'Bank', '--field', 'Customer no=1234', '--protected-field', 'PIN'], `${PW}\n9876\n`);
    let e = show('Bank');
    expect(e.fields).toMatchObject({ 'Customer no': '1234', PIN: '9876' });
    expect(JSON.parse(ok(['--json', 'show', 'Bank']).stdout).fields.PIN).not.toBe('9876');
    ok(['edit', 'Bank', '--rm-field', 'Customer no']);
    e = show('Bank');
    expect(e.fields['Customer no']).toBeUndefined();
    expect(run(['edit', 'Bank', '--field', 'password=x']).status).toBe(2);
    expect(run(['edit', 'Bank', '--rm-field', 'nope']).status).toBe(4);
  });

  it("a '/' in a title or group name is written '\\/' by ls -f and read back by every command", () => {
    ok(['add', 'Social \\/ Web/Twitter \\/ X', '-u', 'fred']);
    expect(ok(['ls', '-R', '-f']).stdout.split('\n')).toContain('Social \\/ Web/Twitter \\/ X');
    expect(show('Social \\/ Web/Twitter \\/ X').username).toBe('fred');
    expect(show('Social \\/ Web/Twitter \\/ X').title).toBe('Twitter / X');
    expect(ok(['ls', 'Social \\/ Web']).stdout.trim()).toBe('Twitter \\/ X');
  });
});

describe('Bitwarden and CSV', () => {
  const item = (over: Record<string, unknown>) => ({ type: 1, name: 'x', login: { username: 'u', password: 'p' }, ...over });
  it('imports logins, notes, cards, identities, TOTP, fields, password history and dates; names what it leaves out', () => {
    const doc = {
      encrypted: false,
      folders: [{ id: 'f1', name: 'Personal' }],
      items: [
        item({ name: 'Mail', folderId: 'f1', creationDate: '2020-01-02T03:04:05.000Z', revisionDate: '2021-02-03T04:05:06.000Z', passwordHistory: [{ lastUsedDate: '2020-06-01T00:00:00.000Z', password: 'old-1' }, { lastUsedDate: '2020-03-01T00:00:00.000Z', password: 'old-0' }], login: { username: 'amy', password: 'now', totp: 'JBSWY3DPEHPK3PXP', uris: [{ uri: 'https://mail.example' }, { uri: 'https://m2.example' }], fido2Credentials: [{}] }, fields: [{ name: 'Hint', value: 'h', type: 0 }, { name: 'Secret', value: 's', type: 1 }, { name: 'L', value: null, type: 3, linkedId: 100 }] }),
        { type: 2, name: 'Note', notes: 'just a note', secureNote: { type: 0 } },
        { type: 3, name: 'Visa', card: { cardholderName: 'Amy', brand: 'Visa', number: '4111111111111111', expMonth: '1', expYear: '2030', code: '123' } },
        { type: 4, name: 'Me', identity: { firstName: 'Amy', lastName: 'Pond', address1: '1 Road', city: 'Leadworth', postalCode: 'LW1', country: 'UK', phone: '+44 1', passportNumber: 'P123' } },
      ],
    };
    writeFileSync(join(dir, 'bw.json'), JSON.stringify(doc));
    const r = ok(['import', join(dir, 'bw.json'), '--group', 'BW']);
    expect(r.stderr).toMatch(/not imported: 1 passkey\(s\)/);
    expect(r.stderr).toMatch(/not imported: 1 linked custom field/);
    expect(r.stderr).toMatch(/imported 4 entries from Bitwarden JSON into BW/);
    const mail = show('BW/Personal/Mail');
    expect([mail.username, mail.password, mail.url, mail.created]).toEqual(['amy', 'now', 'https://mail.example', '2020-01-02T03:04:05.000Z']);
    expect(mail.fields).toMatchObject({ Hint: 'h', Secret: 's', KP2A_URL_1: 'https://m2.example' });
    expect(mail.fields.otp).toMatch(/^otpauth:\/\/totp\/Mail:amy\?secret=JBSWY3DPEHPK3PXP/);
    expect(mail.modified).toBe('2021-02-03T04:05:06.000Z');
    const p = pykeepass(`
import sys
from pykeepass import PyKeePass
kp = PyKeePass(sys.argv[1], password=sys.argv[2])
e = kp.find_entries(title='Mail', first=True)
print([h.password for h in e.history])
me = kp.find_entries(title='Me', first=True)
print(me.custom_properties)
print(me._element.xpath('String[Key="identity_passportNumber"]/Value/@Protected'), kp.find_entries(title='Visa', first=True)._element.xpath('String[Key="card_number"]/Value/@Protected'))
`, [vault, PW]);
    expect(p.status, p.stderr).toBe(0);
    const [hist, me, prot] = p.stdout.trim().split('\n');
    expect(hist).toBe("['old-0', 'old-1']");
    expect(me).toContain("'identity_name': 'Amy Pond'");
    expect(me).toContain("'identity_address': '1 Road\\nLeadworth LW1\\nUK'");
    expect(me).toContain("'identity_phone': '+44 1'");
    expect(prot).toBe("['True'] ['True']");
    expect(show('BW/Visa').fields.card_code).toBe('123');
  });

  it('bad input is a one-line error naming the item and field, never a TypeError', () => {
    const cases: [unknown, RegExp][] = [
      [{ items: [null] }, /item 1 is null, expected an object/],
      [{ items: [item({ name: 'T', login: { totp: 123456 } })] }, /item 1 \("T"\): login\.totp is a number, expected a string/],
      [{ items: [item({ name: 'F', fields: { a: 1 } })] }, /item 1 \("F"\): fields is an object, expected a list/],
      [{ folders: [{ id: 'f', name: 7 }], items: [] }, /the file: folders\[0\]\.name is a number, expected a string/],
      [{ items: [item({ name: 'U', login: { uris: 'https://x' } })] }, /item 1 \("U"\): login\.uris is a string, expected a list/],
    ];
    for (const [doc, msg] of cases) {
      writeFileSync(join(dir, 'bad.json'), JSON.stringify(doc));
      const r = run(['import', '--format', 'bitwarden-json', join(dir, 'bad.json')]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^stv: not a valid Bitwarden export: ${msg.source}[^\\n]*\\n$`));
      expect(r.stderr).not.toMatch(/TypeError/);
    }
  });

  it("CSV export puts a ' before cells that start with = + - @ TAB or CR, unless --raw-csv", () => {
    ok(['add', 'Evil', '-u', '=HYPERLINK("http://x","y")', '--url', '@SUM(A1)', '--notes', '+cmd|calc']);
    const csv = ok(['export', '--format', 'csv']).stdout;
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csv).toContain(`"'@SUM(A1)"`);
    expect(csv).toContain(`"'+cmd|calc"`);
    const raw = ok(['export', '--format', 'csv', '--raw-csv']).stdout;
    expect(raw).toContain('"=HYPERLINK(""http://x"",""y"")"');
    expect(existsSync(vault)).toBe(true);
  });
});
