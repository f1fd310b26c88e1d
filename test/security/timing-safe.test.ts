/**
 * A guard over src/: hashes and MACs are compared with crypto.timingSafeEqual,
 * never with ===, !==, ==, !=, Buffer#equals or Buffer.compare, so the time a
 * comparison takes says nothing about how much of a guess was right. Two
 * comparisons of public values are allowed by name, each with its reason.
 */
import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../helpers/tools.js';

/** An operand that holds a digest: a .digest() call, a digest helper, or a name that says hash/MAC. */
const DIGEST = /\.digest\(|sha(1|256|512)Hex\(|[hH]mac\(|\b\w*(hash|Hash|hmac|Hmac|mac|Mac|digest|Digest|sha256|fingerprint|Fingerprint)\b/;
/** Operands that make a comparison harmless: literals, typeof, undefined/null, lengths and counts. */
const HARMLESS = /^(['"`].*|\d+|undefined|null|true|false|typeof\b.*|.*\.(length|size|type|name|kind)|.*\.byteLength)$/;
const OPERAND = String.raw`[\w$.?!\[\]()'"\x60-]+`;
const COMPARISON = new RegExp(`(${OPERAND})\\s*(===|!==|==|!=)\\s*(${OPERAND})`, 'g');

const ALLOWED: { file: string; snippet: string; why: string }[] = [
  { file: 'src/vault/vault.ts', snippet: 'key.kdfFingerprint !== kdfFingerprint(header.kdf)', why: 'a hash of the public KDF parameters in the file header, not of a secret' },
  { file: 'src/agent-host/host.ts', snippet: 'c.fingerprint !== key.kdfFingerprint', why: 'the same public KDF-parameter hash, for a cache check' },
  // A binary search over the public, sorted Pwned Passwords file orders by comparing: its reads
  // (and their number) already depend on the hash, locally, and no one else sees the timing.
  { file: 'src/audit/hibp-file.ts', snippet: '(line.hash === target)', why: 'a binary search over the public breach file (local, ordered)' },
  { file: 'src/audit/hibp-file.ts', snippet: '(hash === target', why: 'the same search, within the last 4 KiB window' },
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every digest comparison in a TypeScript text that does not use timingSafeEqual. */
export function unsafeDigestComparisons(file: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
    for (const m of code.matchAll(COMPARISON)) {
      const [left, right] = [m[1], m[3]].map((s) => s.replace(/^[(!]+|\)+$/g, ''));
      if (HARMLESS.test(left) || HARMLESS.test(right)) continue;
      if (DIGEST.test(left) || DIGEST.test(right)) found.push(`${file}:${i + 1}: ${m[0].trim()}`);
    }
    if (/\.equals\(|Buffer\.compare\(/.test(code) && DIGEST.test(code)) found.push(`${file}:${i + 1}: ${code.trim()}`);
  });
  return found.filter((f) => !ALLOWED.some((a) => f.startsWith(`${a.file}:`) && f.includes(a.snippet)));
}

describe('timing-safe comparisons', () => {
  test('no hash or MAC in src/ is compared with ===, !==, equals() or Buffer.compare', () => {
    const found = sources(join(ROOT, 'src')).flatMap((p) => unsafeDigestComparisons(relative(ROOT, p), readFileSync(p, 'utf8')));
    expect(found).toEqual([]);
  });

  test('the guard catches the comparisons it forbids and lets harmless ones pass', () => {
    const bad = [
      "if (createHash('sha256').update(x).digest('hex') === stored) fail();",
      'return sha256Hex(bytes) === stamp.sha256;',
      'if (xml.hash.trim().toLowerCase() !== want) throw e;',
      'if (!mac.equals(expectedMac)) throw e;',
      'if (Buffer.compare(headerHmac(base, h), stored) !== 0) throw e;',
    ];
    for (const line of bad) expect(unsafeDigestComparisons('x.ts', line), line).toHaveLength(1);
    const fine = [
      "if (typeof o.hash === 'string') ok();",
      'if (xml.hash !== undefined) check();',
      'if (mac.length !== 32) throw e;',
      "if (c.name === 'HeaderHash') x();",
      'if (!timingSafeEqual(mac, blockMac(base, i, data))) throw e;',
    ];
    for (const line of fine) expect(unsafeDigestComparisons('x.ts', line), line).toEqual([]);
    expect(ALLOWED.every((a) => readFileSync(join(ROOT, a.file), 'utf8').includes(a.snippet)), 'every allowance still exists').toBe(true);
  });
});
