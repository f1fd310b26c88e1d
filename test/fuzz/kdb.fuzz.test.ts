/**
 * Fuzzing the KeePass 1 (.kdb) import reader: byte mutations of whole files,
 * and re-encrypted record streams (so damage reaches the record parser
 * instead of stopping at the content hash) with lying group/entry counts,
 * huge field sizes, level jumps and invalid UTF-8. Every case must end in a
 * typed error with a one-line message, or read; never another exception.
 */
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { CorruptFileError, WrongKeyError } from '../../src/errors/index.js';
import { utf8 } from '../../src/secret/index.js';
import { readKdb } from '../../src/vault/kdb/index.js';
import { importKdb } from '../../src/transfer/index.js';
import { Database } from '../../src/vault/index.js';
import { kdbRecords, makeKdb, sealKdb, type KdbFixture } from '../vault/kdb/make-kdb.js';
import { runs } from './corpus.js';

const FIXTURE: KdbFixture = {
  password: Buffer.from('kdb pw'),
  rounds: 20,
  groups: [{ id: 1, name: 'Internet', level: 0 }, { id: 2, name: 'Mail', level: 1 }, { id: 3, name: 'Bänk', level: 0 }],
  entries: [
    { groupId: 2, title: 'Webmail', username: 'fred', password: 'pässwörd', url: 'https://mail.example', notes: 'n', expires: 'never' },
    { groupId: 3, title: 'Attached', attachment: { name: 'a.bin', data: Uint8Array.of(0, 1, 255) } },
  ],
};
const SEED = makeKdb(FIXTURE);
const RECORDS = kdbRecords(FIXTURE);
const tally = { ok: 0, corrupt: 0, 'wrong-key': 0 };
let maxCpuMs = 0;

afterAll(() => {
  const total = tally.ok + tally.corrupt + tally['wrong-key'];
  console.log(`[fuzz kdb] ${total} cases: ${JSON.stringify(tally)}; max CPU per case ${maxCpuMs.toFixed(0)} ms`);
});

async function check(file: Uint8Array): Promise<void> {
  const cpu = process.cpuUsage();
  try {
    importKdb(Database.create('fuzz'), ['Imported'], await readKdb(file, { password: utf8('kdb pw') }));
    tally.ok++;
  } catch (e) {
    if (!(e instanceof CorruptFileError || e instanceof WrongKeyError)) throw new Error(`untyped failure: ${(e as Error)?.stack ?? String(e)}`);
    expect(e.message).toMatch(/^[^\n]{10,400}$/);
    tally[e instanceof WrongKeyError ? 'wrong-key' : 'corrupt']++;
  }
  const used = process.cpuUsage(cpu);
  maxCpuMs = Math.max(maxCpuMs, (used.user + used.system) / 1000);
  expect((used.user + used.system) / 1000).toBeLessThan(1000);
}

describe('KeePass 1 reader under fuzzing', () => {
  test('the seed reads; bit flips, byte sets and truncations anywhere end in a typed error', async () => {
    await check(SEED);
    expect(tally.ok).toBe(1);
    await fc.assert(
      fc.asyncProperty(fc.nat(SEED.length - 1), fc.nat(255), fc.nat(SEED.length), async (at, value, cut) => {
        const f = Buffer.from(SEED.subarray(0, Math.max(cut, at + 1)));
        f[at] = value;
        // The rounds field is the one input whose cost is allowed to grow (up to the 10 s slow-KDF limit);
        // keep it so a case stays cheap. Hostile round counts are the fixtures' job (test/fixtures/hostile).
        if (f.length >= 124) SEED.copy(f, 120, 120, 124);
        await check(f);
      }),
      { numRuns: runs(100) },
    );
  });

  test('re-encrypted record streams with damage, lying counts and hostile fields end in a typed error or read', async () => {
    const hostile = fc.oneof(
      fc.constant(Buffer.from([0x02, 0x00, 0xff, 0xff, 0xff, 0xff])), // name field of 4 GiB
      fc.constant(Buffer.from([0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x09, 0x00])), // level 9
      fc.constant(Buffer.from([0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0xff, 0xc0, 0x80])), // invalid UTF-8
      fc.constant(Buffer.from([0xff, 0xff, 0x00, 0x00, 0x00, 0x00])), // an empty record
      fc.uint8Array({ minLength: 1, maxLength: 32 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.oneof(hostile, fc.constant(undefined)), fc.nat(), fc.integer({ min: -2, max: 3 }), fc.integer({ min: -2, max: 3 }), fc.boolean(),
        async (at, insert, flip, dg, de, hugeCount) => {
          let content = Buffer.from(RECORDS);
          const k = at % (content.length + 1);
          if (insert) content = Buffer.concat([content.subarray(0, k), insert, content.subarray(k)]);
          else if (content.length) content[flip % content.length] ^= 1 << (flip % 8);
          const groups = hugeCount ? 0xffffffff : Math.max(0, FIXTURE.groups.length + dg);
          await check(sealKdb(content, FIXTURE, groups, Math.max(0, FIXTURE.entries.length + de)));
        }),
      { numRuns: runs(120) },
    );
  });
});
