/**
 * Per-site aliases: derivation across tricky domains, separators and
 * "no plus" sites, collisions, burn-and-reissue, reverse lookup from header
 * lines, validation errors, and mail-server snippets that parse.
 */
import { describe, expect, it } from 'vitest';
import { Database, Entry, mergeCopies } from '../../src/vault/index.js';
import { clone } from '../vault/merge/scenarios.js';
import {
  tagForSite, setupAliases, newAlias, assignAlias, whoIs, burnAlias, listAliases, markNoPlus, codeFor, eximConfig, postfixConfig, sieveScript, getSetup, WHATWG_EMAIL, SETUP_KEY,
} from '../../src/aliases/index.js';
import { UsageError, NotFoundError } from '../../src/errors/index.js';

function vault(opts: Parameters<typeof setupAliases>[1] = { bases: ['fred@example.com'] }): Database {
  const db = Database.create('aliases');
  setupAliases(db, opts);
  return db;
}

function entryFor(db: Database, url: string): Entry {
  const e = db.root.addEntry(new Entry());
  e.set('Title', url);
  e.set('URL', url);
  return e;
}

describe('tags from sites', () => {
  it.each([
    ['https://www.amazon.co.uk/gp/signin', 'amazon'],
    ['accounts.example.com.au', 'example'],
    ['shop.example.co.jp', 'example'],
    ['mail.google.com', 'google'],
    ['https://fred.github.io/blog', 'github'],
    ['https://www.münchen.de', 'munchen'],
    ['xn--mnchen-3ya.de', 'xnmnchen3ya'],
    ['https://例え.jp', 'r8jz45g'],
    ['My-Bank.COM', 'mybank'],
    ['under_score.org', 'under_score'],
  ])('%s → %s', (site, tag) => {
    expect(tagForSite(site)).toBe(tag);
  });

  it('refuses IP-address URLs without --tag, and accepts them with one', () => {
    expect(() => tagForSite('http://192.0.2.7:8080/')).toThrow(/IP address.*--tag/);
    const db = vault();
    expect(newAlias(db, 'http://192.0.2.7/', { tag: 'router' }).address).toBe('fred+router@example.com');
  });

  it('truncates very long names so the local part stays within 64 octets', () => {
    const db = vault();
    const r = newAlias(db, `https://www.${'a'.repeat(63)}.com`);
    expect(r.address.split('@')[0].length).toBeLessThanOrEqual(64);
    expect(WHATWG_EMAIL.test(r.address)).toBe(true);
  });
});

describe('addresses', () => {
  it('uses the preferred separator, and the next one for sites that reject +', () => {
    const db = vault({ bases: ['fred@example.com'], separators: ['+', '-'] });
    expect(newAlias(db, 'amazon.co.uk').address).toBe('fred+amazon@example.com');
    markNoPlus(db, 'strict-shop.com');
    expect(newAlias(db, 'https://www.strict-shop.com').address).toBe('fred-strictshop@example.com');
    const dashFirst = vault({ bases: ['fred@example.com'], separators: ['-', '+'] });
    expect(newAlias(dashFirst, 'amazon.co.uk').address).toBe('fred-amazon@example.com');
  });

  it('gives colliding sites unique tags, also against other vaults with the same base', () => {
    const db = vault();
    assignAlias(db, entryFor(db, 'https://amazon.co.uk'), 'https://amazon.co.uk');
    expect(newAlias(db, 'https://amazon.de').address).toBe('fred+amazon2@example.com');
    expect(newAlias(db, 'https://amazon.de', { otherVaultTags: ['amazon2'] }).address).toBe('fred+amazon3@example.com');
  });

  it('code style appends a keyed HMAC that the server can check', () => {
    const db = vault({ bases: ['fred@example.com'], style: 'code' });
    const r = newAlias(db, 'paypal.com');
    const secret = Buffer.from(getSetup(db).secret!, 'base64');
    expect(r.address).toBe(`fred+paypal.${codeFor('paypal', secret)}@example.com`);
    expect(r.address).toMatch(/^fred\+paypal\.[0-9a-f]{8}@example\.com$/);
  });

  it('a burnt tag is never issued again, also after its entry is gone', () => {
    const db = vault();
    const e = entryFor(db, 'https://amazon.com');
    const first = assignAlias(db, e, 'https://amazon.com');
    burnAlias(db, first.address);
    expect(listAliases(db)[0].record.burnt).toBeTruthy();
    expect(getSetup(db).retired).toEqual(['amazon']);
    // As in a vault from before every issued tag was recorded: the burn alone keeps it taken.
    db.setCustomData(SETUP_KEY, JSON.stringify({ ...getSetup(db), issued: undefined }));
    db.removeEntry(e, true);
    expect(assignAlias(db, entryFor(db, 'https://amazon.com'), 'https://amazon.com').address).toBe('fred+amazon2@example.com');
  });

  describe('a deleted (not burnt) alias is never issued again', () => {
    const reissue = (db: Database) => assignAlias(db, entryFor(db, 'https://amazon.com'), 'https://amazon.com').address;

    it('deleted for good with rm --permanent', () => {
      const db = vault();
      const e = entryFor(db, 'https://amazon.com');
      assignAlias(db, e, 'https://amazon.com');
      db.removeEntry(e, true);
      expect(listAliases(db)).toEqual([]);
      expect(reissue(db)).toBe('fred+amazon2@example.com');
    });

    it('in the recycle bin (restorable: still its entry\'s), and after the bin is emptied', () => {
      const db = vault();
      const e = entryFor(db, 'https://amazon.com');
      assignAlias(db, e, 'https://amazon.com');
      expect(db.removeEntry(e)).toBe('recycled');
      expect(newAlias(db, 'https://amazon.com').address).toBe('fred+amazon2@example.com');
      db.removeGroup(db.recycleBin()!, true);
      expect(listAliases(db)).toEqual([]);
      expect(reissue(db)).toBe('fred+amazon2@example.com');
    });

    it('deleted on another copy and merged here (DeletedObjects)', () => {
      const db = vault();
      assignAlias(db, entryFor(db, 'https://amazon.com'), 'https://amazon.com');
      const [here, there] = [clone(db), clone(db)];
      const gone = [...there.entries()].find((x) => x.get('URL') === 'https://amazon.com')!;
      there.removeEntry(gone, true);
      there.deletedObjects.set(gone.uuid, new Date(Date.now() + 60_000));
      const merged = mergeCopies([{ db: here, label: 'here' }, { db: there, label: 'there' }]).db;
      expect(listAliases(merged)).toEqual([]);
      expect(reissue(merged)).toBe('fred+amazon2@example.com');
    });
  });
});

describe('reverse lookup', () => {
  it('finds the entry from an address, a To: header with a display name, or the other separator', () => {
    const db = vault();
    const e = entryFor(db, 'https://www.amazon.co.uk');
    assignAlias(db, e, 'https://www.amazon.co.uk');
    // A '/' inside a title is written '\/' in paths (an entry titled by its URL).
    expect(whoIs(db, 'fred+amazon@example.com')[0]).toMatchObject({ path: 'https:\\/\\/www.amazon.co.uk', site: 'www.amazon.co.uk' });
    expect(whoIs(db, 'To: "Fred Bloggs" <Fred+Amazon@Example.com>, someone@else.org')).toHaveLength(1);
    expect(whoIs(db, 'Delivered-To: fred-amazon@example.com')[0].address).toBe('fred-amazon@example.com');
    expect(() => whoIs(db, 'To: nobody@example.com')).toThrow(NotFoundError);
  });
});

describe('validation', () => {
  it.each([
    [{ bases: ['fred+x@example.com'] }, /contains the separator/],
    [{ bases: ['not-an-address'] }, /not an e-mail address/],
    [{ bases: ['fred@example.com'], separators: ['#'] }, /separator/],
    [{ bases: [] }, /--base/],
  ])('setup %j fails with a clear UsageError', (o, msg) => {
    const db = Database.create('x');
    expect(() => setupAliases(db, o as never)).toThrow(UsageError);
    expect(() => setupAliases(db, o as never)).toThrow(msg as RegExp);
  });

  it('refuses a tag that is empty after cleaning, and works only after setup', () => {
    expect(() => newAlias(vault(), 'amazon.com', { tag: '!!!' })).toThrow(/tag is empty/);
    expect(() => newAlias(Database.create('x'), 'amazon.com')).toThrow(/alias setup/);
  });
});

describe('mail-server snippets', () => {
  it('Exim routers have the suffix options and balanced expansions', () => {
    const db = vault({ bases: ['fred@example.com'], separators: ['+', '-'], style: 'code' });
    const text = eximConfig(getSetup(db), ['fred+amazon@example.com']);
    expect(text).toContain('local_part_suffix = +* : -*');
    expect(text).toContain('local_part_suffix_optional');
    // Every router is "name:" followed by indented "option = value" lines, and ${…} braces balance.
    for (const block of text.split(/\n(?=\S+:\n)/).slice(1)) {
      const [head, ...lines] = block.trim().split('\n').filter((l) => l.trim() && !l.startsWith('#'));
      expect(head).toMatch(/^[a-z_]+:$/);
      for (const l of lines) expect(l).toMatch(/^  [a-z_]+( = .+)?$/);
    }
    let depth = 0;
    for (const c of text) {
      if (c === '{') depth++;
      if (c === '}') depth--;
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);
  });

  it('Postfix sets recipient_delimiter and an access map; Sieve files by subaddress', () => {
    const st = getSetup(vault({ bases: ['fred@example.com'], separators: ['+', '-'] }));
    const pf = postfixConfig(st, ['fred+x@example.com']);
    expect(pf).toMatch(/^recipient_delimiter = \+-$/m);
    expect(pf).toMatch(/^smtpd_recipient_restrictions = check_recipient_access hash:/m);
    for (const line of pf.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+ = \S/);
    const sieve = sieveScript(st);
    expect(sieve).toContain('require ["envelope", "subaddress", "fileinto", "mailbox", "variables"];');
    expect(sieve).toContain(':detail "to"');
  });
});
