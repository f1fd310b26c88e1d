/**
 * Installs like a real npm CLI: `npm pack` holds only built files, data and
 * licences; a global install from the tarball into a clean prefix runs
 * `stv --version`, `stv init`, `stv gen`; bash completion works when sourced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ROOT, STV, tempDir, isolatedEnv, run, stv } from '../helpers/tools.js';

let dir: string;
let cleanup: () => void;
let tarball: string;
let files: string[];

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-pack-'));
  // --ignore-scripts: prepack would rebuild dist/ in place while other test files run it; global setup built it already.
  const r = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env: { ...process.env, npm_config_loglevel: 'error' } });
  expect(r.status, r.stderr).toBe(0);
  const info = JSON.parse(r.stdout)[0];
  tarball = join(dir, info.filename);
  files = info.files.map((f: { path: string }) => f.path);
}, 180_000);
afterAll(() => cleanup?.());

describe('npm package', () => {
  it('contains only the built files, data, man page and licences', () => {
    expect(files).toEqual(expect.arrayContaining(['dist/stv.js', 'data/password-rules.json', 'data/LICENSE-apple-password-rules.md', 'man/stv.1', 'LICENSE', 'README.md', 'package.json']));
    expect(files.filter((f) => /^(src|test|bench|scripts)\//.test(f) || f.endsWith('.ts'))).toEqual([]);
  });

  it('installs globally into a clean prefix and runs --version, init and gen from there', () => {
    const prefix = join(dir, 'prefix');
    const inst = run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { env: { ...process.env, npm_config_loglevel: 'error' }, timeout: 300_000 });
    expect(inst.status, inst.stderr).toBe(0);
    const bin = join(prefix, 'bin', 'stv');
    const env = isolatedEnv(join(dir, 'home'));
    const v = run(bin, ['--version'], { env });
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(run(join(prefix, 'bin', 'stickvault'), ['--version'], { env }).stdout).toBe(v.stdout);
    const init = run(bin, ['--no-agent', 'init', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: 'pw\n' });
    expect(init.status, init.stderr).toBe(0);
    const gen = run(bin, ['gen', '--site', 'apple.com'], { env });
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stdout.trim().length).toBeGreaterThanOrEqual(8);
    expect(run(bin, ['help', 'rules'], { env }).stdout).toContain('Password Rules');
  }, 300_000);
});

describe('help and completion', () => {
  it('every command has a purpose, its options and an example in --help', () => {
    const env = isolatedEnv(join(dir, 'home2'));
    const top = stv(['--help'], { env }).stdout;
    const commands = [...top.matchAll(/^  ([a-z][a-z-]*)\b/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThan(20);
    for (const c of commands) {
      const h = stv([c, '--help'], { env }).stdout;
      expect(h, c).toMatch(/^Usage: stv /m);
      const hasSub = /^Commands:/m.test(h);
      if (!hasSub) expect(h, `${c} needs an example`).toContain('Examples:');
    }
  });

  it('bash completion completes commands and options when sourced', () => {
    const env = isolatedEnv(join(dir, 'home3'));
    const script = join(dir, 'stv.bash');
    writeFileSync(script, stv(['completion', 'bash'], { env }).stdout);
    const probe = (words: string) =>
      spawnSync('bash', ['-c', `stv() { ${process.execPath} ${STV} "$@"; }; source ${script}; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _stv; printf '%s\\n' "\${COMPREPLY[@]}"`], { env, encoding: 'utf8' }).stdout.split('\n');
    expect(probe('stv sh')).toEqual(expect.arrayContaining(['shell', 'show']));
    expect(probe('stv show --')).toEqual(expect.arrayContaining(['--show-protected', '--attr']));
  });
});
