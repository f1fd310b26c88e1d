// Makes a fresh clone ready: npm dependencies, the build, and (with --test)
// the Debian programs the tests run for real. Installs Debian packages only
// when running as root; otherwise says exactly what is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const wantTest = process.argv.includes('--test');
const wantBench = process.argv.includes('--bench');
const log = (m) => process.stderr.write(`[setup] ${m}\n`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root, ...opts });

function newestMtime(dir) {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    newest = Math.max(newest, name.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

// 1. npm dependencies (npm ci when the lockfile is newer than node_modules).
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs) {
  log('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. Debian programs for the interop, clipboard and file-system tests.
if (wantTest) {
  const have = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
  const pyHas = (mod) => existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0;
  const needs = [
    ['keepassxc-cli', 'keepassxc', () => have('keepassxc-cli')],
    ['pykeepass', 'python3-pykeepass', () => pyHas('pykeepass')],
    ['Xvfb', 'xvfb', () => have('Xvfb')],
    ['xsel', 'xsel', () => have('xsel')],
    ['tmux', 'tmux', () => have('tmux')],
    ['mkfs.ext4', 'e2fsprogs', () => have('mkfs.ext4')],
    ['mkfs.vfat', 'dosfstools', () => have('mkfs.vfat')],
    ['exim', 'exim4-daemon-light', () => existsSync('/usr/sbin/exim')],
    // The integrations are tested against the programs they serve.
    ['git', 'git', () => have('git')],
    ['ssh-keygen, ssh-agent, ssh-add', 'openssh-client', () => have('ssh-keygen') && have('ssh-agent') && have('ssh-add')],
    ['fzf', 'fzf', () => have('fzf')],
    ['dmenu', 'suckless-tools', () => have('dmenu')],
    ['xdotool', 'xdotool', () => have('xdotool')],
    ['zbarimg', 'zbar-tools', () => have('zbarimg')],
    // npm run bench times both tools with hyperfine.
    ...(wantBench ? [['hyperfine', 'hyperfine', () => have('hyperfine')]] : []),
  ];
  const missing = needs.filter(([, , ok]) => !ok());
  if (missing.length) {
    const pkgs = missing.map(([, p]) => p);
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (isRoot) {
      log(`installing Debian packages: ${pkgs.join(' ')}`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      run('apt-get', ['update', '-qq'], { env });
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { env });
    } else {
      log(`missing programs the tests need: ${missing.map(([b]) => b).join(', ')}; install: sudo apt-get install ${pkgs.join(' ')}`);
      process.exit(1);
    }
  }
}

// 3. Build when any source is newer than the bundle.
const bundle = join(root, 'dist', 'stv.js');
if (!existsSync(bundle) || Math.max(newestMtime(join(root, 'src')), statSync(join(root, 'scripts', 'build.mjs')).mtimeMs) > statSync(bundle).mtimeMs) {
  log('building');
  run('node', ['scripts/build.mjs']);
}
