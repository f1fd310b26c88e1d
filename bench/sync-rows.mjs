// The sync rows of `npm run bench`: a key-less fast-forward of a 10k vault to
// two sticks (plain directories here) should cost what copying the file
// costs — it is I/O bound — so it is timed against `cp` + `sync(1)` of the
// same bytes to the same places.
import { mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';

export function syncRows({ work, STV, PW, dbA, time, sh, log }) {
  const s = prepareSyncFF({ work, STV, PW, dbA, sh, log });
  const ff = time('stv sync ff', s.ff.cmd, s.ff.prepare);
  const cp = time('cp to sticks', s.cp.cmd, s.cp.prepare);
  sh(s.noop.before);
  const noop = time('stv sync noop', s.noop.cmd);
  return { label: s.label, stv: ff, other: cp, noop };
}

/**
 * Sets the fast-forward up under `work`/sync with this STV (two sticks that
 * have the vault, a laptop copy one edit ahead) and returns the commands to
 * time: the fast-forward and `cp`, each after restoring the sticks' old
 * state, and the no-op sync, after `before` has brought every copy level.
 */
export function prepareSyncFF({ work, STV, PW, dbA, sh, log }) {
  log('sync: key-less fast-forward (10k) vs cp');
  const base = join(work, 'sync');
  const local = join(base, 'laptop', 'v.kdbx');
  const sticks = ['s1', 's2'].map((s) => join(base, s));
  const config = join(base, 'config');
  for (const d of [join(base, 'laptop'), ...sticks, join(config, 'stickvault')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(config, 'stickvault', 'config.json'), JSON.stringify({ stickPaths: sticks }));
  copyFileSync(dbA, local);
  const pwFile = join(base, 'pw');
  writeFileSync(pwFile, `${PW}\n`, { mode: 0o600 });
  const env = `XDG_CONFIG_HOME=${config} XDG_STATE_HOME=${join(base, 'state')}`;
  const stv = (args) => `${env} ${STV} --no-agent -q --vault ${local} ${args}`;
  // Both sticks get the vault, then the laptop copy moves on by one edit; keep the sticks' old state to restore before each run.
  for (const [i, s] of sticks.entries()) sh(stv(`--password-file ${pwFile} stick init ${s} --label stick${i + 1}`));
  sh(stv(`--password-file ${pwFile} edit 'Group 7/Site 4207' --notes moved-on`));
  for (const s of sticks) sh(`cp -a ${s} ${s}.old`);
  const restore = sticks.map((s) => `rm -rf ${s} && cp -a ${s}.old ${s}`).join(' && ');
  return {
    label: 'sync: key-less fast-forward to 2 sticks (10k) vs `cp` + `sync`',
    ff: { cmd: `${stv('sync')} < /dev/null`, prepare: restore },
    cp: { cmd: `${sticks.map((s) => `cp ${local} ${s}/v.kdbx`).join(' && ')} && sync`, prepare: restore },
    // The same command when every copy is already the same: its fixed cost (Node's start, module
    // load, reading and hashing the copies). The fast-forward's own work is the difference.
    noop: { before: `${restore} && ${stv('sync')} < /dev/null`, cmd: `${stv('sync')} < /dev/null` },
  };
}

/**
 * The merge rows of sync: copies that each took other edits (100 entries
 * each, in different places), with the base every copy got at their last
 * sync, so the key is needed and every content and the base are opened and
 * merged in one n-way step, the result written to every copy (crash-safely,
 * a generation kept on each stick, each read back). keepassxc-cli has no
 * sync: the same outcome with it is one `merge` per other copy into the
 * local one, then the result copied to the sticks (`cp` + `sync`).
 */
export function syncMergeRows({ work, STV, PW, dbA, timePair, sh, log, makeXml, importDb }) {
  log('sync: merging 2 and 3 differing 10k copies');
  const replicas = syncReplicas({ dir: join(work, 'sync-merge'), makeXml, importDb });
  return prepareSyncMerge({ work, STV, PW, dbA, replicas, sh, log }).map((r) => {
    const [s, kx] = timePair(`sync merge ${r.copies}`, r.stv[0], r.kxc[0], r.stv[1], r.kxc[1]);
    return { label: r.label, stv: s, kxc: kx, target: r.target };
  });
}

/** Three replicas of the 10k vault, each with 100 entries edited at its own places. */
export function syncReplicas({ dir, makeXml, importDb }) {
  mkdirSync(dir, { recursive: true });
  return [0, 25, 50].map((offset) => {
    const xml = join(dir, `replica${offset}.xml`);
    const db = join(dir, `replica${offset}.kdbx`);
    makeXml(xml, 10_000, 100, offset);
    importDb(xml, db);
    return db;
  });
}

/**
 * Sets the 2- and 3-copy merges up under `work`/sync-merge with this STV and
 * returns, per row, stv's command and the restore before it, and keepassxc-cli's.
 */
export function prepareSyncMerge({ work, STV, PW, dbA, replicas, sh, log }) {
  const base = join(work, 'sync-merge');
  mkdirSync(base, { recursive: true });
  const pwFile = join(base, 'pw');
  writeFileSync(pwFile, `${PW}\n`, { mode: 0o600 });
  const rows = [];
  for (const copies of [2, 3]) {
    const dir = join(base, `c${copies}`);
    const local = join(dir, 'laptop', 'v.kdbx');
    const sticks = Array.from({ length: copies - 1 }, (_, i) => join(dir, `s${i + 1}`));
    // Each row its own config: both rows are set up before either is timed.
    const config = join(dir, 'config');
    for (const d of [join(dir, 'laptop'), ...sticks, join(config, 'stickvault')]) mkdirSync(d, { recursive: true });
    writeFileSync(join(config, 'stickvault', 'config.json'), JSON.stringify({ stickPaths: sticks }));
    const env = `XDG_CONFIG_HOME=${config} XDG_STATE_HOME=${join(dir, 'state')}`;
    const stv = (vault, args) => `${env} ${STV} --no-agent -q --password-file ${pwFile} --vault ${vault} ${args}`;
    copyFileSync(dbA, local);
    for (const [i, s] of sticks.entries()) sh(stv(local, `stick init ${s} --label stick${i + 1}`));
    // Each copy takes its own replica's edits; stv merge keeps the copy's key.
    const files = [local, ...sticks.map((s) => join(s, 'v.kdbx'))];
    for (const [i, f] of files.entries()) sh(stv(f, `merge -s ${replicas[i]}`));
    const kept = [join(dir, 'laptop'), ...sticks, join(dir, 'state')];
    for (const d of kept) sh(`rm -rf ${d}.orig && cp -a ${d} ${d}.orig`);
    const restore = kept.map((d) => `rm -rf ${d} && cp -a ${d}.orig ${d}`).join(' && ');
    // keepassxc-cli, on the same three files.
    const k = files.map((_, i) => join(dir, `kxc${i}.kdbx`));
    const kPrep = files.map((f, i) => `cp ${f} ${k[i]}`).join(' && ');
    const kCmd = [...k.slice(1).map((f) => `printf '${PW}\\n' | keepassxc-cli merge -q -s ${k[0]} ${f}`), ...k.slice(1).map((f) => `cp ${k[0]} ${f}`), 'sync'].join(' && ');
    // The sync must have merged, not copied: checked once before timing.
    sh(`${restore}`);
    const check = JSON.parse(sh(`${env} ${STV} --no-agent --json --password-file ${pwFile} --vault ${local} sync`));
    if (check.vaults[0].mode !== 'merge') throw new Error(`sync bench: expected a merge, got ${check.vaults[0].mode}`);
    log(`  ${copies} copies: ${check.vaults[0].added} added, ${check.vaults[0].updated} updated`);
    rows.push({ copies, label: `11${copies === 2 ? 'a' : 'b'}. \`sync\`: ${copies} copies of 10k (local + ${copies - 1} stick${copies > 2 ? 's' : ''}), each with 100 other entries edited (key needed) vs keepassxc-cli \`merge\` ×${copies - 1} + \`cp\``, stv: [`${stv(local, 'sync')} < /dev/null`, restore], kxc: [kCmd, kPrep], target: 0.5 });
  }
  return rows;
}

// `node bench/sync-rows.mjs [runs]`: only the sync merge rows, without the rest of the benchmark.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { execFileSync, spawnSync } = await import('node:child_process');
  const { readFileSync, rmSync } = await import('node:fs');
  const { makeXml } = await import('./make-inputs.mjs');
  const root = new URL('..', import.meta.url).pathname;
  const work = join(root, 'bench', 'work', 'sync-only'); // bench/work/ is not tracked
  const PW = 'bench-password';
  const runs = Number(process.argv[2] ?? 5);
  const env = { ...process.env, QT_QPA_PLATFORM: 'offscreen', NO_COLOR: '1', XDG_RUNTIME_DIR: join(work, 'run') };
  delete env.NODE_EXTRA_CA_CERTS;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'run'), { recursive: true, mode: 0o700 });
  const log = (m) => process.stderr.write(`[bench] ${m}\n`);
  const sh = (cmd) => execFileSync('sh', ['-c', cmd], { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 }).toString();
  const importDb = (xml, db) => sh(`printf '${PW}\\n${PW}\\n' | keepassxc-cli import -q -p -t 100 ${xml} ${db}`);
  const one = (cmd, prep, out) => {
    const r = spawnSync('hyperfine', ['--runs', '1', '--export-json', out, '--style', 'none', ...(prep ? ['--prepare', prep] : []), cmd], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`hyperfine: ${r.stderr}`);
    const res = JSON.parse(readFileSync(out, 'utf8')).results[0];
    return { wall: res.times[0], cpu: res.user + res.system };
  };
  const summary = (xs) => {
    const w = xs.map((x) => x.wall).sort((a, b) => a - b);
    return { min: w[0], median: w.length % 2 ? w[w.length >> 1] : (w[w.length / 2 - 1] + w[w.length / 2]) / 2, cpu: xs.reduce((n, x) => n + x.cpu, 0) / xs.length };
  };
  const timePair = (name, a, b, prepA, prepB) => {
    const s = [];
    const k = [];
    one(a, prepA, join(work, 'warm.json'));
    one(b, prepB, join(work, 'warm.json'));
    for (let i = 0; i < runs; i++) {
      s.push(one(a, prepA, join(work, `s${i}.json`)));
      k.push(one(b, prepB, join(work, `k${i}.json`)));
    }
    return [summary(s), summary(k)];
  };
  const a = join(work, 'a.xml');
  makeXml(a, 10_000, 0);
  const dbA = join(work, 'v.kdbx');
  importDb(a, dbA);
  const STV = `${process.execPath} ${join(root, 'dist', 'stv.cjs')}`;
  const ms = (x) => `${Math.round(x * 1000)} ms`;
  for (const r of syncMergeRows({ work, STV, PW, dbA, timePair, sh, log, makeXml, importDb })) {
    process.stdout.write(`${r.label}: stv ${ms(r.stv.min)} / ${ms(r.stv.median)}, keepassxc-cli ${ms(r.kxc.min)} / ${ms(r.kxc.median)}, ratio ${(r.stv.median / r.kxc.median).toFixed(2)}× (min ${(r.stv.min / r.kxc.min).toFixed(2)}×, CPU ${(r.stv.cpu / r.kxc.cpu).toFixed(2)}×), target ≤ ${r.target}×\n`);
  }
}
