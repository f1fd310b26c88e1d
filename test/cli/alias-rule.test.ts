/**
 * `stv alias` and `stv rule` from the command line: aliases are recorded on
 * their site's entry (a new one when there is none), burnt addresses stay
 * refused after their entry moves on, errors are one line with exit 2/4/5;
 * stored rules are found by registrable domain and used by gen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stv, tempDir, isolatedEnv, type RunResult } from '../helpers/tools.js';

const PW = 'alias rule pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
let pwFile: string;
const run = (args: string[], input = `${PW}\n`): RunResult => stv(['--no-agent', '--vault', vault, ...args], { env, input });
const ok = (args: string[]) => {
  const r = run(args);
  expect(r.status, `stv ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
};
const fails = (args: string[], code: number, msg: RegExp | string, input?: string) => {
  const r = run(args, input);
  expect(r.status, r.stderr).toBe(code);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(msg);
};

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-alias-'));
  env = isolatedEnv(dir);
  vault = join(dir, 'v.kdbx');
  pwFile = join(dir, 'pw.txt');
  writeFileSync(pwFile, `${PW}\n`, { mode: 0o600 });
  expect(stv(['--no-agent', '--vault', vault, 'init', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: `${PW}\n` }).status).toBe(0);
});
afterAll(() => cleanup());

describe('stv alias', () => {
  it('needs the vault unlocked and a setup; refuses a base that contains a separator', () => {
    fails(['alias', 'ls'], 5, /locked/, '');
    fails(['alias', 'new', 'amazon.co.uk'], 2, "no alias setup in this vault; run 'stv alias setup");
    fails(['alias', 'setup', '--base', 'fred+x@example.com'], 2, "contains the separator '+'");
    ok(['alias', 'setup', '--base', 'fred@example.com', '--separator', '-', '--separator', '+']);
  });

  it('records a new alias on a new entry for the site, and the next one for a sibling site is unique', () => {
    const r = ok(['alias', 'new', 'https://www.amazon.co.uk/login']);
    expect(r.stdout).toBe('fred-amazon@example.com\n');
    expect(r.stderr).toContain('recorded on a new entry Aliases/amazon.co.uk');
    expect(ok(['show', 'Aliases/amazon.co.uk', '-a', 'username']).stdout).toBe('fred-amazon@example.com\n');
    expect(ok(['alias', 'new', 'amazon.de']).stdout).toBe('fred-amazon2@example.com\n');
    expect(ok(['alias', 'ls']).stdout).toContain('fred-amazon@example.com\tAliases/amazon.co.uk\twww.amazon.co.uk');
  });

  it("gives an existing entry the alias as its username, keeping the old one in history", () => {
    ok(['add', 'Shop/Ebay', '--url', 'https://www.ebay.co.uk', '-u', 'fred@example.com']);
    const r = ok(['alias', 'new', 'ebay.co.uk']);
    expect(r.stdout).toBe('fred-ebay@example.com\n');
    expect(r.stderr).toContain('recorded on Shop/Ebay');
    expect(JSON.parse(ok(['--json', 'show', 'Shop/Ebay']).stdout)).toMatchObject({ username: 'fred-ebay@example.com', history: 1 });
    expect(ok(['alias', 'who', 'To: Fred <fred+ebay@example.com>']).stdout).toMatch(/^fred\+ebay@example\.com\tShop\/Ebay\tebay\.co\.uk\tcreated \d{4}-\d\d-\d\d\n$/);
  });

  it('a burnt address is never reissued and stays refused after its entry gets a new alias', () => {
    ok(['alias', 'burn', 'fred-ebay@example.com']);
    expect(ok(['alias', 'new', 'https://www.ebay.co.uk']).stdout).toBe('fred-ebay2@example.com\n');
    expect(ok(['alias', 'config', 'burnt']).stdout).toBe('fred-ebay@example.com\n');
    expect(ok(['alias', 'config', 'postfix-map']).stdout).toBe('fred-ebay@example.com REJECT this address is disabled (leaked)\n');
    expect(ok(['alias', 'who', 'fred-ebay@example.com']).stdout).toMatch(/^fred-ebay@example\.com\t\(no longer on an entry\)\tebay\.co\.uk\tcreated .*\tburnt \d{4}/);
  });

  it('several entries for a site, an IP address and an unknown config kind are clear errors', () => {
    ok(['add', 'Shop/Ebay2', '--url', 'https://pages.ebay.co.uk']);
    const r = run(['alias', 'new', 'ebay.co.uk']);
    expect(r.status).toBe(4);
    expect(r.stderr).toContain('Shop/Ebay, Shop/Ebay2');
    fails(['alias', 'new', 'http://192.0.2.7/'], 2, /IP address.*--tag/);
    expect(ok(['alias', 'new', 'http://192.0.2.7/', '--tag', 'router']).stdout).toBe('fred-router@example.com\n');
    fails(['alias', 'config', 'qmail'], 2, /unknown kind 'qmail'/);
    expect(ok(['alias', 'config', 'exim']).stdout).toContain('local_part_suffix = -* : +*');
  });
});

describe('stv rule', () => {
  it('check shows the parsed rule and its exact entropy; a bad rule exits 2 naming the position', () => {
    const r = stv(['rule', 'check', 'minlength: 4; maxlength: 4; required: digit'], { env, input: '' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('entropy:  13.29 bits (10000 passwords)');
    const bad = stv(['rule', 'check', 'required: uppr'], { env, input: '' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^stv: invalid password rule at character 11: unknown character class 'uppr'/);
  });

  it('a rule stored in the vault is found by registrable domain, shown, used by gen with a password source, and removed', () => {
    const rule = 'minlength: 12; maxlength: 12; required: digit; allowed: lower;';
    ok(['rule', 'set', '--in-vault', 'example.co.uk', rule]);
    expect(ok(['rule', 'show', 'https://accounts.example.co.uk/x']).stdout).toBe(`${rule}\t(the rule for example.co.uk (stored in the vault))\n`);
    expect(ok(['rule', 'ls', '--in-vault']).stdout).toBe(`example.co.uk\t${rule}\t(vault)\n`);
    const g = stv(['--no-agent', '--vault', vault, '--password-file', pwFile, 'gen', '--site', 'accounts.example.co.uk', '--count', '20'], { env, input: '' });
    expect(g.status, g.stderr).toBe(0);
    expect(g.stderr).toContain('using the rule for example.co.uk (stored in the vault)');
    for (const p of g.stdout.trim().split('\n')) expect(p).toMatch(/^(?=.*\d)[a-z\d]{12}$/);
    ok(['rule', 'rm', '--in-vault', 'example.co.uk']);
    fails(['rule', 'rm', '--in-vault', 'example.co.uk'], 2, "no rule for example.co.uk in the vault; see 'stv rule ls --in-vault'");
    fails(['rule', 'set', 'example.com', 'minlength: 9; maxlength: 3'], 2, 'minlength 9 > maxlength 3');
  });
});

describe('aliases across vaults that share a base address', () => {
  it('a tag another vault uses is not issued again while that vault is unlocked; when it is locked, a warning says so', () => {
    const home = join(dir, 'two-vaults');
    const e = isolatedEnv(home);
    const s = (args: string[], input = `${PW}\n`) => stv(args, { env: e, input });
    for (const name of ['personal', 'financial']) {
      const path = join(home, `${name}.kdbx`);
      expect(s(['--no-agent', '--vault', path, 'init', '--kdf-iterations', '1', '--kdf-memory', '8']).status).toBe(0);
      expect(s(['config', 'add-vault', name, path], '').status).toBe(0);
      expect(s(['--no-agent', '--vault', name, 'alias', 'setup', '--base', 'fred@example.com']).status).toBe(0);
    }
    try {
      expect(s(['--no-agent', '--vault', 'financial', 'alias', 'new', 'paypal.com']).stdout).toBe('fred+paypal@example.com\n');
      expect(s(['--vault', 'financial', 'unlock', '--timeout', '120']).status).toBe(0);
      const next = s(['--vault', 'personal', 'alias', 'new', 'www.paypal.de']);
      expect(next.status, next.stderr).toBe(0);
      expect(next.stdout).toBe('fred+paypal2@example.com\n');
      expect(next.stderr).not.toContain('could not check');
      expect(s(['--vault', 'financial', 'lock'], '').status).toBe(0);
      const blind = s(['--vault', 'personal', 'alias', 'new', 'ebay.com']);
      expect(blind.status, blind.stderr).toBe(0);
      // Seen unlocked above with the same base: its aliases matter, so the warning names it.
      expect(blind.stderr).toContain('financial shares a base address with this vault and is locked');
    } finally {
      s(['lock', '--all'], '');
    }
  });
});
