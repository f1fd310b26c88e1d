import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Entry } from '../../../src/vault/index.js';
import { entryVersionId, fingerprint, surelySameContent, versionId } from '../../../src/vault/merge/fingerprint.js';
import { CONFLICT_TAG } from '../../../src/vault/merge/records.js';
import { unmodelled } from '../../../src/vault/format/unmodelled.js';

function entry(title: string, password: string, notes: string): Entry {
  const e = new Entry('00000000000000000000000000000001');
  e.set('Title', title);
  e.set('Password', password, true);
  e.set('Notes', notes);
  return e;
}

describe('entry fingerprints', () => {
  it('the no-hash shortcut says "same" only when the fingerprints are equal', () => {
    const field = fc.string({ maxLength: 3, unit: fc.constantFrom('a', 'b', '\u0000', 'P', 'S') });
    fc.assert(
      fc.property(field, field, field, field, field, field, (t1, p1, n1, t2, p2, n2) => {
        const a = entry(t1, p1, n1);
        const b = entry(t2, p2, n2);
        if (surelySameContent(a, b)) expect(fingerprint(a)).toBe(fingerprint(b));
        expect(surelySameContent(a, a.clone())).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('the shortcut agrees with the fingerprints on every part an entry has', () => {
    const word = fc.constantFrom('', 'a', 'b', 'a\u0000b');
    const spec = fc.record({
      fields: fc.dictionary(fc.constantFrom('Title', 'Password', 'x', 'y'), fc.tuple(word, fc.boolean()), { maxKeys: 3 }),
      tags: fc.array(fc.constantFrom('t', 'u', CONFLICT_TAG), { maxLength: 3 }),
      custom: fc.dictionary(fc.constantFrom('k', 'l', '_LAST_MODIFIED', 'stickvault.conflict'), word, { maxKeys: 3 }),
      extra: fc.constantFrom('', 'x', 'y'),
      attachments: fc.dictionary(fc.constantFrom('f', 'g'), fc.constantFrom('', 'x', 'y'), { maxKeys: 2 }),
      icon: fc.constantFrom(0, 1),
      expires: fc.boolean(),
      expiry: fc.constantFrom(0, 1000),
      autoType: fc.constantFrom('none', 'default', 'off'),
    });
    const make = (s: typeof spec extends fc.Arbitrary<infer T> ? T : never) => {
      const e = new Entry('00000000000000000000000000000001');
      for (const [k, [v, p]] of Object.entries(s.fields)) e.set(k, v, p);
      e.tags = [...s.tags];
      for (const [k, v] of Object.entries(s.custom)) e.customData.set(k, { value: v });
      for (const [k, v] of Object.entries(s.attachments)) e.attachments.set(k, { data: Buffer.from(v), protect: false });
      e.iconId = s.icon;
      e.times.expires = s.expires;
      e.times.expiry = new Date(s.expiry);
      if (s.extra) e.extra.push(unmodelled({ name: 'Unknown', attrs: null, children: [], text: s.extra }));
      if (s.autoType === 'none') e.autoType = undefined;
      else if (s.autoType === 'off') e.autoType = unmodelled({ name: 'AutoType', attrs: null, text: '', children: [{ name: 'Enabled', attrs: null, text: 'False', children: [] }] });
      return e;
    };
    fc.assert(
      // The second entry is the first with at most one part replaced, so each part alone gets tested.
      fc.property(spec, spec, fc.constantFrom('none', 'fields', 'tags', 'custom', 'attachments', 'icon', 'expires', 'expiry', 'autoType', 'extra'), (x, other, part) => {
        const a = make(x);
        const b = make(part === 'none' ? x : { ...x, [part]: other[part as keyof typeof x] });
        expect(surelySameContent(a, b)).toBe(fingerprint(a) === fingerprint(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores the conflict tag and notices a changed password', () => {
    const a = entry('t', 'secret', '');
    const tagged = a.clone();
    tagged.tags.push(CONFLICT_TAG);
    expect(surelySameContent(a, tagged)).toBe(true);
    const changed = a.clone();
    changed.set('Password', 'other', true);
    expect(surelySameContent(a, changed)).toBe(false);
    expect(fingerprint(a)).not.toBe(fingerprint(changed));
  });
});

describe('version ids', () => {
  it('ignore bookkeeping (KeePassXC\'s _LAST_MODIFIED, merge records, access times) and see unknown elements', () => {
    const a = entry('t', 'secret', 'n');
    const b = a.clone();
    b.customData.set('_LAST_MODIFIED', { value: 'Thu Dec 3 09:10:58 2026 GMT' });
    b.customData.set('stickvault.conflict', { value: '{"s:Password":["x"]}' });
    b.times.lastAccess = new Date(Date.UTC(2030, 0, 1));
    b.times.usageCount = 9;
    expect(surelySameContent(a, b)).toBe(true);
    expect(entryVersionId(a)).toBe(entryVersionId(b));
    const c = a.clone();
    c.extra.push(unmodelled({ name: 'Unknown', attrs: null, children: [], text: 'x' }));
    expect(surelySameContent(a, c)).toBe(false);
    expect(fingerprint(a)).not.toBe(fingerprint(c));
  });

  it('differ for the same content at another time (a restore is a new version), and for a merge version of the same content', () => {
    const a = entry('t', 'secret', 'n');
    const restored = a.clone();
    restored.times.lastModification = new Date(a.times.lastModification.getTime() + 1000);
    expect(entryVersionId(restored)).not.toBe(entryVersionId(a));
    const merged = a.clone();
    merged.customData.set('stickvault.merged', { value: `${versionId(fingerprint(a), a.times.lastModification, true)} p1,p2` });
    expect(entryVersionId(merged)).toBe(versionId(fingerprint(a), a.times.lastModification, true));
    expect(entryVersionId(merged)).not.toBe(entryVersionId(a));
    // A record copied onto an edited version (KeePassXC keeps CustomData) no longer holds: a user's version again.
    merged.set('Notes', 'edited elsewhere');
    expect(entryVersionId(merged)).toBe(versionId(fingerprint(merged), merged.times.lastModification));
  });
});
