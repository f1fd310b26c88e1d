// npm run bench:compare [-- [--runs N] [--big-runs N] [--no-big] [--only REGEX] [--keep] [BEFORE [AFTER]]]
//
// One stickvault build against another, like for like: both revisions (default 9125ad6, the state
// before the architecture work of issue 20, and HEAD) are checked out into temporary git worktrees,
// get their dependencies and are built; then every stv row of `npm run bench` (bench/rows.mjs,
// sync-rows.mjs, audit-rows.mjs: the same commands on the same vault files) runs for both builds
// interleaved, A B B A A B …, so the machine's load, which drifts on a shared VM, falls on both
// alike. Prints per row the median wall and CPU time of each build and after/before, flags rows
// more than 5 % slower, and writes bench/compare.md. Never fails on speed: it reports.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { makeXml } from './make-inputs.mjs';
import { PW, agentRow, benchEnv, bigRows, busyLabel, genRow, hyperfineOnce, importDb, log, makeInputs, median, pairRows, peakRssMiB, rssRows, shIn, withBusyCores } from './rows.mjs';
import { prepareSyncFF, prepareSyncMerge, syncReplicas } from './sync-rows.mjs';
import { auditCommands, auditInputs } from './audit-rows.mjs';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  if (i < 0) return dflt;
  const v = argv[i + 1];
  argv.splice(i, 2);
  return v;
};
const flag = (name) => {
  const i = argv.indexOf(name);
  if (i >= 0) argv.splice(i, 1);
  return i >= 0;
};
// 11 runs each: two builds' medians of 9 moved by up to ~4 % between runs on this shared VM.
const runs = Number(opt('--runs', '11'));
const bigRuns = Number(opt('--big-runs', '5'));
const onlyRe = opt('--only');
const only = onlyRe ? new RegExp(onlyRe, 'i') : undefined;
const noBig = flag('--no-big');
const keep = flag('--keep');
const [beforeRev = '9125ad6', afterRev = 'HEAD'] = argv;
const SLOWER = 1.05;

const git = (...a) => execFileSync('git', ['-C', root, ...a], { encoding: 'utf8' }).trim();
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
const startedAt = Date.now();
const uptimeAtStart = uptime();
const tmp = mkdtempSync(join(tmpdir(), 'stv-compare-'));
const work = join(tmp, 'inputs');
mkdirSync(work, { recursive: true });
const { env: baseEnv } = benchEnv(join(tmp, 'tools'));
const sh = shIn(baseEnv);

// Cleanup however the run ends (rows.mjs turns SIGINT/SIGTERM into an exit): agents locked,
// worktrees removed, the temp dir gone (unless --keep).
const builds = [];
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const b of builds) {
    try { b.sh(agentRow(b).lock); } catch { /* no agent running */ }
    if (!keep) spawnSync('git', ['-C', root, 'worktree', 'remove', '--force', b.dir], { stdio: 'ignore' });
  }
  if (!keep) {
    spawnSync('git', ['-C', root, 'worktree', 'prune'], { stdio: 'ignore' });
    rmSync(tmp, { recursive: true, force: true });
  } else process.stderr.write(`[bench] kept ${tmp} (git worktree remove --force each build dir there when done)\n`);
}
process.on('exit', cleanup);

/** Checks `rev` out into a temp worktree, installs its dependencies and builds it. */
function prepareBuild(rev, name) {
  const sha = git('rev-parse', '--short', `${rev}^{commit}`);
  const subject = git('log', '-1', '--format=%s', sha);
  const dir = join(tmp, name);
  log(`${name}: ${rev} = ${sha}, worktree ${dir}`);
  execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', dir, sha], { stdio: ['ignore', 'ignore', 'pipe'] });
  const home = join(tmp, `${name}-home`);
  // Each build its own runtime, config and state dirs: its own agent and socket, its own sync state.
  mkdirSync(join(home, 'run'), { recursive: true, mode: 0o700 });
  mkdirSync(join(home, 'scratch'), { recursive: true });
  const { env } = benchEnv(home);
  const b = { name, rev, sha, subject, dir, home, env, sh: shIn(env), scratch: join(home, 'scratch'), STV: `${process.execPath} ${join(dir, 'dist', 'stv.cjs')}` };
  builds.push(b);
  const lock = git('show', `${sha}:package-lock.json`);
  const ownLock = existsSync(join(root, 'package-lock.json')) ? readFileSync(join(root, 'package-lock.json'), 'utf8').trim() : '';
  if (lock === ownLock && existsSync(join(root, 'node_modules'))) {
    log(`${name}: same package-lock.json, sharing node_modules`);
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  } else {
    log(`${name}: npm ci`);
    execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  log(`${name}: build`);
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return b;
}

const before = prepareBuild(beforeRev, 'before');
const after = prepareBuild(afterRev, 'after');

log('inputs (the same files for both builds)');
const { dbA, dbB } = makeInputs(sh, work, 10_000);
const big = noBig ? undefined : makeInputs(sh, work, 100_000);
const replicas = syncReplicas({ dir: join(work, 'sync-replicas'), makeXml, importDb: (xml, db) => importDb(sh, xml, db) });
const audit = auditInputs({ root, work, PW, sh, log, quick: false });
const rounds = JSON.parse(after.sh(`${after.STV} --json --vault ${dbA} info`)).kdf.rounds;

/**
 * The rows: each `make(build)` returns what to run for that build — `cmd` (timed), `prepare`
 * (before each run, untimed), `before`/`after` (once around the row), `check` (instead of cmd for
 * the n/a probe), or `sample` (a measure other than time: RSS, in-process timings). It may set
 * up files with the build itself (sync sticks), in the build's own dirs. A build whose probe fails
 * (an old build without the command) shows the row as n/a.
 */
const memo = (f) => { const m = new Map(); return (b) => { if (!m.has(b)) m.set(b, f(b)); return m.get(b); }; };
const pairsOf = memo((b) => pairRows({ STV: b.STV, dbA, dbB, scratch: b.scratch }));
const syncOf = memo((b) => prepareSyncFF({ work: b.home, STV: b.STV, PW, dbA, sh: b.sh, log }));
const syncMergeOf = memo((b) => prepareSyncMerge({ work: b.home, STV: b.STV, PW, dbA, replicas, sh: b.sh, log }));
const fromPair = (key, label) => ({ label: label ?? pairRows({ STV: '', dbA, dbB, scratch: '' })[key].label, make: (b) => ({ cmd: pairsOf(b)[key].args[0], prepare: pairsOf(b)[key].args[2] }) });
const json = (b, cmd) => JSON.parse(b.sh(cmd));
const rows = [
  fromPair('ls'), fromPair('show'), fromPair('find'), fromPair('merge'), fromPair('version'),
  { label: '6. `show` through the unlocked agent', make: (b) => { const a = agentRow({ STV: b.STV, dbA }); return { before: a.unlock, cmd: a.show, after: a.lock }; } },
  fromPair('edit'),
  ...['ls', 'show', 'find', 'edit'].map((k) => ({ ...fromPair(k), label: busyLabel(fromPair(k).label), busy: true })),
  { label: '8. `gen --count 100000`', make: (b) => ({ cmd: genRow(b).many }) },
  { label: '8. `gen --count 1` (its fixed cost)', make: (b) => ({ cmd: genRow(b).one }) },
  { label: 'AES-KDF of the 10k vault in-process (`__bench-kdf`, ms reported)', unit: 'ms', make: (b) => ({ sample: () => json(b, `${process.execPath} ${join(b.dir, 'dist', 'stv.js')} __bench-kdf ${rounds}`).ms / 1000 }) },
  { label: 'sync: key-less fast-forward to 2 sticks (10k)', make: (b) => ({ cmd: syncOf(b).ff.cmd, prepare: syncOf(b).ff.prepare }) },
  { label: 'sync with nothing to copy (its fixed cost)', make: (b) => ({ before: syncOf(b).noop.before, cmd: syncOf(b).noop.cmd }) },
  { label: '11. `audit --hibp`, 1 GiB file, 100 entries', make: (b) => { const c = auditCommands({ STV: b.STV, PW, db: audit.db, file: audit.file }); return { cmd: c.audit, check: c.check }; } },
  { label: '11. breach lookup per password (`__bench-hibp`, µs reported)', unit: 'us', make: (b) => ({ sample: () => json(b, auditCommands({ STV: b.STV, PW, db: audit.db, file: audit.file }).lookups).perLookupUs / 1e6 }) },
  ...(big ? [
    { label: '9a. open + `ls -R -f` (100k)', runs: bigRuns, make: (b) => ({ cmd: bigRows({ STV: b.STV, big, scratch: b.scratch }).ls.args[0] }) },
    { label: '9b. merge two 100k replicas', runs: bigRuns, make: (b) => { const r = bigRows({ STV: b.STV, big, scratch: b.scratch }).merge.args; return { cmd: r[0], prepare: r[2] }; } },
  ] : []),
  ...[0, 1].map((i) => ({ label: `11${'ab'[i]}. \`sync\` merging ${i + 2} differing 10k copies (key needed)`, make: (b) => ({ cmd: syncMergeOf(b)[i].stv[0], prepare: syncMergeOf(b)[i].stv[1] }) })),
  { label: '10. peak RSS, open + `ls -R -f` (10k)', unit: 'MiB', make: (b) => ({ sample: () => peakRssMiB(rssRows({ STV: b.STV, dbA, dbB, scratch: b.scratch }).ls, b.env) }) },
  { label: '10. peak RSS, merge (10k)', unit: 'MiB', make: (b) => { const r = rssRows({ STV: b.STV, dbA, dbB, scratch: b.scratch }).merge; return { sample: () => { b.sh(r.prepare); return peakRssMiB(r.cmd, b.env); } }; } },
].filter((r) => !only || only.test(r.label));

const firstLine = (e) => String(e.stderr ?? e.message ?? e).trim().split('\n').filter(Boolean).pop()?.slice(0, 120) ?? 'failed';

/** The row for one build: its commands, or why it is n/a. */
function probe(row, b) {
  try {
    const spec = row.make(b);
    if (spec.before) b.sh(spec.before);
    if (spec.sample) spec.sample();
    else b.sh([spec.prepare, spec.check ?? spec.cmd].filter(Boolean).join(' && '));
    return spec;
  } catch (e) {
    return { na: firstLine(e) };
  }
}

let n = 0;
function sampleOnce(spec, b) {
  if (spec.sample) return { wall: spec.sample() };
  return hyperfineOnce({ cmd: spec.cmd, prepare: spec.prepare, env: b.env, out: join(tmp, `h${n++}.json`) });
}

function timeRow(row) {
  const specs = [before, after].map((b) => probe(row, b));
  const result = { row, specs, samples: [[], []] };
  try {
    if (specs.some((s) => s.na)) return result;
    const count = row.runs ?? runs;
    // A B, then B A: neither build always runs right after the other (a warm page cache, a busy moment).
    for (let i = 0; i < count; i++) {
      const order = i % 2 ? [1, 0] : [0, 1];
      for (const k of order) result.samples[k].push(sampleOnce(specs[k], [before, after][k]));
    }
    return result;
  } finally {
    for (const [k, s] of specs.entries()) if (s.after) { try { [before, after][k].sh(s.after); } catch { /* already gone */ } }
  }
}

const results = [];
const busyRows = rows.filter((r) => r.busy);
for (const row of rows) {
  if (row.busy) continue;
  log(row.label);
  results.push(timeRow(row));
  // The busy rows run together, after row 7 as in npm run bench.
  if (row.label.startsWith('7.') && busyRows.length) withBusyCores(() => { for (const r of busyRows) { log(r.label); results.push(timeRow(r)); } });
}
if (!rows.some((r) => r.label.startsWith('7.')) && busyRows.length) withBusyCores(() => { for (const r of busyRows) { log(r.label); results.push(timeRow(r)); } });
const uptimeAtEnd = uptime();

// Report.
const fmt = (v, unit = 's') => {
  if (unit === 'MiB') return `${v.toFixed(0)} MiB`;
  if (unit === 'us') return `${(v * 1e6).toFixed(1)} µs`;
  return `${(v * 1000).toFixed(v < 0.1 ? 1 : 0)} ms`;
};
const ratio = (x) => `${x.toFixed(3)}×`;
const lines = [
  '# Before/after: one stickvault build against another',
  '',
  `before: \`${before.sha}\` (${before.rev}) — ${before.subject}`,
  `after: \`${after.sha}\` (${after.rev}) — ${after.subject}`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; the run took ${((Date.now() - startedAt) / 60000).toFixed(1)} min.`,
  `Load: at start \`${uptimeAtStart}\`; at end \`${uptimeAtEnd}\`.`,
  // keepassxc-cli tunes the rounds to 100 ms at generation: on a loaded machine they come out fewer,
  // and below the worker threshold both builds run the two chains on the main thread.
  `Inputs: vaults written by \`keepassxc-cli import -t 100\` (KDBX 3.1) in this run; AES-KDF ${rounds.toLocaleString('en')} rounds. A build that upgrades on save (9125ad6 wrote 4.x) sets the sync rows' copies up in 4.x, one that keeps 3.1 in 3.1.`,
  `Method: \`node bench/compare-builds.mjs ${process.argv.slice(2).join(' ')}\`. Each revision checked out into a temporary worktree and built; the commands and vault files of \`npm run bench\` (stv side), each build with its own runtime/config/state dirs (its own agent). Per row one probe run each (also the warm-up), then ${runs} runs each (${bigRuns} for the 100k rows), interleaved A B B A …; wall = median, CPU = user + sys, median. "pairs slower" counts the interleaved pairs where after took longer than before. Rows whose wall median is more than ${Math.round((SLOWER - 1) * 100)} % higher after are flagged.`,
  '',
  '| row | before wall | after wall | after / before | pairs slower | before CPU | after CPU | CPU after / before | flag |',
  '|---|---|---|---|---|---|---|---|---|',
];
const slower = [];
for (const r of results) {
  const [sa, sb] = r.samples;
  if (r.specs.some((s) => s.na)) {
    const why = r.specs.map((s, k) => (s.na ? `${['before', 'after'][k]}: ${s.na.replace(/\|/g, '\\|')}` : '')).filter(Boolean).join('; ');
    lines.push(`| ${r.row.label} | n/a | n/a | n/a | | | | | ${why} |`);
    continue;
  }
  const unit = r.row.unit;
  const wa = median(sa.map((x) => x.wall));
  const wb = median(sb.map((x) => x.wall));
  const rw = wb / wa;
  const pairs = sa.filter((x, i) => sb[i].wall > x.wall).length;
  const hasCpu = sa[0].cpu !== undefined;
  const ca = hasCpu ? median(sa.map((x) => x.cpu)) : NaN;
  const cb = hasCpu ? median(sb.map((x) => x.cpu)) : NaN;
  const flagged = rw > SLOWER;
  if (flagged) slower.push(r.row.label);
  lines.push(`| ${r.row.label} | ${fmt(wa, unit)} | ${fmt(wb, unit)} | ${flagged ? `**${ratio(rw)}**` : ratio(rw)} | ${pairs}/${sa.length} | ${hasCpu ? fmt(ca) : ''} | ${hasCpu ? fmt(cb) : ''} | ${hasCpu ? (cb / ca > SLOWER ? `**${ratio(cb / ca)}**` : ratio(cb / ca)) : ''} | ${flagged ? `**> ${Math.round((SLOWER - 1) * 100)} % ${unit === 'MiB' ? 'larger' : 'slower'}**` : ''} |`);
}
lines.push('', slower.length ? `More than ${Math.round((SLOWER - 1) * 100)} % slower (or larger): ${slower.join('; ')}.` : `No row more than ${Math.round((SLOWER - 1) * 100)} % slower (or larger).`);
// What the profiles of the flagged rows showed, kept by hand next to the script.
const notes = join(root, 'bench', 'compare-notes.md');
if (existsSync(notes)) lines.push('', readFileSync(notes, 'utf8').trimEnd());
lines.push('');
writeFileSync(join(root, 'bench', 'compare.md'), lines.join('\n'));
process.stdout.write(lines.join('\n'));
process.stderr.write(`[bench] load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
