import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Entry } from '../../src/vault/index.js';
import { fingerprint, surelySameContent, CONFLICT_TAG } from '../../src/sync/fingerprint.js';

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
