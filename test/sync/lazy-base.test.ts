/**
 * A sync reads its base lazily (the merge reads only the base's entries the
 * copies disagree on: a 10k vault's other entries are only skimmed). What
 * that must keep: the base still decides the three-way merge of the entries
 * that differ; a malformed base entry the merge needs makes the sync merge
 * without that base, as a base that does not open does (a note, no failure);
 * a malformed entry the merge never needs is never read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/tools.js';
import { Vault, Entry, readVaultFile, saveVaultFile, type DerivedKey } from '../../src/vault/index.js';
import { decryptKdbx, encryptKdbx } from '../../src/vault/kdbx/index.js';
import { runSync, findSticks, ensureVaultId, type OpenHow } from '../../src/sync/index.js';
import { newStick, writeStick } from '../../src/sync/sticks.js';

let dir: string;
let cleanup: () => void;
const savedState = process.env.XDG_STATE_HOME;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-sync-lazy-base-'));
  process.env.XDG_STATE_HOME = join(dir, 'state');
});
afterAll(() => {
  process.env.XDG_STATE_HOME = savedState;
  cleanup();
});

interface Setup {
  local: string;
  stick: string;
  root: string;
  key: DerivedKey;
  id: string;
  /** Both copies' bases (the last converged state, the same bytes). */
  bases: string[];
  uuids: Record<string, string>;
}

/** A vault with entries E1 and E2 on the laptop and a stick, synced once (so both have a base). */
async function setup(name: string): Promise<Setup> {
  const base = join(dir, name);
  mkdirSync(join(base, 'laptop'), { recursive: true });
  const local = join(base, 'laptop', 'v.kdbx');
  const root = join(base, 'stick');
  const vault = await Vault.create('P', { password: Buffer.from('pw') }, { cipher: 'aes256', compressed: true, kdf: { type: 'aes', rounds: 10n, seed: randomBytes(32) } });
  const { id } = ensureVaultId(vault.db);
  const uuids: Record<string, string> = {};
  for (const t of ['E1', 'E2']) {
    const e = vault.db.root.addEntry(new Entry());
    e.set('Title', t);
    e.set('UserName', `${t}-user`);
    e.set('Password', `${t}-secret`, true);
    uuids[t] = e.uuid;
  }
  const key = vault.derivedKey();
  saveVaultFile(local, vault.toBytes());
  vault.close();
  const info = newStick('s');
  info.vaults[id] = { file: 'v.kdbx' };
  mkdirSync(root, { recursive: true });
  writeStick(root, info);
  const stick = join(root, 'v.kdbx');
  saveVaultFile(stick, readFileSync(local));
  const first = await runSync({ vaultId: id, local: { path: local }, sticks: findSticks([root], []), open: (b) => Vault.open(b, key) });
  expect(first.mode).toBe('identical');
  const bases = [join(dir, 'state', 'stickvault', 'bases', `${id}.base.kdbx`), join(root, '.stickvault', `${id}.base.kdbx`)];
  for (const b of bases) expect(readFileSync(b).equals(readFileSync(local))).toBe(true);
  return { local, stick, root, key, id, bases, uuids };
}

async function editField(path: string, key: DerivedKey, title: string, field: string, value: string): Promise<void> {
  const { bytes, stamp } = readVaultFile(path);
  const v = await Vault.open(bytes, key);
  const e = [...v.db.entries()].find((x) => x.title === title)!;
  v.db.updateEntry(e, (x) => x.set(field, value, field === 'Password'));
  saveVaultFile(path, v.toBytes(), { expected: stamp });
  v.close();
}

/**
 * Rewrites a base with one entry malformed (markup the skim lets through and
 * the strict read refuses), still encrypted with the vault's key, so that it
 * opens and only reading that entry fails.
 */
function breakEntry(s: Setup, uuid: string): void {
  const { key } = s;
  const file = readFileSync(s.bases[0]);
  const header = Vault.header(file);
  const { inner, xml } = decryptKdbx(file, header, key.transformed);
  const text = Buffer.from(xml).toString('utf8');
  const at = text.indexOf(`<UUID>${Buffer.from(uuid.replace(/-/g, ''), 'hex').toString('base64')}</UUID>`);
  expect(at).toBeGreaterThan(0);
  const end = text.indexOf('</UUID>', at) + '</UUID>'.length;
  const broken = `${text.slice(0, end)}<X-Broken><Inner></X-Broken></Inner>${text.slice(end)}`;
  const bytes = encryptKdbx({ version: header.version as { major: 4; minor: 0 }, cipher: header.cipher, compressed: header.compressed, kdf: header.kdf, transformedKey: key.transformed, inner, xml: Buffer.from(broken) });
  for (const b of s.bases) writeFileSync(b, bytes, { mode: 0o600 }); // still one base, as a sync leaves it
}

async function entryOf(path: string, key: DerivedKey, title: string): Promise<{ user: string; password: string; conflict: boolean }> {
  const v = await Vault.open(readFileSync(path), key);
  const e = [...v.db.entries()].find((x) => x.title === title)!;
  const out = { user: e.get('UserName')!, password: e.get('Password')!, conflict: e.tags.includes('stickvault-conflict') };
  v.close();
  return out;
}

/** Runs the sync, recording how each content was asked to be opened. */
async function sync(s: Setup): Promise<{ report: Awaited<ReturnType<typeof runSync>>; hows: (OpenHow | undefined)[]; log: string[] }> {
  const hows: (OpenHow | undefined)[] = [];
  const log: string[] = [];
  const names = new Map<Uint8Array, string>();
  const name = (b: Uint8Array) => names.get(b) ?? names.set(b, `file${names.size}`).get(b)!;
  const report = await runSync({
    vaultId: s.id, local: { path: s.local }, sticks: findSticks([s.root], []),
    prefetch: (b) => log.push(`prefetch ${name(b)}`),
    open: (b, _copy, how) => {
      hows.push(how);
      log.push(`open ${name(b)}`);
      return Vault.open(b, s.key, { readAll: !how?.lazy });
    },
  });
  return { report, hows, log };
}

describe('sync reads its base lazily', () => {
  it('opens the base lazily, once, and still merges three-way: different fields of one entry combine with no conflict', async () => {
    const s = await setup('lazy');
    await editField(s.local, s.key, 'E1', 'Password', 'laptop-secret');
    await editField(s.stick, s.key, 'E1', 'UserName', 'stick-user');
    const { report, hows, log } = await sync(s);
    expect(report.mode).toBe('merge');
    // Everything the merge opens is announced first (SyncKeys.prefetch makes it ready meanwhile), each file once.
    expect(log).toEqual(['prefetch file0', 'prefetch file1', 'prefetch file2', 'open file0', 'open file1', 'open file2']);
    expect(report.notes).toEqual([]);
    expect(report.conflicts).toEqual([]);
    // Two contents read whole, one base (the same bytes on both copies) skimmed.
    expect(hows.filter((h) => h?.lazy)).toHaveLength(1);
    expect(hows.filter((h) => !h?.lazy)).toHaveLength(2);
    for (const path of [s.local, s.stick]) expect(await entryOf(path, s.key, 'E1')).toEqual({ user: 'stick-user', password: 'laptop-secret', conflict: false });
  });

  it('a malformed base entry no copy changed is never read: the base still decides the merge', async () => {
    const s = await setup('unused');
    breakEntry(s, s.uuids.E2);
    await editField(s.local, s.key, 'E1', 'Password', 'laptop-secret');
    await editField(s.stick, s.key, 'E1', 'UserName', 'stick-user');
    const { report } = await sync(s);
    expect(report.copies.map((c) => c.status)).toEqual(['updated', 'updated']);
    expect(report.notes).toEqual([]);
    expect(report.conflicts).toEqual([]);
    expect(await entryOf(s.stick, s.key, 'E1')).toEqual({ user: 'stick-user', password: 'laptop-secret', conflict: false });
    expect(await entryOf(s.stick, s.key, 'E2')).toMatchObject({ user: 'E2-user', password: 'E2-secret' });
    // The base is now the result, which reads whole.
    for (const b of s.bases) expect(readFileSync(b).equals(readFileSync(s.local))).toBe(true);
  });

  it('a malformed base entry the merge needs: merged without that base (a note, nothing failed, no edit lost)', async () => {
    const s = await setup('needed');
    breakEntry(s, s.uuids.E1);
    await editField(s.local, s.key, 'E1', 'Password', 'laptop-secret');
    await editField(s.stick, s.key, 'E1', 'UserName', 'stick-user');
    const { report } = await sync(s);
    expect(report.copies.map((c) => c.status)).toEqual(['updated', 'updated']);
    expect(report.notes).toHaveLength(1);
    expect(report.notes[0]).toMatch(/^the base on (local|s) could not be opened as this vault; merged without it/);
    // Without the base, the versions both copies keep in history still say what each side changed.
    expect(report.conflicts).toEqual([]);
    expect(await entryOf(s.local, s.key, 'E1')).toEqual({ user: 'stick-user', password: 'laptop-secret', conflict: false });
    expect(readFileSync(s.local).equals(readFileSync(s.stick))).toBe(true);
    for (const b of s.bases) expect(readFileSync(b).equals(readFileSync(s.local))).toBe(true);
  });
});
