/**
 * `stv gen` from the command line: works with no vault and never asks for a
 * password, says on stderr which rule it applied, prints one password a line
 * or JSON with entropy, and refuses a contradictory rule with exit 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stv, tempDir, isolatedEnv } from '../helpers/tools.js';
import { satisfies } from '../generator/checker.js';
import { siteList } from '../../src/generator/index.js';

let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
const gen = (args: string[]) => stv(['gen', ...args], { env, input: '' });

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-gen-'));
  env = isolatedEnv(dir);
});
afterAll(() => cleanup());

describe('stv gen with no vault at all', () => {
  it('uses the default rule, says so on stderr, and creates no file', () => {
    const r = gen(['--count', '5']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^using the default rule: .* → 20 characters, 130\.3 bits$/m);
    const lines = r.stdout.split('\n').slice(0, -1);
    expect(lines).toHaveLength(5);
    const rule = 'minlength: 20; maxlength: 20; required: upper; required: lower; required: digit; required: special;';
    for (const p of lines) expect(satisfies(p, rule), p).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("applies a bundled site's rule and prints JSON with each password's entropy", () => {
    const site = 'apple.com';
    const rule = siteList()[site];
    const r = gen(['--site', `https://www.${site}/account`, '--count', '3', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(site);
    const out = JSON.parse(r.stdout) as { password: string; entropy: number }[];
    expect(out).toHaveLength(3);
    for (const o of out) {
      expect(Object.keys(o).sort()).toEqual(['entropy', 'password']);
      expect(satisfies(o.password, rule), o.password).toBe(true);
      expect(o.entropy).toBeGreaterThan(40);
    }
  });

  it("pads a passphrase so the site's required classes are met", () => {
    const rule = 'minlength: 8; required: upper; required: digit; required: special; allowed: lower;';
    const r = gen(['--words', '4', '--rule', rule, '--count', '20']);
    expect(r.status, r.stderr).toBe(0);
    for (const p of r.stdout.split('\n').slice(0, -1)) expect(satisfies(p, rule), p).toBe(true);
  });

  it('--length, --no-special and --charset shape the default rule, which is only a default', () => {
    const short = gen(['--length', '12', '--count', '20']);
    expect(short.status, short.stderr).toBe(0);
    for (const p of short.stdout.split('\n').slice(0, -1)) expect(p).toHaveLength(12);
    const plain = gen(['--no-special', '--count', '50']);
    expect(plain.status, plain.stderr).toBe(0);
    for (const p of plain.stdout.split('\n').slice(0, -1)) expect(p).toMatch(/^(?=.*[A-Z])(?=.*[a-z])(?=.*\d)[A-Za-z\d]{20}$/);
    const own = gen(['--charset', 'xyz789', '--length', '10']);
    expect(own.status, own.stderr).toBe(0);
    expect(own.stdout).toMatch(/^[xyz789]{10}\n$/);
  });

  it("a site's or a given rule still wins over options that contradict it (exit 2)", () => {
    const long = gen(['--site', 'apple.com', '--length', '5']);
    expect(long.status).toBe(2);
    expect(long.stderr).toContain("--length 5 is outside the rule's 8–63 characters");
    const special = gen(['--rule', 'required: special; allowed: lower', '--no-special']);
    expect(special.status).toBe(2);
    expect(special.stderr).toContain('which --no-special/--charset/--exclude-ambiguous removed');
  });

  it.each([
    ['minlength: 10; maxlength: 5', 'minlength 10 > maxlength 5'],
    ['maxlength: 2; required: upper; required: lower; required: digit', 'shorter than its 3 required'],
    ['allowed: [a]; minlength: 3; maxlength: 3; max-consecutive: 2', 'contradict'],
  ])('a contradictory rule %j exits 2 with one line naming the conflict', (rule, conflict) => {
    const r = gen(['--rule', rule]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(conflict);
  });
});
