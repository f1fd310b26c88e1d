/**
 * Merge properties over generated scenarios (scenarios.ts): 3–4 copies of one
 * base edited on their own, merged n-way with and without their base and
 * pairwise in every order. `npm test` runs a modest number of cases;
 * `npm run fuzz` (FUZZ_RUNS) many more.
 *
 * What holds, exactly:
 * - no value a copy edited is lost, in any of these merges (with deletions by
 *   other programs only when the base is given: without it such a deletion is
 *   judged by time, and a clock running behind can lose to it);
 * - every pairwise order gives the n-way answer without bases, in everything
 *   (entries, history, records, groups, deletions) as long as no copy's clock
 *   stamps a write before the base was made; with clocks skewed ±30 days both
 *   ways, in everything but group names and places — there a stale copy's
 *   group can win a last-writer-wins step before a deletion of it is seen.
 *   Not with HistoryMaxItems cut short and no base: a copy whose history no
 *   longer holds an ancestor sees it as concurrent (a spurious conflict that
 *   loses nothing, but the version it picks can differ by order) — the base
 *   is what makes that exact, and one n-way step gives one answer whatever the
 *   order of its inputs;
 * - merging the result with any input again changes nothing;
 * - histories stay within HistoryMaxItems plus the versions unresolved
 *   conflicts keep.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mergeCopies, type Database } from '../../../src/vault/index.js';
import { readConflict } from '../../../src/vault/merge/records.js';
import { build, canonical, clone, lostValue, nway, pairwise, permutations, scenarioArb } from './scenarios.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 0);
// npm test replays one fixed seed (never flaky); npm run fuzz explores new ones. Counterexamples it found are
// cases in regressions.test.ts (group-move cycles merged pairwise: seed -1319476837, case 5b; the others under
// "fuzzer counterexamples"). A known open case (older than those fixes), pairwise
// with clocks skewed ±30 days, the entries and deletions differ by order for { historyMaxItems: -1, copies:
// [{ skew: -172919001, ops: [restore entry 0 back 0, move entry 0 to group 3, delete-group 0 permanent] },
// { skew: 0, ops: [] }, { skew: 0, ops: [delete-group 0 permanent] }] } (order 2,1,0 against the n-way merge).
const runs = (normal: number) => (RUNS ? { numRuns: Math.max(normal, Math.floor(RUNS / 20)) } : { numRuns: normal, seed: 20261203 });
// npm run fuzz: up to an hour a property; npm test: the default.
const TIME = RUNS ? 3_600_000 : undefined;
const NOW = new Date(Date.UTC(2026, 0, 1));

const orders = (dbs: Database[]) => permutations(dbs.length).map((p) => ({ p, db: pairwise(dbs, p) }));
const entriesOnly = (c: unknown) => ({ ...(c as object), groups: undefined, seen: undefined });

describe('merge: no edited value is lost', () => {
  it('n-way with the base, whatever the copies did (other programs\' deletions, history limits, skew)', () => {
    fc.assert(fc.property(scenarioArb({ foreign: true, limits: true, maxOps: 8 }), (s) => {
      const b = build(s);
      expect(lostValue(nway(b.copies, b.base), b.edited)).toBeUndefined();
    }), runs(60));
  }, TIME);

  it('n-way without the base and pairwise in every order', () => {
    fc.assert(fc.property(scenarioArb({ limits: true }), (s) => {
      const b = build(s);
      expect(lostValue(nway(b.copies), b.edited)).toBeUndefined();
      for (const { p, db } of orders(b.copies)) expect(lostValue(db, b.edited), `order ${p}`).toBeUndefined();
    }), runs(25));
  }, TIME);
});

describe('merge: one answer in any order', () => {
  it('every pairwise order gives the n-way answer in everything (clocks that never go back past the base)', () => {
    fc.assert(fc.property(scenarioArb({ skewDays: [0, 30] }), (s) => {
      const b = build(s);
      const want = canonical(nway(b.copies));
      for (const { p, db } of orders(b.copies)) expect(canonical(db), `order ${p}`).toEqual(want);
    }), runs(25));
  }, TIME);

  it('with clocks skewed ±30 days, in every entry, its history and records, and the deletions', () => {
    fc.assert(fc.property(scenarioArb({}), (s) => {
      const b = build(s);
      const want = entriesOnly(canonical(nway(b.copies)));
      for (const { p, db } of orders(b.copies)) expect(entriesOnly(canonical(db)), `order ${p}`).toEqual(want);
    }), runs(25));
  }, TIME);

  it('the order of the inputs of one n-way merge does not matter', () => {
    fc.assert(fc.property(scenarioArb({ foreign: true, limits: true }), fc.boolean(), (s, withBase) => {
      const b = build(s);
      const base = withBase ? b.base : undefined;
      const want = canonical(nway(b.copies, base));
      expect(canonical(nway([...b.copies].reverse(), base))).toEqual(want);
    }), runs(40));
  }, TIME);
});

describe('merge: idempotent, bounded', () => {
  it('merging the result with any input, or with itself, changes nothing (with and without bases)', () => {
    fc.assert(fc.property(scenarioArb({ foreign: true, limits: true }), fc.boolean(), (s, withBase) => {
      const b = build(s);
      const base = withBase ? b.base : undefined;
      const result = nway(b.copies, base);
      const again = (other: Database) =>
        mergeCopies([{ db: clone(result), base, label: 'result' }, { db: clone(other), base, label: 'input' }], { now: NOW }).differs[0];
      expect(again(result)).toBe(false);
      // Without a base, a copy whose own history was cut short past what the result keeps can look concurrent.
      if (withBase || s.historyMaxItems < 0) for (const c of b.copies) expect(again(c)).toBe(false);
    }), runs(40));
  }, TIME);

  it('histories stay within HistoryMaxItems plus the versions unresolved conflicts keep', () => {
    fc.assert(fc.property(scenarioArb({ limits: true, foreign: true }), (s) => {
      const b = build(s);
      for (const db of [nway(b.copies, b.base), nway(b.copies), pairwise(b.copies, b.copies.map((_, i) => i))]) {
        for (const e of db.entries()) {
          let kept = 0;
          for (const vids of readConflict(e).values()) kept += vids.size;
          expect(e.history.length).toBeLessThanOrEqual(s.historyMaxItems + kept);
        }
      }
    }), runs(40));
  }, TIME);
});
