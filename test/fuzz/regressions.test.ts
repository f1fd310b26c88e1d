/**
 * Bugs the fuzzers found, kept as fixed cases. Both echoed text from the
 * file into the error message verbatim, so a hostile file could make the
 * one-line error span lines (and forge output): an XML end tag running to
 * the next '>' across lines, and a VariantDictionary key holding a newline.
 */
import { describe, expect, test } from 'vitest';
import { CorruptFileError, untrusted } from '../../src/errors/index.js';
import { parseXml } from '../../src/vault/xml/index.js';
import { readVariantDictionary } from '../../src/vault/kdbx/index.js';
import { utf8 } from '../../src/secret/index.js';
import { readKdb } from '../../src/vault/kdb/index.js';
import { ByteWriter } from '../../src/vault/kdbx/bytes.js';
import { kdbRecords, sealKdb } from '../vault/kdb/make-kdb.js';

const oneLine = /^[^\n\r\u2028\u2029]{10,300}$/;

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CorruptFileError);
    return (e as Error).message;
  }
  throw new Error('expected a CorruptFileError');
}

describe('file text in error messages stays on one bounded line', () => {
  test('an XML end tag damaged into "</Value\\n\\t\\t</String>" (fuzz seed -1247614600)', () => {
    const msg = messageOf(() => parseXml(`<String><Value>x</Value\n\t\t</String>`));
    expect(msg).toMatch(oneLine);
    expect(msg).toContain("'</Value\\u{a}\\u{9}\\u{9}</String>'");
    expect(messageOf(() => parseXml(`<a></${'b'.repeat(100_000)}>`)).length).toBeLessThan(200);
  });

  test('a VariantDictionary key with a newline and an unknown type (fuzz seed -437782737)', () => {
    const d = new ByteWriter().u16(0x100).u8(0x01).u32(4).bytes(Buffer.from('   \n')).u32(0).u8(0).toBytes();
    const msg = messageOf(() => readVariantDictionary(d, 'KDF parameters'));
    expect(msg).toMatch(oneLine);
    expect(msg).toContain("item '   \\u{a}' has unknown type 0x1");
  });

  test('a KeePass 1 group name with a line break in a level-jump message', async () => {
    const f = { password: Buffer.from('pw'), rounds: 5, groups: [{ id: 1, name: 'a\r\nstv: forged', level: 1 }], entries: [] };
    await expect(readKdb(sealKdb(kdbRecords(f), f, 1, 0), { password: utf8('pw') })).rejects.toThrow(/^corrupt file: group 0 'a\\u\{d\}\\u\{a\}stv: forged' jumps/);
  });

  test('untrusted() quotes, caps at 40 characters and escapes controls, bidi overrides and lone surrogates', () => {
    expect(untrusted('Title')).toBe("'Title'");
    expect(untrusted('x'.repeat(50))).toBe(`'${'x'.repeat(40)}…'`);
    expect(untrusted('a\u202eb\u2028c\ud800')).toBe("'a\\u{202e}b\\u{2028}c\\u{d800}'");
  });
});
