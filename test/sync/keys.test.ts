/**
 * The key of a sync (src/sync/keys.ts): one KDF for every file that shares
 * its parameters, and files the merge will open next made ready (decrypted,
 * inflated off the main thread) as soon as the first open has the key —
 * without ever asking for the key themselves, opening to exactly what an
 * ordinary open gives, and wiped if they are never opened.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Vault, Entry, type DecryptedAhead, type DerivedKey } from '../../src/vault/index.js';
import { Credentials } from '../../src/secret/index.js';
import { WrongKeyError } from '../../src/errors/index.js';
import { syncKeys } from '../../src/sync/index.js';
import { canonical, decryptedTree } from '../vault/canonical.js';

const seed = randomBytes(32);
const settings = () => ({ cipher: 'aes256' as const, compressed: true, kdf: { type: 'aes' as const, rounds: 1000n, seed } });

/** Three contents of one vault (the same KDF parameters, so one key), and one of another vault with the same parameters. */
async function files(): Promise<{ contents: Uint8Array[]; other: Uint8Array; key: DerivedKey }> {
  const v = await Vault.create('K', { password: Buffer.from('pw') }, settings());
  const contents: Uint8Array[] = [];
  for (let i = 0; i < 3; i++) {
    const e = v.db.root.addEntry(new Entry());
    e.set('Title', `E${i}`);
    e.set('Password', `secret-${i}`, true);
    contents.push(v.toBytes());
  }
  const key = v.derivedKey();
  v.close();
  const o = await Vault.create('K', { password: Buffer.from('another pw') }, settings());
  const other = o.toBytes();
  o.close();
  return { contents, other, key };
}

const source = (asked: { n: number }) => ({
  credentials: async () => {
    asked.n++;
    return new Credentials({ password: Buffer.from('pw') });
  },
});

afterEach(() => vi.restoreAllMocks());

describe('sync keys: files made ready ahead', () => {
  it('a prefetch waits for the first open\'s key (never asks for it), then every file is decrypted once, ahead, and opens as an ordinary open does', async () => {
    const { contents: [a, b, c], key } = await files();
    const ahead = vi.spyOn(Vault, 'decryptAhead');
    const opens = vi.spyOn(Vault, 'open');
    const asked = { n: 0 };
    const keys = syncKeys(source(asked));
    keys.prefetch(b);
    keys.prefetch(c);
    await new Promise((r) => setImmediate(r));
    expect(asked.n).toBe(0);
    expect(ahead).not.toHaveBeenCalled();
    const va = await keys.open(a);
    // The first open's key started the others before its own parse.
    expect(ahead.mock.calls.map((x) => x[0])).toEqual([a, b, c]);
    expect(opens.mock.calls.map((x) => x[0])).toEqual([a]);
    expect(Math.max(...ahead.mock.invocationCallOrder)).toBeLessThan(opens.mock.invocationCallOrder[0]);
    const vb = await keys.open(b);
    const vc = await keys.open(c, { lazy: true });
    expect(ahead).toHaveBeenCalledTimes(3);
    expect(asked.n).toBe(1);
    for (const [v, bytes] of [[va, a], [vb, b], [vc, c]] as const) {
      const plain = await Vault.open(bytes, key, { readAll: true });
      const pw = () => new Credentials({ password: Buffer.from('pw') });
      expect(canonical(await decryptedTree(v.toBytes(), pw()))).toEqual(canonical(await decryptedTree(plain.toBytes(), pw())));
      expect([...v.db.entries()].map((e) => e.get('Password'))).toEqual([...plain.db.entries()].map((e) => e.get('Password')));
      plain.close();
      v.close();
    }
    keys.close();
  });

  it('a file of another vault that shares the KDF parameters: its prefetch fails quietly, its open throws WrongKeyError as before', async () => {
    const { contents: [a], other } = await files();
    const keys = syncKeys(source({ n: 0 }));
    keys.prefetch(other);
    (await keys.open(a)).close();
    await expect(keys.open(other)).rejects.toThrow(WrongKeyError);
    keys.close();
  });

  it('a file made ready but never opened is wiped when the keys are closed', async () => {
    const { contents: [a, b] } = await files();
    const ahead = vi.spyOn(Vault, 'decryptAhead');
    const keys = syncKeys(source({ n: 0 }));
    keys.prefetch(b);
    (await keys.open(a)).close();
    const ready: DecryptedAhead = await ahead.mock.results[1].value;
    const xml = ready.payload!.xml;
    expect(xml.some((x) => x !== 0)).toBe(true);
    keys.close();
    await new Promise((r) => setImmediate(r));
    expect(ready.payload).toBeUndefined();
    expect(xml.every((x) => x === 0)).toBe(true);
  });
});
