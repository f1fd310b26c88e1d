/**
 * The merge rules one by one (docs/merge.md states them): versions and
 * per-field merges, deletions, groups, Meta, history limits, and what a
 * merge reports and says it changed.
 */
import { describe, expect, it } from 'vitest';
import { Group, entryVersionId, readConflict, resolveConflict, CONFLICT_TAG } from '../../../src/vault/index.js';
import { readSeen } from '../../../src/vault/merge/seen.js';
import { at, baseVault, clone, deleteEntry, deleteGroup, edit, entry, group, has, merge } from './helpers.js';

const pw = (e: { get(f: string): string }) => e.get('Password');

describe('entries: versions and fields', () => {
  it('a copy that only extends the other wins without a conflict, and history holds both', () => {
    const a = baseVault();
    const b = clone(a);
    edit(b, 'Bank', '2025-02-01T10:00:00Z', (e) => e.set('Password', 'newer', true));
    for (const r of [merge([a, b]), merge([b, a])]) {
      const m = entry(r.db, 'Bank');
      expect(pw(m)).toBe('newer');
      expect(m.tags).not.toContain(CONFLICT_TAG);
      expect(m.history.map(pw)).toEqual(['bank-pw-0', 'bank-pw-1']);
      expect(r.conflicts).toEqual([]);
    }
  });

  it('different fields changed on different copies combine, with no conflict', () => {
    const a = baseVault();
    const b = clone(a);
    edit(a, 'Bank', '2025-02-01T10:00:00Z', (e) => e.set('URL', 'https://bank.example'));
    edit(b, 'Bank', '2025-02-01T09:00:00Z', (e) => e.set('Password', 'from-b', true));
    const r = merge([a, b]);
    const m = entry(r.db, 'Bank');
    expect([m.get('URL'), pw(m)]).toEqual(['https://bank.example', 'from-b']);
    expect(m.tags).not.toContain(CONFLICT_TAG);
    expect(r.conflicts).toEqual([]);
    // Both edits stay in history as the versions they were.
    expect(m.history.map((h) => [h.get('URL'), pw(h)])).toEqual(expect.arrayContaining([['', 'from-b'], ['https://bank.example', 'bank-pw-1']]));
    expect(r.changes).toContainEqual(expect.objectContaining({ kind: 'updated', path: 'Finance/Bank', detail: 'Password' }));
  });

  it('the same field changed alike on both copies is no conflict', () => {
    const a = baseVault();
    const b = clone(a);
    edit(a, 'Bank', '2025-02-01T10:00:00Z', (e) => e.set('UserName', 'same'));
    edit(b, 'Bank', '2025-02-01T11:00:00Z', (e) => e.set('UserName', 'same'));
    const r = merge([a, b]);
    expect(entry(r.db, 'Bank').get('UserName')).toBe('same');
    expect(r.conflicts).toEqual([]);
  });

  it('the same field changed differently is a conflict: the later edit current, the other in history, the entry tagged and reported without values', () => {
    const a = baseVault();
    const b = clone(a);
    edit(a, 'Bank', '2025-02-01T10:00:00Z', (e) => e.set('Password', 'from-a', true));
    edit(b, 'Bank', '2025-02-01T11:00:00Z', (e) => e.set('Password', 'from-b', true));
    for (const [r, labels] of [[merge([a, b], { labels: ['laptop', 'white'] }), ['laptop', 'white']], [merge([b, a], { labels: ['white', 'laptop'] }), ['white', 'laptop']]] as const) {
      const m = entry(r.db, 'Bank');
      expect(pw(m)).toBe('from-b');
      expect(m.tags).toContain(CONFLICT_TAG);
      expect(m.history.map(pw)).toContain('from-a');
      expect([...readConflict(m).keys()]).toEqual(['s:Password']);
      expect(r.conflicts).toEqual([{
        uuid: m.uuid, path: 'Finance/Bank', fields: ['Password'],
        sides: expect.arrayContaining([
          { labels: ['laptop'], modified: '2025-02-01T10:00:00.000Z', current: [] },
          { labels: ['white'], modified: '2025-02-01T11:00:00.000Z', current: ['Password'] },
        ]),
      }]);
      void labels;
      expect(JSON.stringify([r.changes, r.conflicts])).not.toMatch(/from-a|from-b|bank-pw/);
    }
  });

  it('a value carried forward keeps the time of the edit that set it', () => {
    const a = baseVault();
    const b = clone(a);
    edit(a, 'Bank', '2025-02-01T01:00:00Z', (e) => e.set('Password', 'a-early', true));
    edit(a, 'Bank', '2025-02-01T05:00:00Z', (e) => e.set('Notes', 'a-notes'));
    edit(b, 'Bank', '2025-02-01T03:00:00Z', (e) => e.set('Password', 'b-middle', true));
    const m = entry(merge([a, b]).db, 'Bank');
    // b set the password after a did, though a's version is newer: b's password, a's notes.
    expect([pw(m), m.get('Notes')]).toEqual(['b-middle', 'a-notes']);
    expect([...readConflict(m).keys()]).toEqual(['s:Password']);
  });

  it('a tie in time is broken by the values, the same way in both orders', () => {
    const a = baseVault();
    const b = clone(a);
    edit(a, 'Bank', '2025-02-01T10:00:00Z', (e) => e.set('UserName', 'x'));
    edit(b, 'Bank', '2025-02-01T10:00:00Z', (e) => e.set('UserName', 'y'));
    const ab = entry(merge([a, b]).db, 'Bank');
    const ba = entry(merge([b, a]).db, 'Bank');
    expect(ab.get('UserName')).toBe(ba.get('UserName'));
    expect(entryVersionId(ab)).toBe(entryVersionId(ba));
  });

  it('bookkeeping is no edit: KeePassXC\'s _LAST_MODIFIED, access times, usage counts, the conflict tag', () => {
    const a = baseVault();
    const b = clone(a);
    const eb = entry(b, 'Bank');
    eb.customData.set('_LAST_MODIFIED', { value: 'Thu Dec 3 09:10:58 2026 GMT' });
    eb.times.lastAccess = at('2025-05-01T00:00:00Z');
    eb.times.usageCount = 7;
    const r = merge([a, b]);
    expect(r.conflicts).toEqual([]);
    expect(r.changes.filter((c) => c.kind !== 'history')).toEqual([]);
    expect(entryVersionId(entry(a, 'Bank'))).toBe(entryVersionId(eb));
  });

  it('a resolution is a new version: merged with a copy still in conflict, the conflict is gone', () => {
    const a = baseVault();
    const b = clone(a);
    edit(a, 'Bank', '2025-02-01T10:00:00Z', (e) => e.set('Password', 'from-a', true));
    edit(b, 'Bank', '2025-02-01T11:00:00Z', (e) => e.set('Password', 'from-b', true));
    const conflicted = merge([a, b]).db;
    const resolved = clone(conflicted);
    resolveConflict(resolved, entry(resolved, 'Bank'));
    for (const r of [merge([conflicted, resolved]), merge([resolved, conflicted])]) {
      const m = entry(r.db, 'Bank');
      expect(m.tags).not.toContain(CONFLICT_TAG);
      expect(readConflict(m).size).toBe(0);
      expect(pw(m)).toBe('from-b');
    }
  });

  it('an edit settles a conflict too', () => {
    const a = baseVault();
    const b = clone(a);
    edit(a, 'Bank', '2025-02-01T10:00:00Z', (e) => e.set('Password', 'from-a', true));
    edit(b, 'Bank', '2025-02-01T11:00:00Z', (e) => e.set('Password', 'from-b', true));
    const db = merge([a, b]).db;
    edit(db, 'Bank', '2025-02-02T00:00:00Z', (e) => e.set('Notes', 'looked at it'));
    expect(entry(db, 'Bank').tags).not.toContain(CONFLICT_TAG);
    expect(readConflict(entry(db, 'Bank')).size).toBe(0);
  });
});

describe('deletions', () => {
  it('a deletion that saw the version removes it, in both orders, and records what it saw', () => {
    const a = baseVault();
    const b = clone(a);
    deleteEntry(a, 'Bank', '2025-03-01T00:00:00Z');
    expect([...readSeen(a).get(entry(b, 'Bank').uuid)!]).toContain(entryVersionId(entry(b, 'Bank')));
    for (const r of [merge([a, b]), merge([b, a])]) {
      expect(has(r.db, 'Bank')).toBe(false);
      expect(r.db.deletedObjects.get(entry(b, 'Bank').uuid)).toEqual(at('2025-03-01T00:00:00Z'));
    }
    expect(merge([b, a]).changes).toContainEqual(expect.objectContaining({ kind: 'deleted', path: 'Finance/Bank' }));
  });

  it('clocks do not decide it: a deletion that saw the version wins even when stamped before it', () => {
    const a = baseVault();
    const b = clone(a);
    deleteEntry(a, 'Bank', '2020-01-01T00:00:00Z');
    expect(has(merge([b, a]).db, 'Bank')).toBe(false);
  });

  it('an edit the deletion had not seen keeps the entry, reported once as kept and as a conflict', () => {
    const a = baseVault();
    const b = clone(a);
    edit(a, 'Bank', '2025-02-01T22:00:00Z', (e) => e.set('Password', 'edited', true));
    deleteEntry(b, 'Bank', '2025-02-01T23:00:00Z');
    const r = merge([b, a], { labels: ['stick', 'laptop'] });
    expect(pw(entry(r.db, 'Bank'))).toBe('edited');
    expect(r.changes).toContainEqual(expect.objectContaining({ kind: 'kept', path: 'Finance/Bank' }));
    expect(r.conflicts).toEqual([expect.objectContaining({ fields: ['deleted elsewhere'], sides: expect.arrayContaining([expect.objectContaining({ labels: ['stick'], deleted: true })]) })]);
    const again = merge([r.db, b]);
    expect(again.differs[0]).toBe(false);
    expect(again.conflicts).toEqual([]);
    expect(again.changes).toEqual([]);
  });

  it('a copy that lacks an entry its base had deleted it (pykeepass leaves no record); without the base it comes back', () => {
    const base = baseVault();
    const a = clone(base);
    const b = clone(base);
    const e = entry(a, 'Mail');
    e.parent!.entries.splice(e.parent!.entries.indexOf(e), 1);
    expect(has(merge([a, b], { base }).db, 'Mail')).toBe(false);
    expect(has(merge([a, b]).db, 'Mail')).toBe(true);
  });

  it('a deletion known only by its time (KeePassXC, no base) removes what no later version outlives', () => {
    const a = baseVault();
    const b = clone(a);
    const e = entry(a, 'Mail');
    e.parent!.entries.splice(e.parent!.entries.indexOf(e), 1);
    a.deletedObjects.set(e.uuid, at('2025-03-01T00:00:00Z'));
    expect(has(merge([a, b]).db, 'Mail')).toBe(false);
    edit(b, 'Mail', '2025-04-01T00:00:00Z', (x) => x.set('Notes', 'later'));
    expect(has(merge([a, b]).db, 'Mail')).toBe(true);
  });

  it('a deleted group survives a rename the deleter had not seen; a stale copy does not bring a deleted empty group back', () => {
    const a = baseVault();
    const b = clone(a);
    deleteGroup(a, 'Finance', '2025-03-01T00:00:00Z');
    const fin = group(b, 'Finance')!;
    fin.name = 'Money';
    fin.times.lastModification = at('2025-02-01T00:00:00Z');
    for (const r of [merge([a, b]), merge([b, a])]) {
      expect(group(r.db, 'Money')).toBeDefined();
      expect(has(r.db, 'Bank')).toBe(false);
    }
    const c = baseVault();
    const d = clone(c);
    const empty = c.root.addGroup(new Group('Empty'));
    empty.times.lastModification = empty.times.locationChanged = at('2025-01-01T00:00:00Z');
    const stale = clone(c);
    c.removeGroup(group(c, 'Empty')!, true);
    void d;
    for (const r of [merge([c, stale]), merge([stale, c])]) {
      expect(group(r.db, 'Empty')).toBeUndefined();
      expect(group(merge([r.db, stale]).db, 'Empty')).toBeUndefined();
    }
  });
});

describe('groups, Meta, history', () => {
  it('the later rename wins; with bases, a copy that did not rename cannot win with a later clock', () => {
    const base = baseVault();
    const a = clone(base);
    const b = clone(base);
    const g = group(a, 'Finance')!;
    g.name = 'Money';
    g.times.lastModification = at('2024-06-01T00:00:00Z'); // a's clock is behind the base's
    group(b, 'Finance')!.times.lastAccess = at('2025-05-01T00:00:00Z');
    expect(group(merge([a, b], { base }).db, 'Money')).toBeDefined();
    expect(group(merge([a, b]).db, 'Finance')).toBeDefined(); // without bases: last writer by clock
  });

  it('Meta: the name by its change time, CustomData item by item, icons and deletion records as unions', () => {
    const a = baseVault();
    const b = clone(a);
    b.meta.databaseName = 'Renamed';
    b.meta.set('DatabaseNameChanged', at('2030-01-01T00:00:00Z'));
    b.meta.customData.set('k', { value: 'from-b', lastModified: at('2025-02-01T00:00:00Z') });
    a.meta.customData.set('k', { value: 'from-a', lastModified: at('2025-01-01T00:00:00Z') });
    b.meta.customIcons.push({ uuid: '0000000000000000000000000000c0c0', data: new Uint8Array([1, 2]) });
    const r = merge([a, b]);
    expect(r.db.meta.databaseName).toBe('Renamed');
    expect(r.db.meta.customData.get('k')?.value).toBe('from-b');
    expect(r.db.meta.customIcons.map((i) => i.uuid)).toContain('0000000000000000000000000000c0c0');
    expect(r.changes).toContainEqual(expect.objectContaining({ kind: 'meta' }));
  });

  it('history limits apply after merging, but never drop the other side of an open conflict', () => {
    const a = baseVault();
    a.meta.historyMaxItems = 1;
    const b = clone(a);
    for (let i = 0; i < 3; i++) edit(a, 'Bank', `2025-02-0${i + 1}T10:00:00Z`, (e) => e.set('Password', `a${i}`, true));
    edit(b, 'Bank', '2025-02-01T11:00:00Z', (e) => e.set('Password', 'b-loses', true));
    const m = entry(merge([a, b]).db, 'Bank');
    expect(pw(m)).toBe('a2');
    expect(m.history.map(pw)).toContain('b-loses');
    expect(m.history.length).toBe(2); // the limit, plus the conflict's other side
  });
});

describe('what a merge says', () => {
  it('identical copies: nothing differs, nothing changes', () => {
    const a = baseVault();
    const r = merge([a, clone(a), clone(a)]);
    expect(r.differs).toEqual([false, false, false]);
    expect(r.changes).toEqual([]);
  });

  it('a copy that only lacks history, a tag or a deletion record still differs, and says how', () => {
    const a = baseVault();
    const b = clone(a);
    entry(b, 'Bank').history.shift();
    let r = merge([b, a]);
    expect(r.differs).toEqual([true, false]);
    expect(r.changes).toEqual([expect.objectContaining({ kind: 'history', path: 'Finance/Bank' })]);
    const c = clone(a);
    c.deletedObjects.set('0123456789abcdef0123456789abcdef', at('2025-01-05T00:00:00Z'));
    r = merge([a, c]);
    expect(r.differs).toEqual([true, false]);
    expect(r.changes).toEqual([expect.objectContaining({ kind: 'deletions' })]);
  });
});
