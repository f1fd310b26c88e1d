/**
 * The `edit --editor` form: an untouched form changes nothing, values with
 * several lines and custom fields round-trip, PROTECTED keeps a secret, and
 * a damaged form is refused whole.
 */
import { describe, expect, it } from 'vitest';
import { Entry } from '../../src/vault/index.js';
import { entryForm, parseForm, applyForm, hasChanges } from '../../src/cli/editor-form.js';

function entry(): Entry {
  const e = new Entry();
  for (const f of ['Title', 'UserName', 'Password', 'URL', 'Notes']) e.set(f, '', f === 'Password');
  e.set('Title', 'NAS');
  e.set('UserName', 'root');
  e.set('Password', 'nas-secret');
  e.set('Notes', 'first\n\n  indented third');
  e.set('Address', 'line 1\nline 2');
  e.set('PIN', '4711', true);
  e.tags = ['home', 'lan'];
  return e;
}

describe('the editor form', () => {
  it('unchanged, it changes nothing; secrets are PROTECTED unless shown', () => {
    const e = entry();
    const text = entryForm(e, false);
    expect(text).toContain('Password: PROTECTED');
    expect(text).toContain('PIN: PROTECTED');
    expect(text).not.toContain('nas-secret');
    expect(hasChanges(parseForm(text, e))).toBe(false);
    const shown = entryForm(e, true);
    expect(shown).toContain('Password: nas-secret');
    expect(hasChanges(parseForm(shown, e))).toBe(false);
  });

  it('round-trips multi-line values and notes, adds and removes custom fields, keeps protection', () => {
    const e = entry();
    const text = entryForm(e, false).replace('Address: line 1\n  line 2\n', 'Address: line 1\n  line 2\n  line 3\nFloor: 2\n').replace('PIN: PROTECTED\n', '');
    const c = parseForm(text.replace('Password: PROTECTED', 'Password: new-secret'), e);
    expect(applyForm(e, c).sort()).toEqual(['-PIN', 'Address', 'Floor', 'Password'].sort());
    expect(e.get('Address')).toBe('line 1\nline 2\nline 3');
    expect(e.get('Floor')).toBe('2');
    expect(e.has('PIN')).toBe(false);
    expect(e.get('Password')).toBe('new-secret');
    expect(e.isProtected('Password')).toBe(true);
    expect(e.get('Notes')).toBe('first\n\n  indented third');
  });

  it('refuses a form without the notes mark, a fixed field, or with a field twice', () => {
    const e = entry();
    const text = entryForm(e, false);
    expect(() => parseForm(text.replace(/^--- notes ---$/m, ''), e)).toThrow(/notes ---' line is missing/);
    expect(() => parseForm(text.replace(/^URL: .*\n/m, ''), e)).toThrow(/'URL:' line is missing/);
    expect(() => parseForm(text.replace('Title: NAS', 'Title: NAS\nTitle: Again'), e)).toThrow(/there twice/);
  });
});
