/**
 * The generator is uniform (chi-square per position and per class count),
 * its entropy is exact (equal to brute-force enumeration), every site of the
 * bundled list gets passwords its rule accepts, and bad rules fail clearly.
 */
import { describe, expect, it } from 'vitest';
import { generate, generateForEntry, ENTRY_RULE_KEY, parseRule, describeRule, shapeOf, countPasswords, siteList, ruleForSite, passphrase, strength } from '../../src/generator/index.js';
import { UsageError } from '../../src/errors/index.js';
import { ProtectedValue } from '../../src/secret/index.js';
import { Database, Entry } from '../../src/vault/index.js';
import { satisfies } from './checker.js';

/** Chi-square statistic and a conservative critical value (Wilson–Hilferty, z = 4.26 ≈ p 1e-5). */
function chiSquare(observed: number[], expected: number[]): { stat: number; critical: number } {
  let stat = 0;
  let df = -1;
  observed.forEach((o, i) => {
    if (expected[i] <= 0) return;
    stat += (o - expected[i]) ** 2 / expected[i];
    df++;
  });
  const z = 4.26;
  const critical = df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
  return { stat, critical };
}

/** Brute force over every string of length L: the exact distribution to compare with. */
function enumerate(rule: string, L: number): string[] {
  const shape = shapeOf(parseRule(rule));
  const out: string[] = [];
  const a = shape.alphabet;
  const rec = (prefix: string) => {
    if (prefix.length === L) {
      if (satisfies(prefix, rule) === true) out.push(prefix);
      return;
    }
    for (const c of a) rec(prefix + c);
  };
  rec('');
  return out;
}

describe('uniformity', () => {
  const positionTest = (rule: string, n: number, gen: (rule: string, n: number) => string[]) => {
    const samples = gen(rule, n);
    const shape = shapeOf(parseRule(rule));
    const L = samples[0].length;
    const total = countPasswords(shape, L);
    const failures: string[] = [];
    for (let pos = 0; pos < L; pos++) {
      // Exact expected frequency of each character at this position, by counting with the character fixed.
      const expected = [...shape.alphabet].map((c) => {
        const fixed = `${rule}; `;
        void fixed;
        return Number((countWithChar(rule, L, pos, c) * BigInt(n * 1_000_000)) / total) / 1_000_000;
      });
      const observed = [...shape.alphabet].map((c) => samples.filter((s) => s[pos] === c).length);
      const { stat, critical } = chiSquare(observed, expected);
      if (stat > critical) failures.push(`position ${pos}: χ²=${stat.toFixed(1)} > ${critical.toFixed(1)}`);
    }
    return failures;
  };

  /** Valid passwords of length L with character c at position pos (positions are exchangeable without a run limit). */
  function countWithChar(rule: string, L: number, pos: number, c: string): bigint {
    const r = parseRule(rule);
    const rest = { ...r, required: r.required.filter((set) => !set.includes(c)) };
    void pos;
    return countPasswords(shapeOf({ ...rest, allowed: [...new Set(r.allowed + r.required.join(''))].join('') }), L - 1);
  }

  it('is uniform per position for a site-like rule (100,000 samples)', () => {
    const rule = 'minlength: 8; maxlength: 16; required: upper; required: digit; allowed: lower';
    expect(positionTest(rule, 100_000, (r, n) => generate(r, n).passwords)).toEqual([]);
  });

  it('is uniform per position for the default rule (100,000 samples)', () => {
    const rule = 'minlength: 20; maxlength: 20; required: upper; required: lower; required: digit; required: special;';
    expect(positionTest(rule, 100_000, (r, n) => generate(r, n).passwords)).toEqual([]);
  });

  it("the test catches 'one of each class then shuffle' (a biased generator fails it)", () => {
    const rule = 'minlength: 8; maxlength: 8; required: upper; required: digit; allowed: lower';
    const biased = (_r: string, n: number) =>
      Array.from({ length: n }, () => {
        const pick = (s: string) => s[Math.floor(Math.random() * s.length)];
        const all = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz';
        const chars = [pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ'), pick('0123456789'), ...Array.from({ length: 6 }, () => pick(all))];
        for (let i = chars.length - 1; i > 0; i--) {
          const j = Math.floor(Math.random() * (i + 1));
          [chars[i], chars[j]] = [chars[j], chars[i]];
        }
        return chars.join('');
      });
    expect(positionTest(rule, 100_000, biased).length).toBeGreaterThan(0);
  });

  it('matches the exact distribution of passwords for a small rule with max-consecutive (chi-square over every password)', () => {
    const rule = 'minlength: 5; maxlength: 5; required: [ab]; required: [c]; allowed: [abcd]; max-consecutive: 2';
    const all = enumerate(rule, 5);
    const n = 100_000;
    const counts = new Map(all.map((p) => [p, 0]));
    for (const p of generate(rule, n).passwords) {
      expect(counts.has(p)).toBe(true);
      counts.set(p, counts.get(p)! + 1);
    }
    const { stat, critical } = chiSquare([...counts.values()], all.map(() => n / all.length));
    expect(stat).toBeLessThan(critical);
  });

  it('per class count for the site-like rule: upper and digit counts follow the exact distribution (100,000 samples)', () => {
    // Counted independently of the generator: length 16, k upper letters, the other 16-k
    // characters lower or digit with at least one digit.
    const rule = 'minlength: 8; maxlength: 16; required: upper; required: digit; allowed: lower';
    const n = 100_000;
    const samples = generate(rule, n).passwords;
    expect(new Set(samples.map((p) => p.length))).toEqual(new Set([16]));
    const choose = (a: number, b: number): bigint => {
      let r = 1n;
      for (let i = 0; i < b; i++) r = (r * BigInt(a - i)) / BigInt(i + 1);
      return r;
    };
    const pow = (b: number, e: number) => BigInt(b) ** BigInt(e);
    const withK = (k: number, own: number, other: number, otherRequired: number) =>
      k === 0 ? 0n : choose(16, k) * pow(own, k) * (pow(other, 16 - k) - pow(other - otherRequired, 16 - k));
    // [class, its size, size of the other allowed characters, how many of those form the other required class]
    for (const [cls, own, other, otherRequired] of [['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 26, 36, 10], ['0123456789', 10, 52, 26]] as const) {
      const counts = Array.from({ length: 17 }, (_, k) => withK(k, own, other, otherRequired));
      const total = counts.reduce((a, b) => a + b, 0n);
      expect(total).toBe(describeRule(rule).count);
      const expected = counts.map((c) => Number((c * BigInt(n) * 1_000_000n) / total) / 1_000_000);
      const observed = Array(17).fill(0);
      for (const p of samples) observed[[...p].filter((c) => cls.includes(c)).length]++;
      // Pool the tails where fewer than 5 are expected, as chi-square needs.
      const pooled = (xs: number[]) => {
        const keep = expected.map((e) => e >= 5);
        const rest = xs.filter((_, i) => !keep[i]).reduce((a, b) => a + b, 0);
        return [...xs.filter((_, i) => keep[i]), rest];
      };
      const { stat, critical } = chiSquare(pooled(observed), pooled(expected));
      expect(stat, cls).toBeLessThan(critical);
    }
  });

  it('per class count: the number of upper-case letters follows the exact distribution', () => {
    const rule = 'minlength: 6; maxlength: 6; required: [ABC]; required: [01]; allowed: [xyz]';
    const all = enumerate(rule, 6);
    const n = 100_000;
    const upper = (p: string) => [...p].filter((c) => 'ABC'.includes(c)).length;
    const expected = Array(7).fill(0);
    for (const p of all) expected[upper(p)] += n / all.length;
    const observed = Array(7).fill(0);
    for (const p of generate(rule, n).passwords) observed[upper(p)]++;
    const { stat, critical } = chiSquare(observed, expected);
    expect(stat).toBeLessThan(critical);
  });
});

describe('passwords for entries', () => {
  it('come as protected values (never a string), uniform over every valid password, and as many bytes as characters', () => {
    const db = Database.create('t');
    const e = new Entry();
    db.root.addEntry(e);
    const rule = 'minlength: 3; maxlength: 3; required: [#%]; allowed: [ab]';
    e.customData.set(ENTRY_RULE_KEY, { value: rule });
    const all = enumerate(rule, 3);
    expect(all).toHaveLength(4 ** 3 - 2 ** 3);
    const counts = new Map(all.map((p) => [p, 0]));
    const n = 100 * all.length;
    for (let i = 0; i < n; i++) {
      const { password, note } = generateForEntry(db, e);
      expect(password).toBeInstanceOf(ProtectedValue);
      const text = password.getText();
      expect(password.byteLength).toBe(3);
      expect(counts.has(text), text).toBe(true);
      counts.set(text, counts.get(text)! + 1);
      if (i === 0) expect(note).toMatch(/^generated 3 characters, 5\.8 bits, by the entry's own rule$/);
    }
    const { stat, critical } = chiSquare([...counts.values()], all.map(() => n / all.length));
    expect(stat).toBeLessThan(critical);
  });
});

describe('exact entropy', () => {
  it.each([
    ['minlength: 4; maxlength: 4; required: [ab]; required: [c]; allowed: [d]', 4],
    ['minlength: 5; maxlength: 5; allowed: [ab]; max-consecutive: 2', 5],
    ['minlength: 4; maxlength: 4; required: [abc], [1]; required: [1]; allowed: [x]; max-consecutive: 1', 4],
    ['minlength: 3; maxlength: 3; required: [ab]; required: [bc]', 3],
  ])('equals brute-force enumeration for %s', (rule, L) => {
    expect(describeRule(rule).count).toBe(BigInt(enumerate(rule, L).length));
  });

  it('reports log2 of the count', () => {
    expect(describeRule('minlength: 4; maxlength: 4; required: digit').entropy).toBeCloseTo(Math.log2(10_000), 10);
  });
});

describe('site rules', () => {
  it('every site of the bundled list gets 1,000 passwords its own rule accepts', () => {
    const list = siteList();
    expect(Object.keys(list).length).toBeGreaterThan(300);
    const bad: string[] = [];
    for (const [site, rule] of Object.entries(list)) {
      const g = generate(rule, 1000);
      for (const p of g.passwords) {
        const ok = satisfies(p, rule);
        if (ok !== true) {
          bad.push(`${site}: ${JSON.stringify(p)} ${ok}`);
          break;
        }
      }
    }
    expect(bad).toEqual([]);
  }, 120_000);

  it('finds a rule by host, then by registrable domain, most specific source first', () => {
    expect(ruleForSite('https://www.apple.com/account').source).toBe('site list');
    const vault = new Map([['example.co.uk', 'maxlength: 12;']]);
    expect(ruleForSite('accounts.example.co.uk', { vaultRules: vault })).toMatchObject({ source: 'vault', site: 'example.co.uk' });
    expect(ruleForSite('example.co.uk', { vaultRules: vault, entryRule: 'minlength: 30;' }).source).toBe('entry');
    expect(ruleForSite('unknown.example').source).toBe('default');
  });
});

describe('Apple syntax details', () => {
  it("reads ';' inside a custom class, ']]' as a literal ']', and ignores a '-' that is not first", () => {
    const r = parseRule('required: [- !";]]; allowed: [a-c];');
    expect(r.required).toEqual([' !\"-;]'.split('').sort().join('')]);
    expect(r.allowed).toBe('ac');
  });
});

describe('bad rules', () => {
  it.each([
    ['minlength: 10; maxlength: 5', /minlength 10 > maxlength 5/],
    ['maxlength: 2; required: upper; required: lower; required: digit', /shorter than its 3 required/],
    ['required: [', /not closed/],
    ['required: uppr', /at character 11.*unknown character class 'uppr'/],
    ['maxlength: x', /needs a whole number/],
    ['minlength: 3; maxlength: 3; allowed: [a]; max-consecutive: 2', /contradict/],
  ])('%s → UsageError', (rule, msg) => {
    expect(() => generate(rule, 1)).toThrow(UsageError);
    expect(() => generate(rule, 1)).toThrow(msg);
  });
});

describe('passphrases and strength', () => {
  it('pads a passphrase so a site rule with required classes passes', () => {
    const text = 'required: upper; required: digit; required: special; allowed: lower;';
    const rule = parseRule(text);
    for (let i = 0; i < 50; i++) {
      const p = passphrase({ words: 4, separator: ' ', capitalize: false, rule });
      expect(satisfies(p.value, text)).toBe(true);
      expect(p.entropy).toBeGreaterThan(4 * 12.9);
    }
  });

  it('scores typed passwords with zxcvbn', async () => {
    expect((await strength('password')).score).toBe(0);
    expect((await strength('correct horse battery staple purple')).score).toBe(4);
  });
});
