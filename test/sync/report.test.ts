/**
 * What `stv sync` and `stv stick ls` tell the user (issue 17, "Sync reports
 * the truth"): a known stick that holds the vault but is not mounted is
 * named with how far behind it is; `stick ls` counts local edits made since
 * the last sync; `--dry-run` says "would update" and lists the changes; a
 * conflict names its fields (never two identical titles and times) and
 * exits 7; `sync --watch` also syncs the mounted sticks after a local save.
 * Sticks here are plain directories named in the config's stickPaths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { STV, stv, tempDir, isolatedEnv, type RunResult } from '../helpers/tools.js';

const PW = 'report test pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let local: string;
let pwFile: string;
const stickRoot = (name: string) => join(dir, 'media', name);
const copyOn = (name: string) => join(stickRoot(name), 'personal.kdbx');
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

const run = (args: string[], o: { key?: boolean } = {}): RunResult =>
  stv(['--no-agent', ...(o.key === false ? [] : ['--password-file', pwFile]), ...args], { env, input: '' });
const ok = (args: string[], o?: { key?: boolean }) => {
  const r = run(args, o);
  if (r.status !== 0) throw new Error(`stv ${args.join(' ')} → ${r.status}: ${r.stderr}`);
  return r;
};

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-sync-report-'));
  env = isolatedEnv(dir);
  pwFile = join(dir, 'pw');
  writeFileSync(pwFile, `${PW}\n`, { mode: 0o600 });
  local = join(dir, 'laptop', 'personal.kdbx');
  for (const d of [join(dir, 'laptop'), stickRoot('white'), stickRoot('white-backup'), join(dir, 'config', 'stickvault')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(dir, 'config', 'stickvault', 'config.json'), JSON.stringify({
    defaultVault: 'personal', vaults: { personal: { path: local } }, stickPaths: [stickRoot('white'), stickRoot('white-backup')],
  }));
  ok(['init', '--kdf-iterations', '2', '--kdf-memory', '8']);
  ok(['mkdir', 'Shop']);
  ok(['add', 'Shop/eBay', '-u', 'fred']);
  ok(['stick', 'init', stickRoot('white'), '--label', 'white']);
  ok(['stick', 'init', stickRoot('white-backup'), '--label', 'white-backup']);
});
afterAll(() => cleanup?.());

describe('stv sync and stick ls report the truth', () => {
  it('stick ls counts local edits made since the last sync', () => {
    // Only this test's sticks: loop-mounted sticks of other test runs are in the mount table too.
    const ls = () => (JSON.parse(ok(['--json', 'stick', 'ls']).stdout) as { path: string; label: string; vaults: { staleness: { current: boolean; localEdits?: boolean } }[] }[]).filter((s) => s.path.startsWith(dir));
    expect(ls()).toHaveLength(2);
    expect(ls().every((s) => s.vaults[0].staleness.current)).toBe(true);
    ok(['add', 'Shop/Amazon', '-u', 'fred']);
    for (const s of ls()) expect(s.vaults[0].staleness).toMatchObject({ current: false, localEdits: true });
    expect(ok(['stick', 'ls']).stdout).toMatch(/white-backup[\s\S]*behind the local edits made since the last sync/);
    ok(['sync']);
    expect(ls().every((s) => s.vaults[0].staleness.current)).toBe(true);
  });

  it('--dry-run says "would update" and lists the changes the merge would make', () => {
    ok(['add', 'Shop/LocalOnly', '-u', 'l']);
    ok(['--vault', copyOn('white'), 'add', 'Shop/StickOnly', '-u', 's']);
    const before = [sha(local), sha(copyOn('white')), sha(copyOn('white-backup'))];
    const r = run(['sync', '--dry-run']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/local\s+would update/);
    expect(r.stdout).toMatch(/white-backup\s+would update/);
    expect(r.stdout).toMatch(/added: Shop\/StickOnly/);
    expect(r.stdout).toContain('dry run: nothing written');
    expect([sha(local), sha(copyOn('white')), sha(copyOn('white-backup'))]).toEqual(before);
    const json = JSON.parse(run(['--json', 'sync', '--dry-run']).stdout).vaults[0];
    expect(json.changes).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'added', path: 'Shop/StickOnly' })]));
    ok(['sync']);
  });

  it('a conflict names the field both copies changed (not one only one changed) and where, and exits 7', () => {
    ok(['edit', 'Shop/eBay', '-u', 'laptop-user']);
    ok(['--vault', copyOn('white'), 'edit', 'Shop/eBay', '--url', 'https://stick.example', '-u', 'stick-user']);
    const r = run(['sync']);
    expect(r.status).toBe(7);
    const line = r.stdout.split('\n').find((l) => l.includes('conflict: Shop/eBay'))!;
    expect(line).toMatch(/UserName/);
    // Only the stick changed the URL: it merges in without a conflict.
    expect(line).not.toMatch(/URL|Password|Notes|Title/);
    expect(line).toMatch(/local/);
    expect(line).toMatch(/white/);
    const json = JSON.parse(run(['--json', 'sync']).stdout).vaults[0];
    expect(json.conflicts).toEqual([]); // the next sync has nothing left to merge
  });

  it('names a known stick that holds the vault but is not mounted, and how many syncs behind it is', () => {
    renameSync(stickRoot('white-backup'), `${stickRoot('white-backup')}.away`);
    try {
      ok(['add', 'Shop/One', '-u', 'x']);
      ok(['sync']);
      ok(['add', 'Shop/Two', '-u', 'x']);
      const r = run(['sync']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/white-backup\s+not mounted\s+2 syncs behind/);
      const json = JSON.parse(run(['--json', 'sync']).stdout).vaults[0];
      expect(json.absent).toEqual([expect.objectContaining({ label: 'white-backup', syncsBehind: 2 })]);
    } finally {
      renameSync(`${stickRoot('white-backup')}.away`, stickRoot('white-backup'));
    }
    const back = run(['sync']);
    expect(back.status, back.stderr).toBe(0);
    expect(back.stdout).not.toMatch(/not mounted/);
    expect(sha(copyOn('white-backup'))).toBe(sha(local));
  });

  it('sync --watch also syncs the mounted sticks after a local save', async () => {
    const child = spawn(process.execPath, [STV, '--no-agent', '--password-file', pwFile, 'sync', 'personal', '--watch', '--watch-dir', join(dir, 'media')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    try {
      await until(() => output.includes('watching') && /white-backup\s+unchanged/.test(output), 30_000, () => output); // its first look: everything already in sync
      ok(['add', 'Shop/SavedWhileWatching', '-u', 'w']);
      await until(() => sha(copyOn('white')) === sha(local) && sha(copyOn('white-backup')) === sha(local), 30_000, () => output);
      expect(output).toMatch(/was saved; syncing it/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});

async function until(cond: () => boolean, ms: number, say = () => ''): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met in time ${say()}`);
}
