/**
 * The lazy reader (src/vault/format/lazy-entry.ts): entries skimmed on open
 * and read on first use. An entry never read is written back with the same
 * content; protected values decrypt right whatever order entries are read
 * in; a malformed entry the skim let through is reported (exit 6) by what
 * reaches it — the library call, `stv show`, `stv check`, any save — and
 * nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Vault, type CredentialParts } from '../../../src/vault/index.js';
import { utf8 } from '../../../src/secret/index.js';
import { CorruptFileError } from '../../../src/errors/index.js';
import { encryptKdbx, transformKey, newInnerHeader, createInnerStream, type KdfParams } from '../../../src/vault/kdbx/index.js';
import { credentialsToComposite } from '../../../src/vault/vault.js';
import type { XmlElement } from '../../../src/vault/xml/index.js';
import { isolatedEnv, stv, tempDir } from '../../helpers/tools.js';
import { canonical, decryptedTree } from '../canonical.js';

const PW = 'lazy reader test pw';
const creds = (): CredentialParts => ({ password: utf8(PW) });
const kdf = (): KdfParams => ({ type: 'argon2id', salt: randomBytes(32), iterations: 2n, memoryBytes: 8n * 1024n * 1024n, parallelism: 2, version: 0x13 });
const id = (n: number) => Buffer.alloc(16, n).toString('base64');
const TIMES = '<Times><CreationTime>2024-05-01T10:00:00Z</CreationTime><LastModificationTime>2024-05-01T10:00:00Z</LastModificationTime></Times>';

/** `{{secret}}` marks a protected value: encrypted here with the file's inner stream, in document order. */
function str(key: string, value: string, prot = false): string {
  return `<String><Key>${key}</Key>${prot ? `<Value Protected="True">{{${value}}}</Value>` : `<Value>${value}</Value>`}</String>`;
}

function entry(n: number, title: string, extra = ''): string {
  return `\n\t\t\t<Entry>\n\t\t\t\t<UUID>${id(n)}</UUID>${TIMES}<Tags>t${n};x</Tags>\n\t\t\t\t${str('Title', title)}\n\t\t\t\t${str('UserName', `user${n}`)}${str('Password', `secret-${n}`, true)}${str('Notes', `notes &amp; ${n}`)}${extra}<History><Entry><UUID>${id(n)}</UUID>${TIMES}${str('Title', `${title} old`)}${str('Password', `old-secret-${n}`, true)}</Entry></History>\n\t\t\t</Entry>`;
}

async function kdbx(xml: string): Promise<{ file: Uint8Array }> {
  const params = kdf();
  const key = await transformKey(credentialsToComposite(creds()), params);
  const inner = newInnerHeader([]);
  const stream = createInnerStream(inner.streamId, inner.streamKey);
  const encrypted = xml.replace(/\{\{([^}]*)\}\}/g, (_m, s: string) => {
    const b = Buffer.from(s, 'utf8');
    const ks = stream.keystream(b.length);
    for (let i = 0; i < b.length; i++) b[i] ^= ks[i];
    return b.toString('base64');
  });
  return { file: encryptKdbx({ version: { major: 4, minor: 0 }, cipher: 'aes256', compressed: true, kdf: params, transformedKey: key, inner, xml: Buffer.from(encrypted) }) };
}

const doc = (entries: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<KeePassFile><Meta><Generator>test</Generator><CustomData><Item><Key>k</Key><Value Protected="True">{{meta-secret}}</Value></Item></CustomData></Meta><Root><Group><UUID>${id(200)}</UUID><Name>Root</Name>${TIMES}${entries}</Group></Root></KeePassFile>`;

/** An <Entry> of a tree by title, with its protected values in clear (canonical form). */
function entryByTitle(tree: XmlElement, title: string): unknown {
  const found: XmlElement[] = [];
  const walk = (n: XmlElement) => {
    if (n.name === 'Entry' && n.children.some((s) => s.name === 'String' && s.children.some((c) => c.name === 'Value' && (c.secret ? c.secret.getText() : c.text) === title))) found.push(n);
    else n.children.forEach(walk);
  };
  walk(tree);
  expect(found).toHaveLength(1);
  return canonical(found[0]);
}

describe('lazy entries', () => {
  it('skims entries on open and reads each on first use, protected values right in any order', async () => {
    const { file } = await kdbx(doc([1, 2, 3].map((n) => entry(n, `E${n}`)).join('')));
    const v = await Vault.open(file, creds());
    const [e1, e2, e3] = v.db.root.entries;
    expect([e1.isLoaded, e2.isLoaded, e3.isLoaded]).toEqual([false, false, false]);
    // Title, user name, notes and tags come from the source without reading the entry.
    expect([e1.title, e2.get('UserName'), e3.get('Notes'), e3.tags]).toEqual(['E1', 'user2', 'notes & 3', ['t3', 'x']]);
    expect(e2.isProtected('Notes')).toBe(false);
    expect([e1.isLoaded, e2.isLoaded, e3.isLoaded]).toEqual([false, false, false]);
    // Read last first: each entry kept its part of the inner stream.
    expect(e3.get('Password')).toBe('secret-3');
    expect(e3.history[0].get('Password')).toBe('old-secret-3');
    expect(e1.get('Password')).toBe('secret-1');
    expect(e2.history[0].get('Password')).toBe('old-secret-2');
    expect(e2.get('Password')).toBe('secret-2');
    expect(v.db.meta.customData.get('k')?.value).toBe('meta-secret');
    expect([e1.isLoaded, e2.isLoaded, e3.isLoaded]).toEqual([true, true, true]);
  });

  it('writes an entry never read back with the same content (canonical XML) after another one is edited', async () => {
    const unknown = '<X-Plugin a="b"><Nested k="v">text</Nested></X-Plugin><CustomData><Item><Key>ck</Key><Value>cv</Value></Item></CustomData>';
    const { file } = await kdbx(doc(entry(1, 'Edited') + entry(2, 'Untouched', unknown) + entry(3, 'Also untouched')));
    // The same edit with every entry read on open (the eager reader's result) is the reference.
    const write = async (readAll: boolean) => {
      const v = await Vault.open(file, creds());
      if (readAll) v.db.loadAll();
      const [edited, untouched, also] = v.db.root.entries;
      v.db.updateEntry(edited, (e) => e.set('Notes', 'changed'));
      expect([untouched.isLoaded, also.isLoaded]).toEqual([readAll, readAll]);
      return decryptedTree(v.toBytes(), creds());
    };
    const [lazy, eager] = [await write(false), await write(true)];
    expect(entryByTitle(lazy, 'Untouched')).toEqual(entryByTitle(eager, 'Untouched'));
    expect(entryByTitle(lazy, 'Also untouched')).toEqual(entryByTitle(eager, 'Also untouched'));
    expect(JSON.stringify(entryByTitle(lazy, 'Untouched'))).toContain('X-Plugin');
    expect(JSON.stringify(entryByTitle(lazy, 'Untouched'))).toContain('old-secret-2');
  });

  it('reads on open, as before, an entry the skim does not take (a comment, a self-closing protected value)', async () => {
    const odd = `<Entry><UUID>${id(9)}</UUID><!-- c -->${str('Title', 'Odd')}</Entry><Entry><UUID>${id(10)}</UUID>${str('Title', 'Odd2')}<String><Key>P</Key><Value Protected="True"/></String></Entry>`;
    const { file } = await kdbx(doc(entry(1, 'E1') + odd + entry(2, 'E2')));
    const v = await Vault.open(file, creds());
    expect(v.db.root.entries.map((e) => e.isLoaded)).toEqual([false, true, true, false]);
    expect(v.db.root.entries[3].get('Password')).toBe('secret-2');
  });

  it('a malformed entry reached late: open succeeds, reading it throws CorruptFileError every time, a save throws and writes nothing', async () => {
    const bad = entry(2, 'Bad').replace('<Tags>', '<X-Broken><Inner></X-Broken></Inner><Tags>');
    const { file } = await kdbx(doc(entry(1, 'Good') + bad + entry(3, 'Later')));
    const v = await Vault.open(file, creds());
    const [good, broken, later] = v.db.root.entries;
    expect(good.get('Password')).toBe('secret-1');
    expect(later.get('Password')).toBe('secret-3');
    expect(broken.title).toBe('Bad'); // the part `ls` reads is fine
    expect(() => broken.get('Password')).toThrow(CorruptFileError);
    expect(() => broken.history).toThrow(/corrupt file: XML end tag/);
    expect(() => v.db.loadAll()).toThrow(CorruptFileError);
    expect(() => v.toBytes()).toThrow(CorruptFileError);
  });
});

describe('lazy entries through the CLI', () => {
  let dir: string;
  let cleanup: () => void;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('stv-lazy-'));
    env = isolatedEnv(dir);
  });
  afterAll(() => cleanup());

  it('a malformed entry: `show` of another entry and `ls` succeed; `show` of it, `check` and `edit` exit 6 with one line, the file unchanged', async () => {
    const bad = entry(2, 'Bad').replace('<Tags>', '<X-Broken><Inner></X-Broken></Inner><Tags>');
    const { file } = await kdbx(doc(entry(1, 'Good') + bad + entry(3, 'Later')));
    const path = join(dir, 'v.kdbx');
    writeFileSync(path, file, { mode: 0o600 });
    const run = (...args: string[]) => stv(['--no-agent', '--vault', path, ...args], { env, input: `${PW}\n` });
    const ok = run('show', '-s', 'Later');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('secret-3');
    expect(run('ls').stdout.split('\n')).toEqual(['Good', 'Bad', 'Later', '']);
    for (const args of [['show', '-s', 'Bad'], ['check'], ['edit', 'Good', '--notes', 'x']]) {
      const r = run(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(6);
      expect(r.stderr.trim()).toMatch(/^stv: corrupt file: XML end tag '<\/X-Broken>' does not match '<Inner>' at character \d+$/);
    }
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(file))).toBe(true);
    // The same file without the damage checks fine.
    const { file: fine } = await kdbx(doc(entry(1, 'Good') + entry(3, 'Later')));
    writeFileSync(path, fine);
    const c = run('check');
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr + c.stdout).toMatch(/well-formed \(4 entries and history versions read\)/);
  });
});
