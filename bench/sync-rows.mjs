// The sync rows of `npm run bench`: a key-less fast-forward of a 10k vault to
// two sticks (plain directories here) should cost what copying the file
// costs — it is I/O bound — so it is timed against `cp` + `sync(1)` of the
// same bytes to the same places.
import { mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';

export function syncRows({ work, STV, PW, dbA, time, sh, log }) {
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
  const ff = time('stv sync ff', `${stv('sync')} < /dev/null`, restore);
  const cp = time('cp to sticks', `${sticks.map((s) => `cp ${local} ${s}/v.kdbx`).join(' && ')} && sync`, restore);
  // The same command when every copy is already the same: its fixed cost (Node's start, module
  // load, reading and hashing the copies). The fast-forward's own work is the difference.
  sh(`${restore} && ${stv('sync')} < /dev/null`);
  const noop = time('stv sync noop', `${stv('sync')} < /dev/null`);
  return { label: 'sync: key-less fast-forward to 2 sticks (10k) vs `cp` + `sync`', stv: ff, other: cp, noop };
}
