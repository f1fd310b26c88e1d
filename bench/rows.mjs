// The rows of `npm run bench` and the helpers that time them, shared by
// bench/run.mjs (stickvault against keepassxc-cli) and bench/compare-builds.mjs
// (one stickvault build against another): both time the same commands on the same files.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { makeXml } from './make-inputs.mjs';

export const PW = 'bench-password';
export const ENTRY = 'Group 7/Site 4207';
export const pipePw = (cmd) => `printf '${PW}\\n' | ${cmd}`;
export const log = (m) => process.stderr.write(`[bench] ${m}\n`);

/**
 * The environment every row runs in; `dir` holds the runtime, config and state dirs, so two
 * environments made from different dirs cannot meet (agents, sockets, sync state).
 * A machine may set NODE_EXTRA_CA_CERTS (this one does, for its npm proxy): Node 20 then parses
 * its bundled root certificates and that file at every start (~40 ms measured here), although stv
 * makes no TLS connection. A user's shell seldom sets it, so the rows run without it (keepassxc-cli
 * ignores it); `extraCa` is what was set, for run.mjs to measure what it costs.
 */
export function benchEnv(dir) {
  const env = { ...process.env, QT_QPA_PLATFORM: 'offscreen', NO_COLOR: '1', XDG_RUNTIME_DIR: join(dir, 'run'), XDG_CONFIG_HOME: join(dir, 'config'), XDG_STATE_HOME: join(dir, 'state') };
  const extraCa = env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_EXTRA_CA_CERTS;
  return { env, extraCa };
}

export const shIn = (env) => (cmd) => execFileSync('sh', ['-c', cmd], { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 }).toString();

export function importDb(sh, xml, db) {
  sh(`printf '${PW}\\n${PW}\\n' | keepassxc-cli import -q -p -t 100 ${xml} ${db}`);
}

/** The n-entry vault and its replica (100 entries differ), written by keepassxc-cli from generated XML. */
export function makeInputs(sh, work, n) {
  const dbA = join(work, `v${n}.kdbx`);
  const dbB = join(work, `v${n}-replica.kdbx`);
  log(`generating ${n}-entry inputs`);
  const a = join(work, `a${n}.xml`);
  const b = join(work, `b${n}.xml`);
  makeXml(a, n, 0);
  makeXml(b, n, 100);
  importDb(sh, a, dbA);
  importDb(sh, b, dbB);
  return { dbA, dbB };
}

/** One hyperfine run of `cmd` (after `prepare`, and one warm-up run when asked) → wall and CPU seconds. */
export function hyperfineOnce({ cmd, prepare, env, out, warmup = false }) {
  const args = ['--warmup', warmup ? '1' : '0', '--runs', '1', '--export-json', out, '--style', 'none'];
  if (prepare) args.push('--prepare', prepare);
  const r = spawnSync('hyperfine', [...args, cmd], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`hyperfine failed for ${cmd}: ${r.stderr}`);
  const res = JSON.parse(readFileSync(out, 'utf8')).results[0];
  // CPU: user + sys of the whole command (hyperfine's rusage of its children).
  return { wall: res.times[0], cpu: res.user + res.system };
}

export const median = (v) => {
  const s = [...v].sort((p, q) => p - q);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Peak resident set size of `cmd` in MiB (/usr/bin/time -v). */
export function peakRssMiB(cmd, env) {
  const r = spawnSync('sh', ['-c', `/usr/bin/time -v sh -c "${cmd.replace(/"/g, '\\"')}" > /dev/null`], { env, encoding: 'utf8' });
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * Both cores busy: two `yes > /dev/null` loops, as a user's build or browser would keep them.
 * They are killed when `fn` ends, throws, or the bench is interrupted.
 */
const busy = new Set();
const stopBusy = () => { for (const p of busy) { try { p.kill('SIGKILL'); } catch { /* already gone */ } } busy.clear(); };
process.on('exit', stopBusy);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { stopBusy(); process.exit(130); });
export function withBusyCores(fn) {
  const devNull = openSync('/dev/null', 'w');
  try {
    for (let i = 0; i < cpus().length; i++) busy.add(spawn('yes', [], { stdio: ['ignore', devNull, 'ignore'] }));
  } finally {
    closeSync(devNull);
  }
  try {
    return fn();
  } finally {
    stopBusy();
  }
}

/** Rows 1b–3b and 7b: the same command with every core busy. */
export const busyLabel = (label) => `${label.replace(/^(\d+)\. /, '$1b. ')}, ${cpus().length} cores busy`;

/**
 * The rows that time one stv command against keepassxc-cli on the 10k vault: for each, the
 * stv command and its prepare step, keepassxc-cli's, and the target ratio. `scratch` holds the
 * files a row rewrites (copied fresh from `dbA` before each run).
 */
export function pairRows({ STV, dbA, dbB, scratch }) {
  const eS = join(scratch, 'edit-s.kdbx');
  const eK = join(scratch, 'edit-k.kdbx');
  const mA = join(scratch, 'merge-a.kdbx');
  const mK = join(scratch, 'merge-k.kdbx');
  return {
    ls: { label: '1. open + `ls -R -f` (10k)', target: 0.5, args: [pipePw(`${STV} --no-agent --vault ${dbA} ls -R -f`), pipePw(`keepassxc-cli ls -q -R -f ${dbA}`)] },
    show: { label: '2. `show -s ENTRY` (10k)', target: 0.5, args: [pipePw(`${STV} --no-agent --vault ${dbA} show -s '${ENTRY}'`), pipePw(`keepassxc-cli show -q -s ${dbA} '${ENTRY}'`)] },
    find: { label: '3. `find` (10k)', target: 0.5, args: [pipePw(`${STV} --no-agent --vault ${dbA} find site42`), pipePw(`keepassxc-cli search -q ${dbA} site42`)] },
    merge: { label: '4. merge two 10k replicas (100 differ)', target: 0.5, args: [`printf '${PW}\\n' | ${STV} --no-agent -q --vault ${mA} merge -s ${dbB}`, `printf '${PW}\\n' | keepassxc-cli merge -q -s ${mK} ${dbB}`, `cp ${dbA} ${mA}`, `cp ${dbA} ${mK}`] },
    version: { label: '5. `--version`', target: 3, args: [`${STV} --version`, 'keepassxc-cli --version'] },
    edit: { label: '7. save after one edit (10k)', target: 0.5, args: [pipePw(`${STV} --no-agent -q --vault ${eS} edit '${ENTRY}' --notes changed`), pipePw(`keepassxc-cli edit -q ${eK} '${ENTRY}' --notes changed`), `cp ${dbA} ${eS}`, `cp ${dbA} ${eK}`] },
  };
}

/** Row 6: `show` served by an agent that `unlock` started; `lock --all` ends it. */
export const agentRow = ({ STV, dbA }) => ({
  unlock: pipePw(`${STV} --vault ${dbA} unlock --timeout 600`),
  show: `${STV} --vault ${dbA} show -s '${ENTRY}'`,
  lock: `${STV} lock --all`,
});

/** Row 8: the generator, and the same command for one password (its fixed cost). */
export const genRow = ({ STV }) => ({ many: `${STV} gen --count 100000 -q > /dev/null`, one: `${STV} gen --count 1 -q > /dev/null` });

/** Rows 9: the 100k vault. */
export function bigRows({ STV, big, scratch }) {
  const bS = join(scratch, 'merge-a100.kdbx');
  const bK = join(scratch, 'merge-k100.kdbx');
  return {
    ls: { label: '9a. open + `ls -R -f` (100k)', target: 0.5, args: [pipePw(`${STV} --no-agent --vault ${big.dbA} ls -R -f`), pipePw(`keepassxc-cli ls -q -R -f ${big.dbA}`)] },
    merge: { label: '9b. merge two 100k replicas', target: 0.5, args: [`printf '${PW}\\n' | ${STV} --no-agent -q --vault ${bS} merge -s ${big.dbB}`, `printf '${PW}\\n' | keepassxc-cli merge -q -s ${bK} ${big.dbB}`, `cp ${big.dbA} ${bS}`, `cp ${big.dbA} ${bK}`] },
  };
}

/** Row 10: peak RSS of these commands (keepassxc-cli's are the same on its own copies). */
export function rssRows({ STV, dbA, dbB, scratch }) {
  const mA = join(scratch, 'merge-a.kdbx');
  return {
    ls: pipePw(`${STV} --no-agent --vault ${dbA} ls -R -f`),
    merge: { prepare: `cp ${dbA} ${mA}`, cmd: `printf '${PW}\\n' | ${STV} --no-agent -q --vault ${mA} merge -s ${dbB}` },
  };
}
