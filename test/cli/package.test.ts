/**
 * Installs like a real npm CLI: `npm pack` holds only built files, data and
 * licences; a global install from the tarball into a clean prefix runs
 * `stv --version`, `stv init`, `stv gen`, and the README's quick start typed
 * into a real terminal (tmux) with Tab completion and help; bash completion
 * works when sourced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ROOT, STV, tempDir, isolatedEnv, run, stv } from '../helpers/tools.js';
import { terminal } from '../helpers/terminal.js';

let dir: string;
let cleanup: () => void;
let tarball: string;
let files: string[];
let prefix: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-pack-'));
  // --ignore-scripts: prepack would rebuild dist/ in place while other test files run it; global setup built it already.
  const r = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env: { ...process.env, npm_config_loglevel: 'error' } });
  expect(r.status, r.stderr).toBe(0);
  const info = JSON.parse(r.stdout)[0];
  tarball = join(dir, info.filename);
  files = info.files.map((f: { path: string }) => f.path);
  prefix = join(dir, 'prefix');
  const inst = run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { env: { ...process.env, npm_config_loglevel: 'error' }, timeout: 300_000 });
  expect(inst.status, inst.stderr).toBe(0);
}, 400_000);
afterAll(() => cleanup?.());

describe('npm package', () => {
  it('contains only the built files, data, man page and licences', () => {
    expect(files).toEqual(expect.arrayContaining(['dist/stv.js', 'dist/stv.cjs', 'dist/git-credential-stv.cjs', 'data/password-rules.json', 'data/LICENSE-apple-password-rules.md', 'man/stv.1', 'LICENSE', 'README.md', 'package.json']));
    expect(files.filter((f) => /^(src|test|bench|scripts)\//.test(f) || f.endsWith('.ts'))).toEqual([]);
  });

  it('installs globally into a clean prefix and runs --version, init and gen from there', () => {
    const bin = join(prefix, 'bin', 'stv');
    const env = isolatedEnv(join(dir, 'home'));
    const v = run(bin, ['--version'], { env });
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(run(join(prefix, 'bin', 'stickvault'), ['--version'], { env }).stdout).toBe(v.stdout);
    // package.json's man field: npm links the page where `man stv` finds it.
    expect(readFileSync(join(prefix, 'share', 'man', 'man1', 'stv.1'), 'utf8')).toMatch(/^\.TH STV 1/m);
    const init = run(bin, ['--no-agent', 'init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: 'pw\n' });
    expect(init.status, init.stderr).toBe(0);
    const gen = run(bin, ['gen', '--site', 'apple.com'], { env });
    expect(gen.status, gen.stderr).toBe(0);
    expect(gen.stdout.trim().length).toBeGreaterThanOrEqual(8);
    expect(run(bin, ['help', 'rules'], { env }).stdout).toContain('Password Rules');
  }, 300_000);

  it('installs git-credential-stv, which git runs for `credential.helper stv`', () => {
    const home = join(dir, 'git-home');
    const env = isolatedEnv(home, { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' });
    const stvBin = join(prefix, 'bin', 'stv');
    expect(run(stvBin, ['--no-agent', 'init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: 'pw\n' }).status).toBe(0);
    expect(run(stvBin, ['--no-agent', '--password-fd', '0', 'add', 'Forge', '--url', 'https://forge.example', '-u', 'ann', '-p'], { env, input: 'pw\nforge-pw\n' }).status).toBe(0);
    expect(run(stvBin, ['unlock'], { env, input: 'pw\n' }).status).toBe(0);
    try {
      expect(run('git', ['config', '--global', 'credential.helper', 'stv'], { env }).status).toBe(0);
      const fill = run('git', ['credential', 'fill'], { env, input: 'protocol=https\nhost=forge.example\n\n' });
      expect(fill.status, fill.stderr).toBe(0);
      expect(fill.stdout).toContain('username=ann\npassword=forge-pw\n');
    } finally {
      run(stvBin, ['lock', '--all'], { env });
    }
  });

  it('runs with npx (npm exec) from the tarball, as `npx stickvault` does once published', () => {
    const r = run('npm', ['exec', '--yes', `--package=${tarball}`, '--', 'stickvault', '--version'], { cwd: dir, env: { ...process.env, npm_config_loglevel: 'error' }, timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
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
    // Entry paths come from the agent for the vault named on the line; a locked vault completes nothing.
    const vault = join(dir, 'completion.kdbx');
    expect(stv(['--no-agent', '--vault', vault, 'init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: 'pw\n' }).status).toBe(0);
    expect(stv(['--no-agent', '--vault', vault, 'add', 'Shop/Item'], { env, input: 'pw\n' }).status).toBe(0);
    expect(probe(`stv --vault ${vault} show Sh`)).toEqual(['', '']);
    try {
      expect(stv(['--vault', vault, 'unlock', '--timeout', '60'], { env, input: 'pw\n' }).status).toBe(0);
      expect(probe(`stv --vault ${vault} show Sh`)).toEqual(['Shop/Item', '']);
      expect(probe(`stv --json --vault ${vault} clip ''`)).toEqual(['Shop/Item', '']);
    } finally {
      stv(['lock', '--all'], { env });
    }
  });
});

describe('the README quick start, typed into a real terminal from the global install', () => {
  const PW = 'quick start pw';
  let home: string;
  let env: NodeJS.ProcessEnv;
  let xvfb: ChildProcess | undefined;
  // Generous waits: the KDF runs on a busy machine.
  const { tmux, screen, count, waitForMore, type } = terminal('qs', () => ({ dir, env }), 90_000);
  /** Runs a command that needs no input and waits until it has finished (a marker the typed line cannot contain). */
  async function typeAndFinish(keys: string): Promise<void> {
    await type(`${keys}; echo fin""ished`, 'finished');
  }
  /** Until the program in the pane reads keys itself (raw mode), so Ctrl-C reaches the prompt, not a signal. */
  async function untilPromptReadsKeys(ms = 30_000): Promise<void> {
    const tty = tmux('display', '-p', '-t', 'qs', '#{pane_tty}').stdout.trim();
    const end = Date.now() + ms;
    while (!/(^|\s)-isig(\s|$)/.test(spawnSync('stty', ['-a', '-F', tty], { encoding: 'utf8' }).stdout)) {
      if (Date.now() > end) throw new Error(`${tty} never went into raw mode; screen:\n${screen()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const xsel = (args: string[]) => spawnSync('xsel', args, { env, encoding: 'utf8', timeout: 10_000 });

  /** The commands of the README's "Quick start" block, comments removed. */
  function quickStart(): string[] {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /## Quick start\n+```sh\n([\s\S]*?)```/.exec(readme);
    expect(block, 'README has a Quick start sh block').not.toBeNull();
    return block![1].split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
  }

  beforeAll(async () => {
    for (const bin of ['/usr/bin/tmux', '/usr/bin/Xvfb', '/usr/bin/xsel']) {
      if (!existsSync(bin)) throw new Error(`${bin} is missing: install the Debian packages tmux, xvfb and xsel (npm test installs them when run as root)`);
    }
    home = join(dir, 'quickstart-home');
    // Xvfb picks a free display and writes its number to stdout.
    xvfb = spawn('/usr/bin/Xvfb', ['-displayfd', '1', '-nolisten', 'tcp', '-screen', '0', '640x480x24'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const display = await new Promise<string>((resolve, reject) => {
      let out = '';
      xvfb!.stdout!.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(`:${out.trim()}`);
      });
      xvfb!.once('exit', () => reject(new Error('Xvfb exited before it chose a display')));
    });
    env = isolatedEnv(home, { DISPLAY: display, TERM: 'xterm-256color', PATH: `${join(prefix, 'bin')}:${process.env.PATH}` });
    // No history: bash would write ~/.bash_history into the test's home while afterAll removes it.
    const r = tmux('new-session', '-d', '-s', 'qs', '-x', '160', '-y', '50', "PS1='$ ' exec bash --norc --noprofile +o history");
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);

  afterAll(() => {
    if (env) {
      run(join(prefix, 'bin', 'stv'), ['clip', '--clear'], { env });
      run(join(prefix, 'bin', 'stv'), ['lock', '--all'], { env });
      tmux('kill-server');
    }
    xvfb?.kill();
  });

  it('init → add -g → clip → lock, with Tab completion of entry names and --help', async () => {
    const steps = quickStart();
    expect(steps.map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual(['stv init', 'stv add', 'stv clip', 'stv lock']);
    const [init, add, clip, lock] = steps;
    expect(add).toMatch(/^stv add -g \S+/);
    const vault = join(home, 'data', 'stickvault', 'default.kdbx');

    await typeAndFinish('source <(stv completion bash)');
    await type(init, 'New master password');
    await type(PW, 'Repeat the master password');
    await type(PW, `created ${vault}`);

    await type(add, 'Master password for');
    await type(PW, 'added Shopping/Amazon');
    expect(screen()).toMatch(/generated \d+ characters, [\d.]+ bits/);

    // Tab completes the entry path from the agent, and the completed command needs no password.
    const beforeShow = count('UserName: fred@example.com');
    tmux('send-keys', '-t', 'qs', '-l', 'stv show Sh');
    tmux('send-keys', '-t', 'qs', 'Tab');
    await waitForMore('$ stv show Shopping/Amazon', 0, 20_000);
    tmux('send-keys', '-t', 'qs', 'Enter');
    await waitForMore('UserName: fred@example.com', beforeShow, 20_000);
    expect(count('Master password for')).toBe(1);

    await type(clip, 'copied PASSWORD of Shopping/Amazon; clears in 30 s');
    const password = run(join(prefix, 'bin', 'stv'), ['show', 'Shopping/Amazon', '-a', 'password'], { env, input: '' });
    expect(password.status, password.stderr).toBe(0);
    const value = password.stdout.replace(/\n$/, ''); // a generated password may start or end with a space
    expect(value).toMatch(/^[^\n]{16,}$/);
    expect(xsel(['-ob']).stdout).toBe(value);
    expect(screen()).not.toContain(value);

    await type('stv clip --help', 'Examples:');
    expect(screen()).toMatch(/Usage: stv clip/);

    await type(lock, 'locked ');
    const locked = run(join(prefix, 'bin', 'stv'), ['show', 'Shopping/Amazon'], { env, input: '' });
    expect(locked.status, locked.stderr).toBe(5);

    // Locked again: the terminal asks for the password, and Ctrl-C there leaves the vault as it was.
    const bytes = readFileSync(vault);
    await type('stv show amazon', 'Master password for');
    await untilPromptReadsKeys();
    tmux('send-keys', '-t', 'qs', 'C-c');
    await waitForMore('stv: cancelled; nothing was changed', 0);
    expect(readFileSync(vault).equals(bytes)).toBe(true);
  }, 400_000);
});
