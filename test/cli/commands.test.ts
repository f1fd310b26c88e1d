/**
 * The rest of the command contract: which vault (--vault > STICKVAULT_VAULT >
 * config default > XDG default), named vaults, config validation, passwd,
 * mv, mkdir and rmdir — each error one line with its exit code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { stv, tempDir, isolatedEnv, type RunResult } from '../helpers/tools.js';

const PW = 'commands pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
const s = (args: string[], input = `${PW}\n`, extra: Record<string, string> = {}): RunResult => stv(['--no-agent', ...args], { env: { ...env, ...extra }, input });
const ok = (args: string[], input?: string, extra?: Record<string, string>) => {
  const r = s(args, input, extra);
  expect(r.status, `stv ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
};
const fails = (args: string[], code: number, msg: RegExp | string, input?: string) => {
  const r = s(args, input);
  expect(r.status, r.stderr).toBe(code);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(msg);
};
const pathOf = (r: RunResult) => JSON.parse(r.stdout).path as string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-commands-'));
  env = isolatedEnv(dir);
  for (const v of ['a', 'b', 'c']) ok(['--vault', join(dir, `${v}.kdbx`), 'init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8']);
  ok(['init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8']);
});
afterAll(() => cleanup());

describe('which vault', () => {
  it('--vault beats STICKVAULT_VAULT beats the config default beats the XDG default; names come from the config', () => {
    expect(pathOf(ok(['--json', 'info']))).toBe(join(dir, 'data', 'stickvault', 'default.kdbx'));
    ok(['config', 'add-vault', 'bee', join(dir, 'b.kdbx')], '');
    ok(['config', 'set', 'defaultVault', join(dir, 'c.kdbx')], '');
    expect(pathOf(ok(['--json', 'info']))).toBe(join(dir, 'c.kdbx'));
    expect(pathOf(ok(['--json', 'info'], undefined, { STICKVAULT_VAULT: 'bee' }))).toBe(join(dir, 'b.kdbx'));
    expect(pathOf(ok(['--vault', join(dir, 'a.kdbx'), '--json', 'info'], undefined, { STICKVAULT_VAULT: 'bee' }))).toBe(join(dir, 'a.kdbx'));
    expect(pathOf(ok(['--vault', 'bee', '--json', 'info']))).toBe(join(dir, 'b.kdbx'));
  });

  it('config set validates each setting and names the valid ones', () => {
    fails(['config', 'set', 'autoLockSeconds', '0'], 2, "expected whole seconds from 1 to 86400, got '0'", '');
    fails(['config', 'set', 'generatorRule', 'minlength: 9; maxlength: 2'], 2, /minlength 9 > maxlength 2/, '');
    fails(['config', 'set', 'colour', 'blue'], 2, /unknown setting 'colour'; settings: defaultVault, /, '');
    ok(['config', 'set', 'clipboardSeconds', '45'], '');
    expect(ok(['config', 'get', 'clipboardSeconds'], '').stdout.trim()).toBe('45');
    expect(ok(['config', 'list'], '').stdout).toMatch(/^clipboardSeconds = 45\t#/m);
  });
});

describe('passwd, mv, mkdir, rmdir', () => {
  it('passwd changes the master password: the old one is then exit 3', () => {
    ok(['--vault', 'bee', '--password-fd', '0', 'passwd', '--allow-weak'], `${PW}\nnew ${PW}\n`);
    fails(['--vault', 'bee', 'ls'], 3, 'stv: wrong master password or keyfile');
    ok(['--vault', 'bee', 'ls'], `new ${PW}\n`);
  });

  it('mkdir, mv into it, rmdir to the recycle bin; bad targets are exit 2 or 4', () => {
    const v = ['--vault', join(dir, 'a.kdbx')];
    ok([...v, 'mkdir', 'Finance/Banks']);
    fails([...v, 'mkdir', 'Finance/Banks'], 2, "group 'Finance/Banks' already exists");
    ok([...v, 'add', 'Savings']);
    expect(ok([...v, 'mv', 'Savings', 'Finance/Banks']).stderr).toContain('moved to Finance/Banks/Savings');
    fails([...v, 'mv', 'Savings', 'Nowhere'], 4, "group 'Nowhere' not found");
    fails([...v, 'rmdir', '/'], 2, 'the root group cannot be removed');
    ok([...v, 'rmdir', 'Finance']);
    expect(ok([...v, 'ls', '-R', '-f']).stdout.split('\n')).toContain('Recycle Bin/Finance/Banks/Savings');
    fails([...v, 'show', 'Savings'], 4, /not found/);
  });
});
