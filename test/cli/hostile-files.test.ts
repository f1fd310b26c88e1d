/**
 * The crafted files in test/fixtures/hostile/ through the real CLI: each
 * limit refuses its file before any real work (CPU and peak memory measured
 * by /usr/bin/time, not wall-clock), with the documented exit code and one
 * line on stderr, no stack trace. make.mjs must reproduce the committed bytes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, ROOT, run, STV, stv, tempDir } from '../helpers/tools.js';

const HOSTILE = join(ROOT, 'test', 'fixtures', 'hostile');
const PW = 'hostile pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-hostile-'));
  env = isolatedEnv(dir);
});
afterAll(() => cleanup());

/** Runs stv under GNU time: exit code, stderr, peak RSS (MiB) and CPU seconds of the process. */
function measured(args: string[], input: string): { status: number; stderr: string; stdout: string; rssMiB: number; cpuS: number } {
  const out = join(dir, 'time.txt');
  const r = run('/usr/bin/time', ['-o', out, '-f', '%M %U %S', process.execPath, STV, ...args], { env, input });
  const [kb, user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { ...r, rssMiB: kb / 1024, cpuS: user + sys };
}

const CASES: [string, number, RegExp][] = [
  ['argon2-memory-1tib.kdbx', 6, /^stv: corrupt file: Argon2id memory 1099511627776 bytes exceeds the 4 GiB limit$/],
  ['argon2-iterations-2p40.kdbx', 6, /^stv: corrupt file: Argon2id iterations 1099511627776 outside 1\.\.2147483646$/],
  ['aes-kdf-rounds-2p32.kdbx', 6, /^stv: corrupt file: AES-KDF rounds 4294967296 outside/],
  ['aes-kdf-slow.kdbx', 1, /^stv: opening this file needs about \d+ s of key derivation .*--allow-slow-kdf/],
  ['gzip-bomb.kdbx', 6, /^stv: corrupt file: decompressed payload too large \(over 1024 MiB\)$/],
  ['entity-bomb.kdbx', 6, /^stv: corrupt file: XML DOCTYPE or declaration not allowed/],
  ['external-entity.kdbx', 6, /^stv: corrupt file: XML DOCTYPE or declaration not allowed/],
  ['deep-nesting.kdbx', 6, /^stv: corrupt file: XML nesting deeper than 512 levels/],
  ['invalid-utf8.kdbx', 6, /^stv: corrupt file: XML payload is not valid UTF-8$/],
  ['huge-header-length.kdbx', 6, /^stv: corrupt file: header field 2 length 4294967295 exceeds file size/],
  ['short-master-seed.kdbx', 6, /^stv: corrupt file: header field master seed is 31 bytes, expected 32/],
  ['bogus-variant-type.kdbx', 6, /^stv: corrupt file: KDF parameters .* item 'R' has unknown type 0x7/],
  ['aes128.kdbx', 6, /^stv: unsupported cipher AES-128;/],
  ['kdbx-5.0.kdbx', 6, /^stv: unsupported KDBX version 5\.0;/],
  ['truncated.kdbx', 6, /^stv: corrupt file: .*truncated file/],
  ['char-ref-nul.kdbx', 6, /^stv: corrupt file: XML character reference '&#0;' is not an XML character at character \d+$/],
  ['char-ref-surrogate.kdbx', 6, /^stv: corrupt file: XML character reference '&#xD800;' is not an XML character at character \d+$/],
  ['protected-bad-base64.kdbx', 6, /^stv: corrupt file: invalid base64 in protected '<Value>' value$/],
  ['duplicate-uuid-group-entry.kdbx', 6, /^stv: corrupt file: duplicate UUID 000102030405060708090a0b0c0d0e0f: entry 'twin' and group 'Root'$/],
  ['duplicate-uuid-entries.kdbx', 6, /^stv: corrupt file: duplicate UUID 101112131415161718191a1b1c1d1e1f: entry 'one' and entry 'two'$/],
  ['inner-binaries-1m.kdbx', 6, /^stv: corrupt file: inner header declares more than 100000 binaries$/],
  ['kdbx31-arcfour-stream.kdbx', 6, /^stv: unsupported inner random stream 1 \(the obsolete ArcFour variant\) in this KDBX 3\.x header; KeePassXC refuses it too$/],
  ['kdbx31-unknown-stream.kdbx', 6, /^stv: unsupported inner random stream 7 in this KDBX 3\.x header \(only Salsa20 = 2 and ChaCha20 = 3 exist\)$/],
];

describe('hostile files', () => {
  test('make.mjs reproduces every committed file byte for byte, and every file has a case here', () => {
    const out = join(dir, 'regenerated');
    const r = run(process.execPath, [join(HOSTILE, 'make.mjs'), out]);
    expect(r.status, r.stderr).toBe(0);
    const made = readdirSync(out).sort();
    expect(made).toEqual(readdirSync(HOSTILE).filter((f) => f !== 'make.mjs').sort());
    // gzip output is zlib's: after a Node upgrade that changes it, run `node test/fixtures/hostile/make.mjs` and commit.
    for (const f of made) expect(readFileSync(join(out, f)).equals(readFileSync(join(HOSTILE, f))), `${f} differs from what make.mjs makes`).toBe(true);
    // These open: test/cli/terminal-output.test.ts shows terminal-escapes.kdbx in a terminal, test/cli/limits.test.ts asks info and doctor about the 3.1 files.
    const covered = [...CASES.map((c) => c[0]), 'valid.kdbx', 'kdb-arcfour.kdb', 'kdb-rounds-2p32.kdb', 'terminal-escapes.kdbx', 'kdbx31-header-hash.kdbx', 'kdbx31-no-header-hash.kdbx'].sort();
    expect(covered).toEqual(made);
  });

  test('the control file opens with the same password, so the others fail for their hostile part only', () => {
    const r = stv(['--no-agent', '--vault', join(HOSTILE, 'valid.kdbx'), 'ls'], { env, input: `${PW}\n` });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('harmless');
  });

  test.each(CASES)('%s → exit %i, one line, before any work (< 2 s CPU, < 400 MiB)', (file, code, message) => {
    const before = readFileSync(join(HOSTILE, file));
    const r = measured(['--no-agent', '--vault', join(HOSTILE, file), 'ls'], `${PW}\n`);
    expect(r.status, r.stderr).toBe(code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
    expect(r.stdout).toBe('');
    expect(r.cpuS).toBeLessThan(2);
    expect(r.rssMiB).toBeLessThan(400);
    expect(readFileSync(join(HOSTILE, file)).equals(before)).toBe(true);
  });

  test('--allow-slow-kdf does not lift the hard limits', () => {
    for (const f of ['argon2-memory-1tib.kdbx', 'aes-kdf-rounds-2p32.kdbx']) {
      const r = measured(['--no-agent', '--allow-slow-kdf', '--vault', join(HOSTILE, f), 'ls'], `${PW}\n`);
      expect(r.status, r.stderr).toBe(6);
      expect(r.cpuS).toBeLessThan(2);
    }
  });

  test('KeePass 1 imports: ArcFour is refused by name (exit 6), 2^32-1 rounds asks for --allow-slow-kdf (exit 1)', () => {
    const vault = join(dir, 'v.kdbx');
    expect(stv(['--no-agent', '--vault', vault, 'init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: 'pw\n' }).status).toBe(0);
    const tf = measured(['--no-agent', '--vault', vault, '--password-fd', '0', 'import', join(HOSTILE, 'kdb-arcfour.kdb')], `pw\n${PW}\n`);
    expect(tf.status, tf.stderr).toBe(6);
    expect(tf.stderr.trim()).toMatch(/^stv: unsupported cipher ArcFour in this KeePass 1 file;[^\n]*$/);
    const slow = measured(['--no-agent', '--vault', vault, '--password-fd', '0', 'import', join(HOSTILE, 'kdb-rounds-2p32.kdb')], `pw\n${PW}\n`);
    expect(slow.status, slow.stderr).toBe(1);
    expect(slow.stderr.trim()).toMatch(/^stv: opening this file needs about \d+ s of key derivation \(AES-KDF 4294967295 rounds\)[^\n]*--allow-slow-kdf/);
    expect(slow.cpuS).toBeLessThan(2);
  });
});
