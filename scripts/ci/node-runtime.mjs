// Installs an official Node.js binary from the npm registry's node-<os>-<arch>
// package (the same build nodejs.org ships) into a cache directory, never over
// the system Node, and prints the directory that holds its `node` for PATH.
//
//   node scripts/ci/node-runtime.mjs 24      → /var/cache/stickvault/node/24.22.3/bin (as root)
//
// The newest release of the major line is used; a cached copy is reused, and
// when the registry cannot be asked the newest cached copy of that line is.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const major = process.argv[2];
if (!/^\d+$/.test(major ?? '')) {
  process.stderr.write('usage: node scripts/ci/node-runtime.mjs MAJOR\n');
  process.exit(2);
}
const pkg = `node-${process.platform}-${process.arch}`;
// As root, outside /root (0700): the secret-hygiene test runs this Node as `nobody`.
const isRoot = process.getuid?.() === 0;
const cache = process.env.STV_NODE_CACHE ?? (isRoot ? '/var/cache/stickvault/node' : join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'stickvault', 'node'));
mkdirSync(cache, { recursive: true, mode: 0o755 });
const npm = (args, opts = {}) => execFileSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
const binOf = (version) => join(cache, version, 'bin');

function newestCached() {
  const have = readdirSync(cache).filter((v) => v.startsWith(`${major}.`) && existsSync(join(binOf(v), 'node')));
  return have.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))[0];
}

let version;
try {
  const listed = JSON.parse(npm(['view', `${pkg}@${major}`, 'version', '--json']));
  version = Array.isArray(listed) ? listed[listed.length - 1] : listed;
} catch (e) {
  version = newestCached();
  if (!version) {
    process.stderr.write(`node-runtime: cannot ask the npm registry for ${pkg}@${major} and none is cached in ${cache}: ${String(e.stderr ?? e.message).trim().split('\n').pop()}\n`);
    process.exit(1);
  }
}

if (!existsSync(join(binOf(version), 'node'))) {
  const tmp = mkdtempSync(join(cache, `.${version}-`));
  try {
    const [{ filename }] = JSON.parse(npm(['pack', `${pkg}@${version}`, '--json', '--pack-destination', tmp], { cwd: tmp }));
    execFileSync('tar', ['-xzf', join(tmp, filename), '-C', tmp]);
    // The package is the release's bin/, include/ and share/ under package/.
    const unpacked = join(tmp, 'package');
    execFileSync(join(unpacked, 'bin', 'node'), ['--version'], { stdio: 'ignore' });
    rmSync(join(cache, version), { recursive: true, force: true });
    renameSync(unpacked, join(cache, version));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
process.stdout.write(`${binOf(version)}\n`);
