/**
 * Sync-level properties (issue 17): copies of one vault are edited
 * independently — by stickvault (recorded in this machine's ledger) and by
 * "another program" (not recorded) — and synced in random subsets, so each
 * copy ends up with its own content and its own base. Then every choice of
 * local copy (or none) and every order of the sticks is synced from the same
 * starting point:
 * - the content is the same whatever the choice and the order;
 * - every copy ends byte-identical, and no value or entry set on any copy is
 *   lost (current, or in history);
 * - a second sync is idempotent: it writes nothing to any copy, base or
 *   sidecar, and keeps no new generation.
 * Deletions are generated too: an entry may be missing at the end only if a
 * copy deleted it after seeing every value it ever had (the test tracks what
 * each copy has seen: its own edits, and everything a sync brought it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempDir } from '../helpers/tools.js';
import { Vault, Entry, contentDigest, sha256Hex, type DerivedKey } from '../../src/vault/index.js';
import { runSync, recordLocalSave, findSticks, ensureVaultId, type SyncReport } from '../../src/sync/index.js';
import { newStick, writeStick } from '../../src/sync/sticks.js';

const COPIES = 3;
const FIELDS = ['UserName', 'Password', 'URL', 'Notes'] as const;
const runs = process.env.FUZZ_RUNS ? Math.max(10, Math.floor(Number(process.env.FUZZ_RUNS) / 100)) : 10;
// npm run fuzz: up to an hour; npm test: five minutes.
const TIME = process.env.FUZZ_RUNS ? 3_600_000 : 300_000;

let top: string;
let cleanup: () => void;
const savedState = process.env.XDG_STATE_HOME;
beforeAll(() => {
  ({ dir: top, cleanup } = tempDir('stv-sync-props-'));
});
afterAll(() => {
  process.env.XDG_STATE_HOME = savedState;
  cleanup();
});

type Op =
  | { kind: 'edit'; copy: number; entry: number; field: (typeof FIELDS)[number]; by: 'stv' | 'other' }
  | { kind: 'add'; copy: number; by: 'stv' | 'other' }
  | { kind: 'delete'; copy: number; entry: number }
  | { kind: 'sync'; copies: boolean[]; local: number };

const copyArb = fc.integer({ min: 0, max: COPIES - 1 });
const by = fc.constantFrom('stv' as const, 'other' as const);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('edit' as const), copy: copyArb, entry: fc.integer({ min: 0, max: 2 }), field: fc.constantFrom(...FIELDS), by }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), copy: copyArb, by }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), copy: copyArb, entry: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sync' as const), copies: fc.array(fc.boolean(), { minLength: COPIES, maxLength: COPIES }), local: copyArb }) },
);

/** One copy, wherever it is put: its file and the base it carries. */
interface Copy {
  content: Buffer;
  base?: Buffer;
}

interface World {
  dir: string;
  id: string;
  key: DerivedKey;
  copies: Copy[];
  /** This machine's private state (the ledger), copied into each run. */
  state: string;
  stickIds: string[];
}

async function world(dir: string): Promise<World> {
  const vault = await Vault.create('P', { password: Buffer.from('pw') }, {
    cipher: 'chacha20', compressed: true,
    kdf: { type: 'argon2id', salt: randomBytes(32), iterations: 1n, memoryBytes: 8n * 1024n * 1024n, parallelism: 1, version: 0x13 },
  });
  vault.db.meta.historyMaxItems = -1;
  vault.db.meta.historyMaxSize = -1;
  for (const t of ['E0', 'E1', 'E2']) {
    const e = vault.db.root.addEntry(new Entry());
    e.set('Title', t);
    for (const f of FIELDS) e.set(f, `${t}-${f}-0`);
  }
  const { id } = ensureVaultId(vault.db);
  const key = vault.derivedKey();
  const bytes = Buffer.from(vault.toBytes());
  vault.close();
  // As after a first sync: every copy and every base the same.
  const state = join(dir, 'state');
  mkdirSync(state, { recursive: true });
  return { dir, id, key, copies: Array.from({ length: COPIES }, () => ({ content: bytes, base: bytes })), state, stickIds: Array.from({ length: COPIES }, () => randomBytes(8).toString('hex')) };
}

/** Lays the copies out as one local file (copy `local`, its base in the state dir) and sticks in `order`; returns what runSync needs. */
function materialize(w: World, runDir: string, local: number | undefined, order: number[]) {
  rmSync(runDir, { recursive: true, force: true });
  const state = join(runDir, 'state');
  cpSync(w.state, state, { recursive: true });
  process.env.XDG_STATE_HOME = state;
  const localPath = join(runDir, 'laptop', 'v.kdbx');
  if (local !== undefined) {
    mkdirSync(join(runDir, 'laptop'), { recursive: true });
    writeFileSync(localPath, w.copies[local].content);
    if (w.copies[local].base) {
      mkdirSync(join(state, 'stickvault', 'bases'), { recursive: true });
      writeFileSync(join(state, 'stickvault', 'bases', `${w.id}.base.kdbx`), w.copies[local].base!);
    }
  }
  const roots = order.map((i) => {
    const root = join(runDir, `stick${i}`);
    mkdirSync(root, { recursive: true });
    writeStick(root, { ...newStick(`s${i}`), id: w.stickIds[i], vaults: { [w.id]: { file: 'v.kdbx' } } });
    writeFileSync(join(root, 'v.kdbx'), w.copies[i].content);
    if (w.copies[i].base) writeFileSync(join(root, '.stickvault', `${w.id}.base.kdbx`), w.copies[i].base!);
    return root;
  });
  const pathOf = (i: number) => (i === local ? localPath : join(runDir, `stick${i}`, 'v.kdbx'));
  const basePathOf = (i: number) => (i === local ? join(state, 'stickvault', 'bases', `${w.id}.base.kdbx`) : join(runDir, `stick${i}`, '.stickvault', `${w.id}.base.kdbx`));
  const sync = () => runSync({ vaultId: w.id, local: local === undefined ? undefined : { path: localPath }, sticks: findSticks(roots, []), open: (b) => Vault.open(b, w.key) });
  return { state, pathOf, basePathOf, sync, members: local === undefined ? order : [local, ...order] };
}

/** Reads the copies back after a sync in a materialized layout. */
function collect(w: World, m: ReturnType<typeof materialize>): void {
  for (const i of m.members) {
    w.copies[i] = { content: readFileSync(m.pathOf(i)), base: tryRead(m.basePathOf(i)) };
  }
  rmSync(w.state, { recursive: true, force: true });
  cpSync(m.state, w.state, { recursive: true });
}

function tryRead(p: string): Buffer | undefined {
  try {
    return readFileSync(p);
  } catch {
    return undefined;
  }
}

interface Expect {
  titles: Set<string>;
  /** Entry title → every value it was given. */
  values: Map<string, Set<string>>;
  /** Per copy: entry title → the values that copy has seen. */
  seen: Map<string, Set<string>>[];
  /** Entry title → the values a deletion of it had seen (one set per deletion). */
  deletedSeeing: Map<string, Set<string>[]>;
}

const seenBy = (ex: Expect, copy: number, title: string) => {
  let s = ex.seen[copy].get(title);
  if (!s) ex.seen[copy].set(title, (s = new Set()));
  return s;
};

async function apply(w: World, op: Op, n: number, ex: Expect): Promise<void> {
  if (op.kind === 'sync') {
    const members = op.copies.map((on, i) => (on ? i : -1)).filter((i) => i >= 0);
    if (!members.length) return;
    const local = members.includes(op.local) ? op.local : undefined;
    const m = materialize(w, join(w.dir, 'pre'), local, members.filter((i) => i !== local));
    const r = await m.sync();
    expect(r.copies.every((c) => c.status !== 'failed'), JSON.stringify(r.copies)).toBe(true);
    collect(w, m);
    // Every copy in the sync now has seen what any of them had seen.
    for (const title of new Set(members.flatMap((i) => [...ex.seen[i].keys()]))) {
      const all = new Set(members.flatMap((i) => [...seenBy(ex, i, title)]));
      for (const i of members) for (const v2 of all) seenBy(ex, i, title).add(v2);
    }
    return;
  }
  const before = w.copies[op.copy].content;
  const v = await Vault.open(before, w.key);
  const entries = [...v.db.entries()];
  if (op.kind === 'edit') {
    const e = entries.find((x) => x.title === `E${op.entry}`);
    if (!e) return v.close();
    const value = `E${op.entry}-${op.field}-${n}`;
    v.db.updateEntry(e, (x) => x.set(op.field, value));
    if (!ex.values.has(e.title)) ex.values.set(e.title, new Set());
    ex.values.get(e.title)!.add(value);
    seenBy(ex, op.copy, e.title).add(value);
  } else if (op.kind === 'add') {
    const e = v.db.root.addEntry(new Entry());
    e.set('Title', `T${n}`);
    ex.titles.add(`T${n}`);
  } else {
    const e = entries.find((x) => x.title === `E${op.entry}`);
    if (!e) return v.close();
    v.db.removeEntry(e, true);
    if (!ex.deletedSeeing.has(e.title)) ex.deletedSeeing.set(e.title, []);
    ex.deletedSeeing.get(e.title)!.push(new Set(seenBy(ex, op.copy, e.title)));
  }
  const after = Buffer.from(v.toBytes());
  v.close();
  w.copies[op.copy] = { ...w.copies[op.copy], content: after };
  if (op.kind !== 'delete' && op.by === 'stv') {
    process.env.XDG_STATE_HOME = w.state;
    recordLocalSave(join(w.dir, 'edits', `copy${op.copy}.kdbx`), w.id, sha256Hex(before), sha256Hex(after));
  }
}

/** Every file in a run, with its hash and mtime, except this machine's own bookkeeping (registry, ledger). */
function snapshot(runDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (!/sticks\.json$|[/]ledger[/]|sync-.*\.lock$/.test(p)) out.set(p, `${sha256Hex(readFileSync(p))}@${st.mtimeMs}`);
    }
  };
  walk(runDir);
  return out;
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

async function scenario(ops: Op[], k: number): Promise<void> {
  const w = await world(join(top, `s${k}`));
  const ex: Expect = { titles: new Set(['E0', 'E1', 'E2']), values: new Map(), seen: Array.from({ length: COPIES }, () => new Map()), deletedSeeing: new Map() };
  for (const [n, op] of ops.entries()) await apply(w, op, n + 1, ex);
  const start = w.copies.map((c) => ({ ...c }));
  const stateAtStart = join(w.dir, 'state-start');
  cpSync(w.state, stateAtStart, { recursive: true });

  const digests = new Map<string, string>();
  const all = [...Array(COPIES).keys()];
  const choices: [number | undefined, number[]][] = [
    ...all.flatMap((local) => permutations(all.filter((i) => i !== local)).map((order) => [local, order] as [number, number[]])),
    ...permutations(all).map((order) => [undefined, order] as [undefined, number[]]),
  ];
  for (const [local, order] of choices) {
    w.copies = start.map((c) => ({ ...c }));
    rmSync(w.state, { recursive: true, force: true });
    cpSync(stateAtStart, w.state, { recursive: true });
    const runDir = join(w.dir, 'run');
    const m = materialize(w, runDir, local, order);
    const r: SyncReport = await m.sync();
    const what = `local ${local}, sticks ${order.join(',')}: ${JSON.stringify(r.copies.map((c) => [c.label, c.status, c.detail]))}`;
    expect(r.copies.every((c) => c.status !== 'failed'), what).toBe(true);
    const shas = new Set(m.members.map((i) => sha256Hex(readFileSync(m.pathOf(i)))));
    expect(shas.size, what).toBe(1);
    const v = await Vault.open(readFileSync(m.pathOf(m.members[0])), w.key);
    digests.set(`local ${local}, sticks ${order.join(',')} (${r.mode})`, contentDigest(v.db));
    const entries = [...v.db.entries()];
    const titles = new Set(entries.map((e) => e.title));
    for (const t of ex.titles) if (!titles.has(t)) expect(ex.deletedSeeing.has(t), `${what}: ${t} is gone but no copy deleted it`).toBe(true);
    // A value may be gone only when a deletion that had seen it removed it (then the entry may live on
    // through another copy's unseen edit, without the deleted branch's values).
    for (const [t, values] of ex.values) {
      const e = entries.find((x) => x.title === t);
      const kept = new Set(e ? [e, ...e.history].flatMap((x) => FIELDS.map((f) => x.get(f))) : []);
      const sawAll = new Set((ex.deletedSeeing.get(t) ?? []).flatMap((d) => [...d]));
      for (const value of values) expect(kept.has(value) || sawAll.has(value), `${what}: ${t} lost ${value}, which no deletion had seen`).toBe(true);
    }
    v.close();

    // Idempotent: a second sync writes nothing anywhere.
    const before = snapshot(runDir);
    const again = await m.sync();
    expect(again.mode, what).toBe('identical');
    expect(again.copies.every((c) => c.status === 'unchanged'), what).toBe(true);
    expect(snapshot(runDir), what).toEqual(before);
  }
  const distinct = new Set(digests.values());
  expect(distinct.size, [...digests].map(([k2, d]) => `${k2}: ${d.slice(0, 12)}`).join('\n')).toBe(1);
  rmSync(w.dir, { recursive: true, force: true });
}

describe('sync properties (every local copy, every stick order)', () => {
  it('one content whatever copy is local and whatever the order of the sticks; nothing lost; a second sync writes nothing', async () => {
    let k = 0;
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), (ops) => scenario(ops, k++)), { numRuns: runs, ...(process.env.FUZZ_RUNS ? {} : { seed: 20261203 }) }); // npm test: one fixed seed; npm run fuzz: new ones
  }, TIME);

  it('a stv edit on one copy and another program\'s on a second, with partial syncs between, converge the same way', async () => {
    // A fixed case the generator may take long to find: three generations of bases.
    await scenario([
      { kind: 'edit', copy: 0, entry: 0, field: 'UserName', by: 'stv' },
      { kind: 'sync', copies: [true, true, false], local: 0 },
      { kind: 'edit', copy: 1, entry: 1, field: 'URL', by: 'other' },
      { kind: 'edit', copy: 2, entry: 0, field: 'Notes', by: 'stv' },
      { kind: 'sync', copies: [false, true, true], local: 1 },
      { kind: 'add', copy: 0, by: 'stv' },
      { kind: 'edit', copy: 2, entry: 0, field: 'UserName', by: 'other' },
    ], 1000);
  }, 120_000);
});
