/**
 * stv audit on a vault someone else wrote (pykeepass: expiry, an old
 * password kept through an edit, one renewed, an entry excluded from
 * reports), against a generated Pwned Passwords file of two million lines
 * and a local range API server on 127.0.0.1 (only 5 hex digits of each
 * SHA-1 sent). Exit 0 when clean, 1 when something is found; no password
 * is ever printed.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STV, isolatedEnv, pykeepass, stv, tempDir, type RunResult } from '../helpers/tools.js';
import { writeHibpFile } from '../helpers/hibp.mjs';

const MASTER = 'audit master pw';
const PW = {
  weak: 'password1',
  shared: 'Vq7#mZ2$kP9@wL4!',
  short: 'Hx7!qP2$kW9',
  expired: 'Ty8%nC3&vB6*jM1^',
  old: 'Gw5@rK8#uZ1$hN4%',
  renewed: 'Jm3^sD6&fQ9*xV2#',
  breached: 'Lp4$yT7!cR0@bW5&',
  excluded: 'abc',
};
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex').toUpperCase();
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
let pwFile: string;
let hibp: string;
let server: Server;
const requests: { url: string; headers: Record<string, unknown> }[] = [];
const breachedCounts = new Map([[sha1(PW.weak), 2_400_000], [sha1(PW.breached), 3]]);

/** stv run asynchronously: the range server answers from this process. */
function sv(args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [STV, '--no-agent', '--password-file', pwFile, '--vault', vault, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
    child.stdin.end();
  });
}

function expectNoPassword(r: RunResult): void {
  for (const p of Object.values(PW)) {
    expect(r.stdout.includes(p), p).toBe(false);
    expect(r.stderr.includes(p), p).toBe(false);
  }
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('stv-audit-'));
  env = isolatedEnv(dir);
  vault = join(dir, 'v.kdbx');
  pwFile = join(dir, 'pw');
  writeFileSync(pwFile, `${MASTER}\n`, { mode: 0o600 });
  const made = pykeepass(`
import sys, datetime
from pykeepass import create_database
from lxml.etree import SubElement
utc = datetime.timezone.utc
pw = dict(a.split('=', 1) for a in sys.argv[3:])
kp = create_database(sys.argv[1], password=sys.argv[2])
web = kp.add_group(kp.root_group, 'Web')
kp.add_entry(web, 'Weak', 'u', pw['weak'])
kp.add_entry(web, 'Shared A', 'u', pw['shared'])
kp.add_entry(kp.root_group, 'Shared B', 'u', pw['shared'])
kp.add_entry(web, 'Short', 'u', pw['short'])
e = kp.add_entry(web, 'Expired', 'u', pw['expired'], expiry_time=datetime.datetime(2021, 1, 1, tzinfo=utc))
e.expires = True
# The password was set in 2019; a username edit since then keeps it: old.
e = kp.add_entry(web, 'Old', 'u', pw['old'])
e.mtime = datetime.datetime(2019, 3, 1, tzinfo=utc)
e.save_history()
e.username = 'u2'
e.mtime = datetime.datetime.now(utc)
# A 2019 version with another password, renewed now: not old.
e = kp.add_entry(web, 'Renewed', 'u', 'Old-pw-of-2019-Zz9!')
e.mtime = datetime.datetime(2019, 3, 1, tzinfo=utc)
e.save_history()
e.password = pw['renewed']
e.mtime = datetime.datetime.now(utc)
kp.add_entry(web, 'Breached', 'u', pw['breached'])
e = kp.add_entry(web, 'Excluded', 'u', pw['excluded'])
SubElement(e._element, 'QualityCheck').text = 'False'
kp.add_entry(web, 'No password', 'u', '')
kp.add_entry(kp.root_group, 'Binned', 'u', pw['weak'])
kp.save()
kp.trash_entry(kp.find_entries(title='Binned', first=True))
kp.save()
`, [vault, MASTER, ...Object.entries(PW).map(([k, v]) => `${k}=${v}`)]);
  expect(made.status, made.stderr).toBe(0);
  hibp = join(dir, 'pwned-passwords-sha1-ordered-by-hash.txt');
  writeHibpFile(hibp, { lines: 2_000_000, seed: 3, include: breachedCounts });
  // The range API: every suffix of the planted hashes under its prefix, plus padding lines (count 0).
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    const prefix = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? '')?.[1];
    if (!prefix) {
      res.writeHead(404).end();
      return;
    }
    const lines = [...breachedCounts].filter(([h]) => h.startsWith(prefix)).map(([h, c]) => `${h.slice(5)}:${c}`);
    for (let i = 0; i < 50; i++) lines.push(`${createHash('sha1').update(`pad${i}`).digest('hex').slice(5).toUpperCase()}:0`);
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(lines.join('\r\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
}, 120_000);
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  cleanup?.();
});

interface Report {
  audited: number;
  skipped: { recycled: number; noPassword: number; excluded: number };
  totals: Record<string, number>;
  entries: { path: string; findings: { kind: string; [k: string]: unknown }[] }[];
}
const kinds = (r: Report, path: string) => r.entries.find((e) => e.path === path)?.findings.map((f) => f.kind) ?? [];

describe('stv audit', () => {
  test('weak, reused, short, old (through the history), expired; skips recycle bin, empty and excluded entries; exit 1', async () => {
    const r = await sv(['--json', 'audit', '--older-than', '2y']);
    expect(r.status, r.stderr).toBe(1);
    expectNoPassword(r);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.audited).toBe(8);
    expect(rep.skipped).toEqual({ recycled: 1, noPassword: 1, excluded: 1 });
    expect(kinds(rep, 'Web/Weak')).toEqual(['weak', 'short']);
    expect(kinds(rep, 'Web/Shared A')).toEqual(['reused']);
    expect(rep.entries.find((e) => e.path === 'Shared B')?.findings[0]).toEqual({ kind: 'reused', with: ['Web/Shared A'] });
    expect(kinds(rep, 'Web/Short')).toEqual(['short']);
    expect(kinds(rep, 'Web/Expired')).toEqual(['expired']);
    expect(kinds(rep, 'Web/Old')).toEqual(['old']);
    expect(kinds(rep, 'Web/Renewed')).toEqual([]);
    expect(kinds(rep, 'Web/Breached')).toEqual([]);
    expect(rep.totals).toMatchObject({ weak: 1, reused: 2, short: 2, old: 1, expired: 1, breached: 0 });
    const weak = rep.entries.find((e) => e.path === 'Web/Weak')!.findings[0];
    expect(weak).toMatchObject({ kind: 'weak', score: 0 });
    expect(weak.guessesLog10 as number).toBeLessThan(4);
  });

  test('--hibp FILE (two million lines, ordered by hash) finds the breached passwords with their counts', async () => {
    const r = await sv(['--json', 'audit', '--hibp', hibp]);
    expect(r.status, r.stderr).toBe(1);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.totals.breached).toBe(2);
    expect(rep.entries.find((e) => e.path === 'Web/Breached')!.findings).toEqual([{ kind: 'breached', count: 3 }]);
    expect(rep.entries.find((e) => e.path === 'Web/Weak')!.findings).toContainEqual({ kind: 'breached', count: 2_400_000 });
  });

  test('--hibp-online asks the configured range API with 5 hex digits per password and nothing more', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/range/`;
    expect(stv(['config', 'set', 'hibpRangeUrl', url], { env }).status).toBe(0);
    const r = await sv(['--json', 'audit', '--hibp-online']);
    expect(r.status, r.stderr).toBe(1);
    const rep = JSON.parse(r.stdout) as Report;
    expect(rep.entries.find((e) => e.path === 'Web/Breached')!.findings).toEqual([{ kind: 'breached', count: 3 }]);
    expect(rep.totals.breached).toBe(2);
    // One request per distinct prefix of the 8 distinct audited passwords; never a whole hash.
    const prefixes = new Set(Object.entries(PW).filter(([k]) => k !== 'excluded').map(([, p]) => sha1(p).slice(0, 5)));
    expect(requests.map((q) => q.url).sort()).toEqual([...prefixes].map((p) => `/range/${p}`).sort());
    for (const q of requests) {
      expect(q.headers['add-padding']).toBe('true');
      const text = JSON.stringify(q);
      for (const p of Object.values(PW)) expect(text.includes(sha1(p).slice(5, 15))).toBe(false);
    }
  });

  test('text output: a summary first, flagged entries, and the details with -v', async () => {
    const r = await sv(['audit', '-v', '--hibp', hibp, 'Web']);
    expect(r.status).toBe(1);
    expectNoPassword(r);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('audited 7 entries (skipped 1 without a password, 1 excluded from reports): 5 need a look');
    expect(r.stdout).toContain('  breached      2 (Pwned Passwords: ');
    expect(r.stdout).toContain('Web/Weak: weak, short, breached\n  weak: zxcvbn score 0 of 4, about 10^');
    expect(r.stdout).toContain('  breached: seen 2,400,000 times in data breaches');
    expect(r.stdout).toContain('  reused: the same password as Shared B');
  });

  test('a clean group exits 0', async () => {
    expect(stv(['--no-agent', '--password-file', pwFile, '--vault', vault, 'mkdir', 'Clean'], { env }).status).toBe(0);
    const r = await sv(['audit', '--hibp', hibp, 'Clean']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('audited 0 entries: nothing found');
  });

  test('bad input: a file that is not HIBP (exit 6), a bad age (exit 2), an unreachable API (exit 1), one line each', async () => {
    const notHibp = join(dir, 'x.txt');
    writeFileSync(notHibp, 'not a breach file\n');
    const bad = await sv(['audit', '--hibp', notHibp]);
    expect(bad.status).toBe(6);
    expect(bad.stderr).toMatch(/^stv: .* is not a Pwned Passwords SHA-1 file[^\n]*\n$/);
    const age = await sv(['audit', '--older-than', 'soon']);
    expect(age.status).toBe(2);
    const down = await sv(['audit', '--hibp-online', '--hibp-url', 'http://127.0.0.1:1/range/']);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/^stv: cannot reach the Pwned Passwords API at http:\/\/127\.0\.0\.1:1\/range\/[^\n]*\n$/);
  });
});
