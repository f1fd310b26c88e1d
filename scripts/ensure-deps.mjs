// Makes a fresh clone ready: npm dependencies, the build, and (with --test)
// the Debian programs the tests run for real. Installs Debian packages only
// when running as root; otherwise says exactly what is missing.
// A step that fails ends in one line — what failed, the likely cause, the
// fix — and the path of its full log; never a stack trace.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const wantTest = process.argv.includes('--test');
const wantBench = process.argv.includes('--bench');
const log = (m) => process.stderr.write(`[setup] ${m}\n`);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
process.on('uncaughtException', (e) => {
  log(`setup failed: ${e.message}`);
  process.exit(1);
});

/** Why a step's output says it failed, and what to do. */
function diagnose(text) {
  if (/gyp ERR!|node-gyp|prebuild|not found: (make|g\+\+|cc)|Python is not set|find Python/i.test(text)) {
    return `a native module (argon2) tried to compile because its prebuilt binary did not load on Node ${process.version}; install a C++ toolchain (apt-get install build-essential python3), or use another Node that package.json's engines lists (${pkg.engines.node})`;
  }
  if (/ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|network|socket hang up|getaddrinfo/i.test(text)) {
    return "the npm registry could not be reached; check the network or proxy ('npm config get registry'), then run it again";
  }
  if (/ENOSPC|no space left/i.test(text)) return 'the disk is full; free some space and run it again';
  if (/EACCES|EPERM|permission denied/i.test(text)) return 'permission denied writing in the project or npm cache; fix the ownership (e.g. of node_modules or ~/.npm) and run it again';
  if (/EBADENGINE|Unsupported engine/i.test(text)) return `this Node (${process.version}) is not one package.json's engines lists (${pkg.engines.node}); use a supported Node`;
  if (/Could not get lock|Unable to locate package|dpkg was interrupted/i.test(text)) return "apt could not install the packages; run 'apt-get update' (or 'dpkg --configure -a') and run it again";
  if (/EJSONPARSE|lockfile|package-lock/i.test(text)) return "package-lock.json does not match package.json; run 'npm install' and commit the lockfile";
  const last = text.split('\n').map((l) => l.trim()).filter(Boolean).pop();
  return last ? `unrecognised (its last line: ${last.slice(0, 160)}); see the full log` : 'unknown (no output); see the full log';
}

/** Runs one install step with its output captured; on failure prints one line and exits. */
function run(what, cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024, ...opts });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status === 0) return;
  const logFile = join(mkdtempSync(join(tmpdir(), 'stickvault-setup-')), 'step.log');
  writeFileSync(logFile, `$ ${cmd} ${args.join(' ')}\n${output}${r.error ? `\n${r.error.message}\n` : ''}`);
  const how = r.error ? `could not start ${cmd} (${r.error.code ?? r.error.message})` : r.signal ? `was killed by ${r.signal}` : `exited with ${r.status}`;
  log(`${what} failed: ${cmd} ${how}; likely cause: ${r.error?.code === 'ENOENT' ? `${cmd} is not installed or not on PATH` : diagnose(output)}. Full log: ${logFile}`);
  process.exit(1);
}

// 0. A Node the project supports (package.json engines), said before anything is installed.
const [major, minor] = process.versions.node.split('.').map(Number);
const supported = pkg.engines.node.split('||').some((range) => {
  const m = /\^?(\d+)(?:\.(\d+))?/.exec(range.trim());
  return m && major === Number(m[1]) && minor >= Number(m[2] ?? 0);
});
if (!supported) {
  log(`Node ${process.version} is not supported: package.json's engines says ${pkg.engines.node}; install one of those (e.g. from nodejs.org or your distribution) and run it again`);
  process.exit(1);
}

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
  // --loglevel: `npm start --silent` would pass its silence on, and the diagnosis reads npm's errors.
  run('installing the npm dependencies', 'npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
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
    // GNU time: peak memory of a sync facing /dev/zero or a 300 MB sidecar on a stick.
    ['time', 'time', () => existsSync('/usr/bin/time')],
    // The integrations are tested against the programs they serve.
    ['git', 'git', () => have('git')],
    // rclone remotes as sync copies: tested against rclone serve sftp/webdav on loopback.
    ['rclone', 'rclone', () => have('rclone')],
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
      run('updating the Debian package lists', 'apt-get', ['update', '-qq'], { env });
      run(`installing the Debian packages ${pkgs.join(' ')}`, 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { env });
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
  run('building dist/', process.execPath, ['scripts/build.mjs']);
}
