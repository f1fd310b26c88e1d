/**
 * Issue 21: the frictions a new user met in an afternoon, each as the
 * command line shows it — init --force keeps the old vault, a pipe never
 * feeds the master password to a command that reads a value from it, named
 * vaults keep their keyfile, site rules outside the vault, no spaces in
 * generated passwords, completion of names with spaces and of --vault,
 * editing in $EDITOR, did-you-mean, weak master passwords, one UUID form in
 * --json, and `alias new`/`alias who`. The terminal cases (the replace
 * prompt, /dev/tty, the shell) are in everyday-pty.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, STV, isolatedEnv, run, stv, tempDir, type RunResult } from '../helpers/tools.js';
import { makeKdb } from '../vault/kdb/make-kdb.js';

const PW = 'everyday Mäster pw';
const KDF = ['--kdf-iterations', '1', '--kdf-memory', '8'];
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;

/** stv with no controlling terminal (setsid), as from cron or CI: a prompt on /dev/tty is impossible. */
const detached = (args: string[], input = '', extraEnv: NodeJS.ProcessEnv = {}): RunResult =>
  run('setsid', ['-w', process.execPath, STV, ...args], { env: { ...env, ...extraEnv }, input });
const ok = (r: RunResult, what = ''): RunResult => {
  expect(r.status, `${what}\n${r.stderr}`).toBe(0);
  return r;
};
const newVault = (name: string, extra: string[] = []) => {
  const path = join(dir, name);
  ok(detached(['--no-agent', '--vault', path, ...extra, 'init', ...KDF], `${PW}\n`), `init ${name}`);
  return path;
};

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-everyday-'));
  env = isolatedEnv(dir);
});
afterAll(() => {
  stv(['lock', '--all'], { env });
  cleanup();
});

describe('1. init --force', () => {
  it('refuses an existing file without --force, and with it keeps the old vault as PATH.replaced-DATE, which still opens', () => {
    const v = newVault('force.kdbx');
    ok(detached(['--no-agent', '--vault', v, 'add', 'Precious', '-u', 'old-user'], `${PW}\n`));
    const before = readFileSync(v);
    const refused = detached(['--no-agent', '--vault', v, 'init', ...KDF], `other pw Zq9!x\n`);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/already exists; use another --vault, or --force to replace it/);
    expect(readFileSync(v).equals(before)).toBe(true);

    const r = ok(detached(['--no-agent', '--vault', v, 'init', '--force', ...KDF], `Brand-new vault pw 7!\n`));
    const kept = readdirSync(dir).filter((f) => f.startsWith('force.kdbx.replaced-'));
    expect(kept).toHaveLength(1);
    expect(r.stderr).toContain(`the old file is kept as ${join(dir, kept[0])}`);
    expect(statSync(join(dir, kept[0])).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, kept[0])).equals(before)).toBe(true);
    expect(ok(detached(['--no-agent', '--vault', join(dir, kept[0]), 'show', 'Precious', '-a', 'username'], `${PW}\n`)).stdout).toBe('old-user\n');
    // A save of the new vault rotates .bak, never the kept copy.
    ok(detached(['--no-agent', '--vault', v, 'add', 'New'], 'Brand-new vault pw 7!\n'));
    expect(readFileSync(join(dir, kept[0])).equals(before)).toBe(true);
  });
});

describe('2. a value on stdin is never read as the master password', () => {
  let v: string;
  beforeAll(() => {
    v = newVault('stdin.kdbx');
  });

  it('locked, with no terminal: add -p stops with exit 5, says how, and reads nothing from stdin', () => {
    const r = run('setsid', ['-w', 'sh', '-c', `"${process.execPath}" "${STV}" --no-agent --vault "${v}" add -p Pension/Aviva; echo "rc=$?"; cat`], { env, input: 'one-two-three-four\n' });
    expect(r.stdout).toContain('rc=5');
    expect(r.stdout).toContain('one-two-three-four'); // still there for cat: stv consumed nothing
    expect(r.stderr).toMatch(/^stv: .* is locked and stdin carries the entry password, which is never read as the master password; .*--password-file FILE or --password-fd N/m);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('the same pipe while the agent holds the key stores the value as the entry password', () => {
    ok(detached(['--vault', v, 'unlock', '--timeout', '120'], `${PW}\n`));
    try {
      ok(detached(['--vault', v, 'add', '-p', 'Pension/Aviva'], 'one-two-three-four\n'));
      expect(ok(detached(['--vault', v, 'show', 'Aviva', '-a', 'password'])).stdout).toBe('one-two-three-four\n');
    } finally {
      stv(['--vault', v, 'lock'], { env });
    }
  });

  it('--password-fd 0 says the first stdin line is the master password, the next the entry password', () => {
    ok(detached(['--no-agent', '--vault', v, '--password-fd', '0', 'edit', '-p', 'Aviva'], `${PW}\nfive-six\n`));
    expect(ok(detached(['--no-agent', '--vault', v, 'show', 'Aviva', '-a', 'password'], `${PW}\n`)).stdout).toBe('five-six\n');
  });

  it('passwd, merge and import of a .kdb follow the same rule', () => {
    const other = newVault('stdin-other.kdbx');
    const kdb = join(dir, 'old.kdb');
    writeFileSync(kdb, makeKdb({ password: Buffer.from('kdb pw'), groups: [{ id: 1, name: 'Old', level: 0 }], entries: [{ groupId: 1, title: 'Legacy', password: 'legacy-pw' }] }));
    for (const args of [['passwd'], ['merge', other], ['edit', '-p', 'Aviva'], ['import', kdb]]) {
      const r = detached(['--no-agent', '--vault', v, ...args], `${PW}\n`);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(5);
      expect(r.stderr).toMatch(/stdin carries (the new master password|the password of .*(stdin-other\.kdbx|old\.kdb)|the entry password)/);
    }
    ok(detached(['--no-agent', '--vault', v, '--password-fd', '0', 'import', kdb], `${PW}\nkdb pw\n`));
    // A command that reads nothing else from stdin still takes the master password from it.
    ok(detached(['--no-agent', '--vault', v, 'merge', '-s', other], `${PW}\n`));
  });
});

describe('3. named vaults keep their keyfile', () => {
  it('config add-vault --keyfile in every position, and config set/get vaults.NAME.keyfile', () => {
    const keyfile = join(dir, 'k.keyx');
    ok(stv(['keyfile', 'new', keyfile], { env }));
    const v = join(dir, 'withkey.kdbx');
    ok(detached(['--no-agent', '--vault', v, '--keyfile', keyfile, 'init', ...KDF], `${PW}\n`));
    const orders = [
      ['config', 'add-vault', 'a1', v, '--keyfile', keyfile],
      ['config', 'add-vault', '--keyfile', keyfile, 'a2', v],
      ['config', 'add-vault', 'a3', '--keyfile', keyfile, v],
    ];
    for (const args of orders) ok(stv(args, { env }), args.join(' '));
    const cfg = JSON.parse(readFileSync(join(dir, 'config', 'stickvault', 'config.json'), 'utf8'));
    for (const n of ['a1', 'a2', 'a3']) expect(cfg.vaults[n]).toEqual({ path: v, keyfile });
    // Opening by name uses the keyfile.
    expect(ok(detached(['--no-agent', '--vault', 'a2', 'ls'], `${PW}\n`)).status).toBe(0);
    ok(stv(['config', 'add-vault', 'a4', v], { env }));
    expect(detached(['--no-agent', '--vault', 'a4', 'ls'], `${PW}\n`).status).toBe(3);
    ok(stv(['config', 'set', 'vaults.a4.keyfile', keyfile], { env }));
    expect(ok(stv(['config', 'get', 'vaults.a4.keyfile'], { env })).stdout).toBe(`${keyfile}\n`);
    ok(detached(['--no-agent', '--vault', 'a4', 'ls'], `${PW}\n`));
  });
});

describe('4. site rules outside the vault', () => {
  it('rule set stores in the config dir; gen --site uses it for any vault and with none unlocked', () => {
    const r = ok(stv(['rule', 'set', 'bank.example', 'minlength: 16; maxlength: 16; required: digit; allowed: upper, lower;'], { env }));
    expect(r.stderr).toContain(join(dir, 'config', 'stickvault', 'site-rules.json'));
    for (const vault of [[], ['--vault', join(dir, 'nowhere.kdbx')]]) {
      const g = ok(stv([...vault, 'gen', '--site', 'https://online.bank.example/login', '--count', '50'], { env }));
      for (const p of g.stdout.trim().split('\n')) expect(p).toMatch(/^(?=.*\d)[A-Za-z0-9]{16}$/);
      expect(g.stderr).toContain('the rule for bank.example (your rules)');
    }
  });

  it("a rule stored in the vault still wins for that vault, and rule ls shows both with their source", () => {
    const v = newVault('rules.kdbx');
    ok(detached(['--no-agent', '--vault', v, 'rule', 'set', '--in-vault', 'bank.example', 'minlength: 6; maxlength: 6; allowed: digit;'], `${PW}\n`));
    const g = ok(detached(['--no-agent', '--vault', v, '--password-fd', '0', 'gen', '--site', 'bank.example'], `${PW}\n`));
    expect(g.stdout).toMatch(/^\d{6}\n$/);
    expect(g.stderr).toContain('stored in the vault');
    const ls = ok(detached(['--no-agent', '--vault', v, '--password-fd', '0', 'rule', 'ls'], `${PW}\n`)).stdout;
    expect(ls).toContain('bank.example\tminlength: 16; maxlength: 16; required: digit; allowed: upper, lower;\t(your rules)');
    expect(ls).toContain('bank.example\tminlength: 6; maxlength: 6; allowed: digit;\t(vault)');
  });

  it("an unknown site says it fell back to the default rule; the README's gen --site example is in the list", () => {
    const g = ok(stv(['gen', '--site', 'bugzilla.mozilla.org'], { env }));
    expect(g.stderr).toMatch(/no rule known for bugzilla\.mozilla\.org .*using the default rule/);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const example = /`stv gen --site ([^`]+)`/.exec(readme)![1];
    const r = ok(stv(['gen', '--site', example], { env }));
    expect(r.stderr).not.toContain('no rule known');
    expect(r.stderr).toContain("Apple's site list");
  });
});

describe('5. no spaces in generated passwords', () => {
  it('the default rule and a site rule with special give none in 3000; a rule that lists a space can', () => {
    for (const args of [['gen', '--count', '2000'], ['gen', '--site', 'americanexpress.com', '--count', '1000']]) {
      const out = ok(stv(args, { env })).stdout;
      expect(out.split('\n').filter((p) => p.includes(' '))).toEqual([]);
    }
    const spaced = ok(stv(['gen', '--rule', 'minlength: 12; maxlength: 12; required: [ ]; allowed: lower;', '--count', '20'], { env })).stdout;
    // Not trimmed: a password may start or end with its one space.
    const lines = spaced.split('\n').filter((p) => p.length > 0);
    expect(lines).toHaveLength(20);
    expect(lines.every((p) => p.includes(' '))).toBe(true);
  });
});

describe('6, 8, 9, 12. names with spaces, the editor, typos, --json', () => {
  let v: string;
  beforeAll(() => {
    v = newVault('names.kdbx');
    ok(stv(['config', 'add-vault', 'financial', v], { env }));
    ok(detached(['--no-agent', '--vault', v, 'add', 'Dev/Servers/NAS root', '-u', 'admin'], `${PW}\n`));
    ok(detached(['--no-agent', '--vault', v, 'add', 'Shopping/Amazon', '-u', 'fred', '--url', 'https://www.amazon.co.uk'], `${PW}\n`));
    ok(detached(['--no-agent', '--vault', v, '--password-fd', '0', 'edit', '-p', 'Amazon'], `${PW}\namazon-pw\n`));
  });

  it('6. bash completion inserts a name with spaces quoted, and --vault <Tab> offers vault names', () => {
    const script = join(dir, 'stv.bash');
    writeFileSync(script, ok(stv(['completion', 'bash'], { env })).stdout);
    const probe = (words: string) =>
      spawnSync('bash', ['-c', `stv() { "${process.execPath}" "${STV}" "$@"; }; source ${script}; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _stv; printf '%s\\n' "\${COMPREPLY[@]}"`], { env, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(probe('stv --vault fin')).toEqual(['financial']);
    ok(detached(['--vault', 'financial', 'unlock', '--timeout', '120'], `${PW}\n`));
    try {
      expect(probe('stv --vault financial show Dev/Se')).toEqual(['Dev/Servers/NAS\\ root']);
      expect(probe('stv --vault financial show Dev/Servers/NAS\\ r')).toEqual(['Dev/Servers/NAS\\ root']);
      // What bash inserts is one word again: the show works.
      expect(ok(detached(['--vault', 'financial', 'show', 'Dev/Servers/NAS root', '-a', 'username'])).stdout).toBe('admin\n');
    } finally {
      stv(['--vault', 'financial', 'lock'], { env });
    }
  });

  it('8. edit --editor: a 0600 file in the private runtime dir, secrets only with -s, removed after; the edit is saved with history', () => {
    const log = join(dir, 'editor.log');
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh
f="$1"
printf '%s %s\\n' "$f" "$(stat -c %a "$f")" >> "${log}"
cat "$f" >> "${log}"
sed -i -e 's/^UserName: .*/UserName: fred+amazon@example.com/' -e 's/^--- notes ---$/Account: 12345\\notp: otpauth:\\/\\/totp\\/x?secret=JBSWY3DPEHPK3PXP\\n--- notes ---\\nline one\\nline two/' "$f"
`);
    chmodSync(editor, 0o700);
    const r = ok(detached(['--no-agent', '--vault', v, 'edit', 'Amazon', '--editor'], `${PW}\n`, { EDITOR: editor }));
    expect(r.stderr).toMatch(/updated Shopping\/Amazon \(UserName, Account, otp, notes\)/);
    const seen = readFileSync(log, 'utf8');
    const [path, mode] = seen.split('\n')[0].split(' ');
    expect(path.startsWith(join(dir, 'run', 'stickvault') + '/')).toBe(true);
    expect(mode).toBe('600');
    expect(seen).toContain('Password: PROTECTED');
    expect(seen).not.toContain('amazon-pw');
    expect(existsSync(path)).toBe(false);
    const d = JSON.parse(ok(detached(['--no-agent', '--json', '--vault', v, 'show', 'Amazon'], `${PW}\n`)).stdout);
    expect(d).toMatchObject({ username: 'fred+amazon@example.com', notes: 'line one\nline two', history: 2, fields: { Account: '12345' } });
    // -s puts the password in the file.
    writeFileSync(log, '');
    writeFileSync(editor, `#!/bin/sh\ncat "$1" >> "${log}"\n`);
    const same = ok(detached(['--no-agent', '--vault', v, 'edit', 'Amazon', '--editor', '-s'], `${PW}\n`, { EDITOR: editor }));
    expect(readFileSync(log, 'utf8')).toContain('Password: amazon-pw');
    expect(same.stderr).toContain('unchanged; nothing was saved');
    expect(readdirSync(join(dir, 'run', 'stickvault')).filter((f) => f.startsWith('edit-'))).toEqual([]);
  });

  it('9. a mistyped vault name lists the known ones; a mistyped entry gets "did you mean"', () => {
    const r = detached(['--vault', 'financal', 'ls']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^stv: no vault named 'financal' \(did you mean 'financial'\?\); vaults: .*financial/);
    const e = detached(['--no-agent', '--vault', v, 'show', 'Amazn'], `${PW}\n`);
    expect(e.status).toBe(4);
    expect(e.stderr).toContain("entry 'Amazn' not found (did you mean 'Shopping/Amazon'?)");
  });

  it('12. --json: one UUID form (8-4-4-4-12) in ls, find, show and add, which every ENTRY argument accepts; totp is an object', () => {
    const j = (args: string[]) => JSON.parse(ok(detached(['--no-agent', '--json', '--vault', v, ...args], `${PW}\n`)).stdout);
    const shown = j(['show', 'Amazon']).uuid;
    expect(shown).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(j(['find', 'amazon'])[0].uuid).toBe(shown);
    expect(j(['ls', '-R']).find((e: { path: string }) => e.path === 'Shopping/Amazon').uuid).toBe(shown);
    expect(j(['add', 'Other']).uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(ok(detached(['--no-agent', '--vault', v, 'show', shown], `${PW}\n`)).stdout).toContain(`Uuid: {${shown}}`);
    expect(ok(detached(['--no-agent', '--vault', v, 'show', `{${shown.toUpperCase()}}`, '-a', 'title'], `${PW}\n`)).stdout).toBe('Amazon\n');
    const t = j(['totp', 'Amazon']);
    expect(t).toMatchObject({ code: expect.stringMatching(/^\d{6}$/), period: 30, path: 'Shopping/Amazon' });
    expect(t.remaining).toBeGreaterThanOrEqual(1);
    expect(t.remaining).toBeLessThanOrEqual(30);
  });
});

describe('10. man page', () => {
  it('package.json installs man/stv.1 (npm links it into PREFIX/share/man/man1)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.man).toEqual(['./man/stv.1']);
    expect(readFileSync(join(ROOT, 'man', 'stv.1'), 'utf8')).toMatch(/^\.TH STV 1/m);
  });
});

describe('11. weak master passwords', () => {
  it('a script gets exit 2 and no file for password1, unless --allow-weak; with a keyfile any password is fine', () => {
    const v = join(dir, 'weak.kdbx');
    const r = detached(['--no-agent', '--vault', v, 'init', ...KDF], 'password1\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^stv: the new master password is too weak \(very weak, about 10\^\d guesses.*--allow-weak/);
    expect(existsSync(v)).toBe(false);
    const allowed = ok(detached(['--no-agent', '--vault', v, 'init', '--allow-weak', ...KDF], 'password1\n'));
    expect(allowed.stderr).toContain('(accepted: --allow-weak)');
    const keyfile = join(dir, 'weak.keyx');
    ok(stv(['keyfile', 'new', keyfile], { env }));
    ok(detached(['--no-agent', '--vault', join(dir, 'weak2.kdbx'), '--keyfile', keyfile, 'init', ...KDF], 'pw\n'));
    const pass = detached(['--no-agent', '--vault', v, '--password-fd', '0', 'passwd'], 'password1\nabc\n');
    expect(pass.status).toBe(2);
    expect(pass.stderr).toContain('too weak');
  });
});

describe('13. alias new and alias who', () => {
  it('creates Aliases/tesco.com, stays quiet about a locked vault known to share no base, and answers a header once', () => {
    const personal = newVault('personal.kdbx');
    const other = newVault('financial-al.kdbx');
    // A config of its own: just these two vaults, and an agent of its own.
    const home = join(dir, 'alias-home');
    const own = { XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), XDG_RUNTIME_DIR: join(home, 'run') };
    const aenv = { ...env, ...own };
    ok(stv(['config', 'add-vault', 'personal', personal], { env: aenv }));
    ok(stv(['config', 'add-vault', 'fin2', other], { env: aenv }));
    const p = (args: string[]) => detached(['--no-agent', '--vault', 'personal', '--password-fd', '0', ...args], `${PW}\n`, own);
    ok(p(['alias', 'setup', '--base', 'fred@example.com']));
    const first = ok(p(['alias', 'new', 'www.tesco.com']));
    expect(first.stdout).toBe('fred+tesco@example.com\n');
    expect(first.stderr).toContain('recorded on a new entry Aliases/tesco.com');
    expect(first.stderr).toMatch(/fin2 was never seen unlocked here.*'stv --vault fin2 unlock'/);
    // Seen unlocked once (no alias setup there): from then on no warning while it is locked.
    ok(detached(['--vault', 'fin2', 'unlock', '--timeout', '60'], `${PW}\n`, own));
    ok(detached(['--vault', 'personal', '--password-fd', '0', 'alias', 'new', 'sainsburys.co.uk'], `${PW}\n`, own));
    stv(['--vault', 'fin2', 'lock'], { env: aenv });
    const quiet = ok(p(['alias', 'new', 'asda.com']));
    expect(quiet.stderr).not.toContain('warning');
    const header = 'Delivered-To: fred+tesco@example.com\nX-Original-To: fred+tesco@example.com\nTo: Fred <fred+tesco@example.com>\n';
    const who = ok(p(['alias', 'who', header]));
    expect(who.stdout.trim().split('\n')).toHaveLength(1);
    expect(who.stdout).toMatch(/^fred\+tesco@example\.com\tAliases\/tesco\.com\twww\.tesco\.com/);
  });
});
