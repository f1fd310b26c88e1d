/** The helper's book of waiting copies: which deadline purges what. */
import { describe, expect, it } from 'vitest';
import { hashValue } from '../../src/clipboard/hash.js';
import { PendingPurges, WRITE_GRACE_MS } from '../../src/clipboard/pending.js';
import { parseOrder, type PurgeOrder } from '../../src/clipboard/protocol.js';

const order = (value: string, copiedAt: number, deadline: number | null): PurgeOrder => ({ v: 1, kind: 'purge', copiedAt, deadline, ...hashValue(value) });

describe('PendingPurges', () => {
  it('purges at the deadline only a clipboard that still holds the copied value', () => {
    const p = new PendingPurges();
    p.add(order('s3cret', 0, 1000));
    expect(p.nextDeadline()).toBe(1000);
    expect(p.settle(999, 's3cret')).toBe(false);
    expect(p.settle(1000, 's3cret')).toBe(true);
    expect(p.nextDeadline()).toBeUndefined();

    p.add(order('s3cret', 0, 1000));
    expect(p.settle(1000, 'something the user copied')).toBe(false);
    expect(p.settle(1000, undefined)).toBe(false);
  });

  it('a newer copy of the same value restarts its countdown', () => {
    const p = new PendingPurges();
    p.add(order('s3cret', 0, 1000));
    p.add(order('s3cret', 500, 3000));
    expect(p.settle(1000, 's3cret')).toBe(false);
    expect(p.nextDeadline()).toBe(3000);
    expect(p.settle(3000, 's3cret')).toBe(true);
  });

  it('copies made in the same millisecond rank by arrival, so one of them still purges', () => {
    const p = new PendingPurges();
    p.add(order('s3cret', 7, 1000));
    p.add(order('s3cret', 7, 2000));
    expect(p.settle(1000, 's3cret')).toBe(false);
    expect(p.settle(2000, 's3cret')).toBe(true);
  });

  it('past several deadlines at once (a laptop waking up) the value is purged', () => {
    const p = new PendingPurges();
    p.add(order('s3cret', 0, 1000));
    p.add(order('s3cret', 100, 2000));
    expect(p.settle(5000, 's3cret')).toBe(true);
    expect(p.nextDeadline()).toBeUndefined();
  });

  it('a copy with no timeout keeps an earlier order for the same value from purging it', () => {
    const p = new PendingPurges();
    p.add(order('s3cret', 0, 1000));
    p.add(order('s3cret', 500, null));
    expect(p.nextDeadline()).toBe(1000);
    expect(p.settle(1000, 's3cret')).toBe(false);
    expect(p.nextDeadline()).toBeUndefined();
  });

  it('an older copy of another value neither purges nor protects the newer one', () => {
    const p = new PendingPurges();
    p.add(order('first', 0, 1000));
    p.add(order('second', 500, 2000));
    expect(p.settle(1000, 'second')).toBe(false);
    expect(p.settle(2000, 'second')).toBe(true);
  });

  it('a deadline that finds its value while a newer copy of another value may still be landing waits for that write', () => {
    // stv clip announces 'second' at 900, then writes it; the helper reads the clipboard at 1000, before the write lands.
    const p = new PendingPurges();
    p.add(order('first', 0, 1000));
    p.add(order('second', 900, 5000));
    expect(p.settle(1000, 'first')).toBe(false); // clearing now could wipe 'second' as it lands
    expect(p.settle(5000, 'second')).toBe(true);
    expect(p.nextDeadline()).toBe(900 + WRITE_GRACE_MS);
    expect(p.settle(900 + WRITE_GRACE_MS, '')).toBe(false);
    expect(p.nextDeadline()).toBeUndefined();

    // The newer write never landed (its stv died): the old value is still purged, once the grace is over.
    const q = new PendingPurges();
    q.add(order('first', 0, 1000));
    q.add(order('second', 900, null));
    expect(q.settle(1000, 'first')).toBe(false);
    expect(q.settle(900 + WRITE_GRACE_MS, 'first')).toBe(true);
    expect(q.nextDeadline()).toBeUndefined();
  });

  it('forget drops the copies made up to the clear, not later ones', () => {
    const p = new PendingPurges();
    p.add(order('a', 0, 1000));
    p.add(order('b', 600, 2000));
    p.forget(500);
    expect(p.nextDeadline()).toBe(2000);
    p.forget(600);
    expect(p.nextDeadline()).toBeUndefined();
  });
});

describe('parseOrder', () => {
  it('takes well-formed orders of this protocol version and nothing else', () => {
    const good = order('x', 1, 2);
    expect(parseOrder(JSON.stringify(good))).toEqual(good);
    expect(parseOrder(JSON.stringify({ v: 1, kind: 'forget', copiedAt: 3 }))).toEqual({ v: 1, kind: 'forget', copiedAt: 3 });
    expect(parseOrder(JSON.stringify({ ...good, v: 2 }))).toBeUndefined();
    expect(parseOrder(JSON.stringify({ ...good, hash: undefined }))).toBeUndefined();
    expect(parseOrder(JSON.stringify({ ...good, deadline: '2' }))).toBeUndefined();
    expect(parseOrder('not json')).toBeUndefined();
    expect(parseOrder('')).toBeUndefined();
  });
});
