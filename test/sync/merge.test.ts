/**
 * Merge properties over generated edit histories: commutative, idempotent and
 * associative by content; replicas synced pairwise in any order converge; no
 * version that was ever current on any replica is lost (history limits
 * lifted); clock skew of days loses nothing.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Database, Entry, Group, readXmlExport, writeXmlExport } from '../../src/vault/index.js';
import { mergeDatabases, fingerprint, CONFLICT_TAG } from '../../src/sync/index.js';

const DAY = 86_400_000;
const clone = (db: Database) => readXmlExport(writeXmlExport(db));

function base(): Database {
  const db = Database.create('base');
  db.meta.setText('HistoryMaxItems', '-1');
  db.meta.setText('HistoryMaxSize', '-1');
  const g = db.root.addGroup(new Group('G', '0000000000000000000000000000000a'));
  for (let i = 0; i < 4; i++) {
    const e = g.addEntry(new Entry(`0000000000000000000000000000010${i}`));
    e.set('Title', `E${i}`);
    e.set('Password', `p${i}`, true);
    const t = new Date(Date.UTC(2025, 0, 1));
    e.times.lastModification = t;
    e.times.creation = t;
    e.times.locationChanged = t;
  }
  return db;
}

type Op = { kind: 'edit' | 'add' | 'delete' | 'move'; entry: number; value: string };
const op = fc.record({ kind: fc.constantFrom('edit', 'edit', 'edit', 'add', 'delete', 'move'), entry: fc.nat(5), value: fc.string({ maxLength: 4 }) }) as fc.Arbitrary<Op>;

/** Apply ops as a replica whose clock is `skew` ms off; `seen` collects every version made current. */
function apply(db: Database, ops: Op[], replica: number, skew: number, seen: Set<string>): void {
  let clock = Date.UTC(2025, 0, 2) + skew + replica * 1000;
  for (const o of ops) {
    clock += 60_000;
    const at = new Date(Math.floor(clock / 1000) * 1000);
    const live = [...db.entries()].filter((e) => !db.isInRecycleBin(e));
    if (o.kind === 'add' || live.length === 0) {
      const e = db.root.addEntry(new Entry());
      e.set('Title', `new-${replica}-${o.value}`);
      e.set('Password', o.value, true);
      e.times.lastModification = at;
      e.times.creation = at;
      seen.add(fingerprint(e));
      continue;
    }
    const e = live[o.entry % live.length];
    if (o.kind === 'edit') {
      db.updateEntry(e, (x) => x.set('Password', `${x.get('Password')}+${replica}${o.value}`, true));
      e.times.lastModification = at;
      seen.add(fingerprint(e));
    } else if (o.kind === 'delete') {
      db.removeEntry(e, true);
      db.deletedObjects.set(e.uuid, at);
    } else {
      const target = db.root.groups[0] && e.parent !== db.root.groups[0] ? db.root.groups[0] : db.root;
      db.moveEntry(e, target);
      e.times.locationChanged = at;
    }
  }
}

/** Content of a database for comparison: what merge must make equal. */
function content(db: Database): unknown {
  const entries = [...db.entries()].sort((a, b) => (a.uuid < b.uuid ? -1 : 1)).map((e) => ({
    uuid: e.uuid,
    parent: e.parent!.uuid,
    fp: fingerprint(e),
    conflict: e.tags.includes(CONFLICT_TAG),
    history: e.history.map(fingerprint),
  }));
  const groups = [...db.root.allGroups()].map((g) => [g.uuid, g.name, g.parent?.uuid ?? null]).sort();
  return { entries, groups, deleted: [...db.deletedObjects.keys()].sort() };
}

function merged(a: Database, b: Database): Database {
  const m = clone(a);
  mergeDatabases(m, clone(b));
  return m;
}

const replicas = fc.tuple(fc.array(op, { maxLength: 6 }), fc.array(op, { maxLength: 6 }), fc.array(op, { maxLength: 6 }), fc.array(fc.integer({ min: -3 * DAY, max: 3 * DAY }), { minLength: 3, maxLength: 3 }));
/**
 * The same without permanent deletions: a KDBX deletion is only UUID + time,
 * so a deletion racing an edit from a skewed clock is decided by time and the
 * outcome can depend on merge order (documented limit in merge.ts); the
 * deletion rules have their own tests below.
 */
const noDelete = fc.array(op.filter((o) => o.kind !== 'delete'), { maxLength: 6 });
const replicasNoDelete = fc.tuple(noDelete, noDelete, noDelete, fc.array(fc.integer({ min: -3 * DAY, max: 3 * DAY }), { minLength: 3, maxLength: 3 }));

function makeReplicas([o1, o2, o3, skews]: [Op[], Op[], Op[], number[]], seen = new Set<string>()): Database[] {
  const b = base();
  for (const e of b.entries()) seen.add(fingerprint(e));
  return [o1, o2, o3].map((ops, i) => {
    const r = clone(b);
    apply(r, ops, i, skews[i], seen);
    return r;
  });
}

describe('merge properties', () => {
  it('is commutative by content', () => {
    fc.assert(fc.property(replicas, (r) => {
      const [a, b] = makeReplicas(r);
      expect(content(merged(a, b))).toEqual(content(merged(b, a)));
    }), { numRuns: 150 });
  });

  it('is idempotent', () => {
    fc.assert(fc.property(replicas, (r) => {
      const [a, b] = makeReplicas(r);
      const ab = merged(a, b);
      expect(content(merged(ab, ab))).toEqual(content(ab));
      expect(content(merged(ab, b))).toEqual(content(ab));
      expect(content(merged(ab, a))).toEqual(content(ab));
    }), { numRuns: 150 });
  });

  it('is associative', () => {
    fc.assert(fc.property(replicasNoDelete, (r) => {
      const [a, b, c] = makeReplicas(r);
      expect(content(merged(merged(a, b), c))).toEqual(content(merged(a, merged(b, c))));
    }), { numRuns: 150 });
  });

  it('three replicas synced pairwise in any order converge and lose no version (clock skew ±3 days)', () => {
    const order = fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: 3, maxLength: 8 });
    fc.assert(fc.property(replicasNoDelete, order, (r, pairs) => {
      const seen = new Set<string>();
      const reps = makeReplicas(r, seen);
      const sync = (i: number, j: number) => {
        if (i === j) return;
        const m = merged(reps[i], reps[j]);
        reps[i] = m;
        reps[j] = clone(m);
      };
      for (const [i, j] of pairs) sync(i, j);
      // Finish with a full round so every replica has met every other.
      sync(0, 1); sync(1, 2); sync(0, 1);
      const c0 = content(reps[0]);
      expect(content(reps[1])).toEqual(c0);
      expect(content(reps[2])).toEqual(c0);
      // Every version that was ever current is current or in history, unless its entry was deleted.
      const kept = new Set<string>();
      for (const e of reps[0].entries()) {
        kept.add(fingerprint(e));
        for (const h of e.history) kept.add(fingerprint(h));
      }
      const deleted = reps[0].deletedObjects;
      void deleted;
      for (const f of seen) expect(kept.has(f)).toBe(true);
    }), { numRuns: 100 });
  });
});

describe('merge semantics', () => {
  it('fast-forwards when one side only extends the other, without a conflict', () => {
    const a = base();
    const b = clone(a);
    const e = [...b.entries()][0];
    b.updateEntry(e, (x) => x.set('Password', 'newer', true));
    const report = mergeDatabases(a, clone(b));
    expect(report.conflicts).toEqual([]);
    const m = [...a.entries()].find((x) => x.uuid === e.uuid)!;
    expect(m.get('Password')).toBe('newer');
    expect(m.history.map((h) => h.get('Password'))).toEqual(['p0']);
    expect(m.tags).not.toContain(CONFLICT_TAG);
  });

  it('keeps both sides of concurrent edits, the later current, even when the later side has the slower clock', () => {
    const a = base();
    const b = clone(a);
    const ea = [...a.entries()][0];
    const eb = [...b.entries()][0];
    a.updateEntry(ea, (x) => x.set('Password', 'from-a', true));
    ea.times.lastModification = new Date(Date.UTC(2025, 0, 5));
    b.updateEntry(eb, (x) => x.set('Password', 'from-b', true));
    eb.times.lastModification = new Date(Date.UTC(2025, 0, 3)); // b's clock runs two days late
    const report = mergeDatabases(a, b);
    expect(report.conflicts).toHaveLength(1);
    const m = [...a.entries()][0];
    expect(m.get('Password')).toBe('from-a');
    expect(m.tags).toContain(CONFLICT_TAG);
    expect(m.history.map((h) => h.get('Password')).sort()).toEqual(['from-b', 'p0']);
  });

  it('a deletion concurrent with a later edit loses to the edit, and is reported', () => {
    const a = base();
    const b = clone(a);
    const e = [...a.entries()][0];
    a.removeEntry(e, true);
    a.deletedObjects.set(e.uuid, new Date(Date.UTC(2025, 0, 2)));
    const eb = [...b.entries()][0];
    b.updateEntry(eb, (x) => x.set('Password', 'edited-later', true));
    eb.times.lastModification = new Date(Date.UTC(2025, 0, 3));
    const report = mergeDatabases(a, b);
    expect([...a.entries()].find((x) => x.uuid === e.uuid)?.get('Password')).toBe('edited-later');
    expect(report.changes.some((c) => c.kind === 'kept')).toBe(true);
    expect(a.deletedObjects.has(e.uuid)).toBe(false);
  });

  it('a deletion after the last edit wins', () => {
    const a = base();
    const b = clone(a);
    const e = [...a.entries()][1];
    a.removeEntry(e, true);
    a.deletedObjects.set(e.uuid, new Date(Date.UTC(2025, 0, 9)));
    mergeDatabases(b, a);
    expect([...b.entries()].some((x) => x.uuid === e.uuid)).toBe(false);
  });

  it('merges moves, new groups, attachments and Meta CustomData', () => {
    const a = base();
    const b = clone(a);
    const g = b.root.addGroup(new Group('New'));
    const eb = [...b.entries()][2];
    b.moveEntry(eb, g);
    eb.attachments.set('f.bin', { data: new Uint8Array([1, 2, 3]), protect: false });
    eb.times.lastModification = new Date(Date.UTC(2025, 0, 4));
    b.setCustomData('stickvault.vault-id', 'X');
    mergeDatabases(a, b);
    const ea = [...a.entries()].find((x) => x.uuid === eb.uuid)!;
    expect(ea.path()).toBe('New/E2');
    expect([...ea.attachments.get('f.bin')!.data]).toEqual([1, 2, 3]);
    expect(a.getCustomData('stickvault.vault-id')).toBe('X');
  });
});
