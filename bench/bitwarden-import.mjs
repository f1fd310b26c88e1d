#!/usr/bin/env node
/**
 * Imports a generated Bitwarden JSON export of N items (default 100,000:
 * logins with URIs, notes, TOTP on a tenth, a hidden field on a fifth,
 * password history on a quarter, 50 folders) into a fresh vault with the
 * built `stv`, and reports wall time, CPU time and peak RSS from
 * /usr/bin/time. Target (issue 18): under 5 s and 1 GB.
 *
 *   node bench/bitwarden-import.mjs [N] [RUNS]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STV = join(ROOT, 'dist', 'stv.cjs');
const n = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'stv-bw-bench-'));
const env = { ...process.env, XDG_CONFIG_HOME: join(dir, 'c'), XDG_DATA_HOME: join(dir, 'd'), XDG_RUNTIME_DIR: join(dir, 'r'), NODE_EXTRA_CA_CERTS: '' };
delete env.NODE_EXTRA_CA_CERTS;

const folders = Array.from({ length: 50 }, (_, i) => ({ id: `f${i}`, name: `Folder ${i}` }));
const items = Array.from({ length: n }, (_, i) => ({
  type: 1, name: `Site ${i}`, folderId: `f${i % 50}`, notes: i % 3 ? null : `note ${i}`, favorite: i % 7 === 0,
  creationDate: '2020-01-02T03:04:05.000Z', revisionDate: '2021-01-02T03:04:05.000Z',
  passwordHistory: i % 4 ? null : [{ lastUsedDate: '2020-06-01T00:00:00.000Z', password: `old-${i}` }],
  login: { username: `user${i}@example.com`, password: `pw-${i}-${(i * 2654435761 >>> 0).toString(36)}`, totp: i % 10 ? null : 'JBSWY3DPEHPK3PXP', uris: [{ match: null, uri: `https://site${i}.example.com/login` }] },
  fields: i % 5 ? null : [{ name: 'PIN', value: String(i), type: 1 }],
}));
const input = join(dir, 'bitwarden.json');
writeFileSync(input, JSON.stringify({ encrypted: false, folders, items }));

const results = [];
try {
  for (let r = 0; r < runs; r++) {
    const vault = join(dir, `v${r}.kdbx`);
    const init = spawnSync(process.execPath, [STV, '--no-agent', '--vault', vault, 'init', '--kdf', 'aes', '--kdf-iterations', '1000', '--allow-weak'], { env, input: 'pw\npw\n' });
    if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
    const t = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, STV, '--no-agent', '--vault', vault, '-q', 'import', input], { env, input: 'pw\n', encoding: 'utf8' });
    if (t.status !== 0) throw new Error(`import failed: ${t.stderr}`);
    const [wall, user, sys, rssKb] = t.stderr.trim().split('\n').pop().split(' ').map(Number);
    results.push({ wall, cpu: user + sys, rssMiB: rssKb / 1024 });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const med = (k) => results.map((x) => x[k]).sort((a, b) => a - b)[Math.floor(results.length / 2)];
console.log(`Bitwarden import of ${n} items, ${runs} runs (load average ${loadavg()[0].toFixed(1)} on this machine):`);
console.log(`  wall median ${med('wall').toFixed(2)} s (min ${Math.min(...results.map((x) => x.wall)).toFixed(2)} s), CPU median ${med('cpu').toFixed(2)} s, peak RSS median ${med('rssMiB').toFixed(0)} MiB`);
