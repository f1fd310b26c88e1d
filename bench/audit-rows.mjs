// The `audit --hibp` row of `npm run bench`: a Pwned Passwords file of 1 GB
// in the real format (SHA-1 ordered by hash, CRLF), generated once into
// bench/cache, searched by stv in place (interpolation/binary search with positioned reads)
// against a linear scan of the same file by `grep -F` and by
// `keepassxc-cli analyze --hibp`. All three read a file the page cache holds
// (it was just written), so the figures compare work, not the disk.
// Run alone: node bench/audit-rows.mjs [--quick]
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { writeHibpFile } from '../test/helpers/hibp.mjs';
import { makeXml } from './make-inputs.mjs';

const ENTRIES = 100;
const pwOf = (i) => `pw-${i}-Xy9!${(i * 7919) % 100000}`; // make-inputs.mjs's passwords

export function auditRows({ root, work, STV, PW, time, sh, log, quick }) {
  const { file, size, db, hashes, planted } = auditInputs({ root, work, PW, sh, log, quick });
  const pw = (cmd) => `printf '${PW}\\n' | ${cmd}`;
  const cmds = auditCommands({ STV, PW, db, file });
  log('row 11: audit --hibp (1 GB file)');
  const withHibp = time('stv audit --hibp', cmds.audit, undefined, 3);
  // In-process lookups of random hashes: the first pass as the page cache has the file, then a second.
  const bench = () => JSON.parse(execFileSync('sh', ['-c', cmds.lookups]).toString());
  const lookups = [bench(), bench()];
  const grep = time('grep -F', `grep -c -F -f ${hashes} ${file} > /dev/null || true`, undefined, quick ? 1 : 3);
  const kxc = time('keepassxc-cli analyze --hibp', `${pw(`keepassxc-cli analyze -q --hibp ${file} ${db}`)} > /dev/null || true`, undefined, 1);
  const found = spawnSync('sh', ['-c', `grep -c -F -f ${hashes} ${file}`], { encoding: 'utf8' }).stdout.trim();
  return { size, entries: ENTRIES, breached: planted.size, found, withHibp, lookups, grep, kxc, load: loadavg()[0] };
}

/**
 * The row's inputs: the Pwned Passwords file (generated once into bench/cache; 100 MiB with
 * `quick`), a vault of ENTRIES entries written by keepassxc-cli, and the SHA-1 of every password.
 */
export function auditInputs({ root, work, PW, sh, log, quick }) {
  const bytes = quick ? 100 * 1024 * 1024 : 1024 * 1024 * 1024;
  const cache = join(root, 'bench', 'cache');
  mkdirSync(cache, { recursive: true });
  const file = join(cache, `pwned-sha1-ordered-by-hash-${bytes >> 20}MiB.txt`);
  // One in five of the vault's passwords is breached.
  const planted = new Map(Array.from({ length: ENTRIES / 5 }, (_, k) => [createHash('sha1').update(pwOf(k * 5)).digest('hex').toUpperCase(), 1000 + k]));
  if (!existsSync(file)) {
    log(`generating a ${bytes >> 20} MiB Pwned Passwords file (once, into bench/cache)`);
    writeHibpFile(file, { lines: Math.round(bytes / 45), seed: 22, include: planted });
  }
  const size = statSync(file).size;
  const xml = join(work, `audit${ENTRIES}.xml`);
  const db = join(work, `audit${ENTRIES}.kdbx`);
  makeXml(xml, ENTRIES, 0);
  rmSync(db, { force: true });
  sh(`printf '${PW}\\n${PW}\\n' | keepassxc-cli import -q -p -t 100 ${xml} ${db}`);
  const hashes = join(work, 'audit-hashes.txt');
  writeFileSync(hashes, Array.from({ length: ENTRIES }, (_, i) => createHash('sha1').update(pwOf(i)).digest('hex').toUpperCase()).join('\n') + '\n');
  return { file, size, db, hashes, planted };
}

/** stv's commands of the row: the whole audit, and 20,000 random lookups timed in-process (prints JSON). */
export function auditCommands({ STV, PW, db, file }) {
  // audit exits 1 when it finds something (it does: weak, breached); `|| true` keeps hyperfine going.
  const run = `printf '${PW}\\n' | ${STV} --no-agent -q --vault ${db} audit --hibp ${file}`;
  return { audit: `${run} > /dev/null || true`, check: `${run} > /dev/null; test $? -le 1`, lookups: `${STV} __bench-hibp ${file} 20000` };
}

export function auditLines(a) {
  const secs = (s) => `${s.toFixed(1)} s`;
  const gib = (a.size / 2 ** 30).toFixed(2);
  const [first, second] = a.lookups;
  return [
    '',
    `| row 11: \`audit --hibp\`, ${gib} GiB Pwned Passwords file, ${a.entries} entries (${a.breached} breached) | stickvault | keepassxc-cli analyze --hibp | grep -F -f (${a.entries} hashes) |`,
    '|---|---|---|---|',
    `| whole command, median (stv and keepassxc-cli also rate each password's strength) | ${secs(a.withHibp.median)} | ${secs(a.kxc.median)} | ${secs(a.grep.median)} (found ${a.found}) |`,
    `| breach lookup per password | ${first.perLookupUs.toFixed(0)} µs (${second.perLookupUs.toFixed(0)} µs on a second pass), ${first.readsPerLookup.toFixed(1)} reads of ≤ 4 KiB | one linear scan of the file for all | one linear scan: ${secs(a.grep.median)} however few passwords |`,
    '',
    `Row 11: stv searches the file in place (interpolation, bisection as a fallback; ${first.lookups.toLocaleString('en')} random lookups timed in-process, twice); keepassxc-cli and grep read all of it. The first pass reads the file from wherever it is (page cache or disk, on a machine others share), the second finds the pages the first touched in the cache; on a cold disk each lookup costs its ~${Math.round(first.readsPerLookup)} random reads, a linear scan the whole file. Load average during the row: ${a.load.toFixed(1)} on ${cpus().length} cores.`,
  ];
}

// Standalone: the row alone, printed.
if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL('..', import.meta.url).pathname;
  const work = join(root, 'bench', 'work-audit');
  mkdirSync(join(work, 'run'), { recursive: true });
  const env = { ...process.env, QT_QPA_PLATFORM: 'offscreen', NO_COLOR: '1', XDG_RUNTIME_DIR: join(work, 'run'), XDG_CONFIG_HOME: join(work, 'config') };
  delete env.NODE_EXTRA_CA_CERTS;
  const sh = (cmd) => execFileSync('sh', ['-c', cmd], { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 }).toString();
  const time = (name, cmd, prepare, runs = 3) => {
    const out = join(work, `${name.replace(/\W+/g, '_')}.json`);
    const r = spawnSync('hyperfine', ['--warmup', runs > 1 ? '1' : '0', '--runs', String(runs), '--export-json', out, '--style', 'none', ...(prepare ? ['--prepare', prepare] : []), cmd], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`hyperfine failed for ${name}: ${r.stderr}`);
    const res = JSON.parse(execFileSync('cat', [out]).toString()).results[0];
    return { min: res.min, median: res.median, cpu: res.user + res.system };
  };
  const a = auditRows({ root, work, STV: `${process.execPath} ${join(root, 'dist', 'stv.cjs')}`, PW: 'bench-password', time, sh, log: (m) => process.stderr.write(`[bench] ${m}\n`), quick: process.argv.includes('--quick') });
  process.stdout.write(auditLines(a).join('\n') + '\n');
}
