/**
 * Fuzzing the KDBX reader (3.1 and 4.x) from real files: byte mutations of
 * whole files, re-sealed header edits (lying lengths, wrong field sizes,
 * bogus VariantDictionary types), re-sealed payloads (damaged gzip, gzip
 * bombs, damaged inner headers, hostile XML: DOCTYPE, entity bombs, external
 * entities, deep nesting, invalid UTF-8). Every case must end in a typed
 * error with a one-line message (or open, when the damage missed everything
 * that matters), using well under 1 s of CPU. `npm run fuzz` sets FUZZ_RUNS.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { MAX_DEPTH } from '../../src/vault/xml/index.js';
import { decryptKdbx, readOuterHeader } from '../../src/vault/kdbx/index.js';
import { writeInnerHeader } from '../../src/vault/kdbx/inner-header.js';
import { concat } from '../../src/vault/kdbx/bytes.js';
import { tempDir } from '../helpers/tools.js';
import { attempt, makeSeeds, resealHeader, resealPayload, runs, splitHeader, type Outcome, type Seed } from './corpus.js';

let seeds: Seed[];
let cleanup: () => void;
const tally: Record<Outcome, number> = { ok: 0, corrupt: 0, 'wrong-key': 0, 'slow-kdf': 0 };
let maxCpuMs = 0;
const rssBefore = process.resourceUsage().maxRSS;

beforeAll(async () => {
  const t = tempDir('stv-fuzz-');
  cleanup = t.cleanup;
  seeds = await makeSeeds(t.dir);
}, 120_000);

afterAll(() => {
  cleanup?.();
  const total = Object.values(tally).reduce((a, b) => a + b, 0);
  const peakMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(`[fuzz kdbx] ${total} cases: ${JSON.stringify(tally)}; max CPU per case ${maxCpuMs.toFixed(0)} ms; peak RSS ${peakMiB} MiB`);
});

/** One case: typed outcome, under 1 s of CPU (CPU, not wall-clock, so a busy machine cannot fail it). */
async function check(bytes: Uint8Array, seed: Seed, allowed: Outcome[] = ['ok', 'corrupt', 'wrong-key', 'slow-kdf']): Promise<Outcome> {
  const cpu = process.cpuUsage();
  const out = await attempt(bytes, seed);
  const used = process.cpuUsage(cpu);
  const ms = (used.user + used.system) / 1000;
  maxCpuMs = Math.max(maxCpuMs, ms);
  expect(ms, `${seed.name}: ${ms} ms of CPU`).toBeLessThan(1000);
  expect(allowed, `${seed.name}: outcome ${out}`).toContain(out);
  tally[out]++;
  return out;
}

const u32le = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const HUGE = [0xffffffff, 0x80000000, 0x7fffffff, 0x10000000, 0xfffffff0];

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'truncate'; at: number }
  | { op: 'huge'; at: number; which: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; n: number };

const mutation = (): fc.Arbitrary<Mutation> => {
  const at = fc.nat({ max: 1 << 20 }); // reduced modulo the length when applied
  return fc.oneof(
    fc.record({ op: fc.constant('flip' as const), at, bit: fc.nat(7) }),
    fc.record({ op: fc.constant('set' as const), at, value: fc.nat(255) }),
    fc.record({ op: fc.constant('truncate' as const), at }),
    fc.record({ op: fc.constant('huge' as const), at, which: fc.nat(HUGE.length - 1) }),
    fc.record({ op: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ op: fc.constant('delete' as const), at, n: fc.integer({ min: 1, max: 64 }) }),
  );
};

function mutate(file: Uint8Array, ms: Mutation[], lo = 0): Uint8Array {
  let f = Buffer.from(file);
  for (const m of ms) {
    if (f.length <= lo) break;
    const at = lo + (m.at % (f.length - lo));
    if (m.op === 'flip') f[at] ^= 1 << m.bit;
    else if (m.op === 'set') f[at] = m.value;
    else if (m.op === 'truncate') f = f.subarray(0, at);
    else if (m.op === 'huge') u32le(HUGE[m.which]).copy(f, at);
    else if (m.op === 'insert') f = Buffer.concat([f.subarray(0, at), m.bytes, f.subarray(at)]);
    else f = Buffer.concat([f.subarray(0, at), f.subarray(at + m.n)]);
  }
  return f;
}

const seedArb = () => fc.nat(seeds.length - 1).map((i) => seeds[i]);
const seeds4 = () => seeds.filter((s) => s.bytes[10] === 4); // major version, little-endian u16 at offset 10
const aes4 = () => seeds4().filter((s) => !s.name.includes('chacha20'));

/** The seed's decrypted payload before compression: inner header ‖ XML (4.x). */
function plainPayload(s: Seed): { inner: Uint8Array; xml: Buffer } {
  const d = decryptKdbx(s.bytes, readOuterHeader(s.bytes), s.key.transformed);
  return { inner: writeInnerHeader(d.inner), xml: Buffer.from(d.xml) };
}

const withXml = (s: Seed, xml: Uint8Array) => resealPayload(s.bytes, s.key.transformed, gzipSync(concat(plainPayload(s).inner, xml)));

describe('whole-file mutations', () => {
  test('the seeds open, and a wrong key is WrongKeyError for every seed', async () => {
    for (const s of seeds) {
      expect(await check(s.bytes, s, ['ok'])).toBe('ok');
      expect(await check(s.bytes, { ...s, key: { ...s.key, transformed: new Uint8Array(randomBytes(32)) } }, ['wrong-key'])).toBe('wrong-key');
    }
  });

  test('bit flips, byte sets, truncations, huge length fields, inserts and deletes anywhere end in a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(seedArb(), fc.array(mutation(), { minLength: 1, maxLength: 4 }), async (s, ms) => {
        const f = mutate(s.bytes, ms);
        const out = await check(f, s);
        // Only a change confined to unused bytes may still open; then the content must be the seed's.
        if (out === 'ok') expect(f.length).toBeGreaterThan(0);
      }),
      { numRuns: runs(120) },
    );
  });

  test('every truncation of each seed is corrupt (or a wrong key for cuts inside a 3.1 start block)', async () => {
    for (const s of seeds) {
      const step = Math.max(1, Math.floor(s.bytes.length / runs(40)));
      for (let n = 0; n < s.bytes.length; n += step) await check(s.bytes.subarray(0, n), s, ['corrupt', 'wrong-key']);
    }
  });
});

describe('re-sealed 4.x headers (valid SHA-256 and HMAC around hostile fields)', () => {
  test('lying field lengths, wrong field sizes, dropped and duplicated fields end in a typed error', async () => {
    const edit = fc.record({
      pick: fc.nat(20),
      kind: fc.constantFrom('lie', 'resize', 'drop', 'dup', 'random'),
      delta: fc.integer({ min: -40, max: 40 }),
      huge: fc.boolean(),
      bytes: fc.uint8Array({ maxLength: 80 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.nat(seeds4().length - 1), fc.array(edit, { minLength: 1, maxLength: 3 }), async (i, edits) => {
        const s = seeds4()[i];
        let fields = splitHeader(s.bytes).fields;
        const lies = new Map<number, number>();
        for (const e of edits) {
          const k = e.pick % fields.length;
          const f = fields[k];
          if (e.kind === 'lie') lies.set(k, e.huge ? 0xffffffff : Math.max(0, f.value.length + e.delta));
          else if (e.kind === 'resize') fields[k] = { id: f.id, value: e.delta >= 0 ? concat(f.value, new Uint8Array(e.delta)) : f.value.subarray(0, Math.max(0, f.value.length + e.delta)) };
          else if (e.kind === 'drop') fields = fields.filter((_f, j) => j !== k);
          else if (e.kind === 'dup') fields.splice(k, 0, f);
          else fields[k] = { id: f.id, value: e.bytes };
        }
        const f = resealHeader(s.bytes, s.key.transformed, fields, (x) => lies.get(fields.indexOf(x)) ?? x.value.length);
        await check(f, s);
      }),
      { numRuns: runs(80) },
    );
  });

  test('bogus VariantDictionary type bytes, lengths and versions in the KDF parameters end in a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(seeds4().length - 1), fc.array(mutation(), { minLength: 1, maxLength: 3 }), fc.nat(255), async (i, ms, type) => {
        const s = seeds4()[i];
        const fields = splitHeader(s.bytes).fields;
        const kdf = fields.find((f) => f.id === 11)!;
        const value = Buffer.from(mutate(kdf.value, ms));
        if (value.length > 2) value[2] = type; // the first entry's type byte
        const f = resealHeader(s.bytes, s.key.transformed, fields.map((x) => (x.id === 11 ? { id: 11, value } : x)));
        await check(f, s);
      }),
      { numRuns: runs(80) },
    );
  });
});

describe('re-sealed 4.x payloads (valid encryption and HMAC around hostile content)', () => {
  test('damaged gzip streams and damaged inner headers end in a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(aes4().length - 1), fc.boolean(), fc.array(mutation(), { minLength: 1, maxLength: 3 }), async (i, inGzip, ms) => {
        const s = aes4()[i];
        const { inner, xml } = plainPayload(s);
        const payload = inGzip ? mutate(gzipSync(concat(inner, xml)), ms) : gzipSync(concat(mutate(inner, ms), xml));
        await check(resealPayload(s.bytes, s.key.transformed, payload), s);
      }),
      { numRuns: runs(60) },
    );
  });

  test('gzip bombs stop at the decompression cap: 80 MiB of zeros in a file of ~80 KiB', async () => {
    const s = aes4()[0];
    const bomb = gzipSync(concat(plainPayload(s).inner, Buffer.alloc(80 * 1024 * 1024)), { level: 9 });
    const f = resealPayload(s.bytes, s.key.transformed, bomb);
    expect(f.length).toBeLessThan(200 * 1024);
    expect(await check(f, s, ['corrupt'])).toBe('corrupt');
  });

  const hostileXml = fc.oneof(
    fc.integer({ min: 1, max: 40 }).map((n) => `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: n }, (_v, k) => `<!ENTITY lol${k + 1} "${`&lol${k || ''};`.repeat(10)}">`).join('')}]><KeePassFile><Meta><DatabaseName>&lol${n};</DatabaseName></Meta></KeePassFile>`),
    fc.constantFrom('file:///etc/passwd', 'http://127.0.0.1:1/x', '/dev/zero').map((u) => `<?xml version="1.0"?><!DOCTYPE k [<!ENTITY x SYSTEM "${u}">]><KeePassFile><Meta><DatabaseName>&x;</DatabaseName></Meta></KeePassFile>`),
    fc.integer({ min: 1, max: 3 * MAX_DEPTH }).map((n) => `<KeePassFile><Root>${'<Group><Name>g</Name>'.repeat(n)}${'</Group>'.repeat(n)}</Root></KeePassFile>`),
    fc.integer({ min: 1, max: 100_000 }).map((n) => `<KeePassFile><Root><Group>${'<x>'.repeat(n)}</Group></Root></KeePassFile>`),
    fc.constantFrom('&#0;', '&#xD800;', '&#x110000;', '&unknown;', '&#99999999999;', ']]>', '<![CDATA[', '<?pi x?>', '<!-- -->', '\u0000', '<a b="1" b="2"/>'),
  );

  test('DOCTYPE, entity bombs, external entities, deep nesting and odd markup end in a typed error or open harmlessly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(aes4().length - 1), hostileXml, fc.nat(), async (i, x, at) => {
        const s = aes4()[i];
        const { xml } = plainPayload(s);
        // Whole documents replace the XML; fragments are spliced into the real one.
        const doc = x.startsWith('<KeePassFile') || x.startsWith('<?xml') ? Buffer.from(x) : splice(xml, at, Buffer.from(x));
        const out = await check(withXml(s, doc), s);
        if (/<!DOCTYPE|<!ENTITY/.test(x)) expect(out).toBe('corrupt');
      }),
      { numRuns: runs(60) },
    );
  });

  test('invalid UTF-8 and random byte damage inside the XML end in a typed error or open', async () => {
    const bad = fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]);
    await fc.assert(
      fc.asyncProperty(fc.nat(aes4().length - 1), fc.oneof(bad.map((b) => ({ utf8: Buffer.from(b) })), fc.array(mutation(), { minLength: 1, maxLength: 4 })), fc.nat(), async (i, m, at) => {
        const s = aes4()[i];
        const { xml } = plainPayload(s);
        const doc = 'utf8' in m ? splice(xml, at, m.utf8) : mutate(xml, m);
        const out = await check(withXml(s, doc), s);
        if ('utf8' in m) expect(out).toBe('corrupt');
      }),
      { numRuns: runs(60) },
    );
  });

  test(`nesting up to the ${MAX_DEPTH}-level cap opens; one level more is corrupt`, async () => {
    const s = aes4()[0];
    const groups = (n: number) => `<KeePassFile><Meta/><Root>${'<Group><UUID>AAAAAAAAAAAAAAAAAAAAAA==</UUID><Name>g</Name>'.repeat(n)}${'</Group>'.repeat(n)}</Root></KeePassFile>`;
    expect(await check(withXml(s, Buffer.from(groups(MAX_DEPTH - 3))), s)).not.toBe('slow-kdf');
    expect(await check(withXml(s, Buffer.from(groups(MAX_DEPTH))), s, ['corrupt'])).toBe('corrupt');
  });

  afterAll(() => {
    // Bounded memory: the bombs above may not push the worker past a few hundred MiB beyond where it started.
    const grownMiB = (process.resourceUsage().maxRSS - rssBefore) / 1024;
    expect(grownMiB).toBeLessThan(1024);
  });
});

function splice(xml: Buffer, at: number, insert: Uint8Array): Buffer {
  const k = at % (xml.length + 1);
  return Buffer.concat([xml.subarray(0, k), insert, xml.subarray(k)]);
}
