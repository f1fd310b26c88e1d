/**
 * Entry#getBytes: a field's UTF-8 bytes off V8's heap, a protected value unmasked straight into them
 * (ssh-add's passphrase and the audit's hashes take it: no string of the password is made).
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Vault, Entry } from '../../../src/vault/index.js';
import { utf8 } from '../../../src/secret/index.js';

describe('Entry#getBytes', () => {
  it('gives what get() gives, as UTF-8 off the heap, for protected, plain, skimmed and absent fields', async () => {
    const pw = 'pässwörd ☃ 🔑';
    const kdf = { type: 'argon2id' as const, salt: randomBytes(32), iterations: 2n, memoryBytes: 8n * 1024n * 1024n, parallelism: 1, version: 0x13 };
    const v = await Vault.create('B', { password: utf8('master') }, { cipher: 'aes256', kdf, compressed: true });
    const e = new Entry();
    e.set('Title', 'ssh');
    e.set('Password', pw, true);
    e.set('Note', 'plain ✓', false);
    v.db.root.addEntry(e);
    const again = await Vault.open(v.toBytes(), { password: utf8('master') }); // entries skimmed, read on first use
    const read = [...again.db.entries()][0];
    for (const [entry, name, want] of [[e, 'Password', pw], [read, 'Password', pw], [read, 'Note', 'plain ✓'], [read, 'Missing', '']] as const) {
      const b = entry.getBytes(name);
      expect([Buffer.from(b).toString('utf8'), b.buffer.byteLength > 64]).toEqual([want, true]);
      expect(entry.get(name)).toBe(want);
    }
    v.close();
    again.close();
  });
});
