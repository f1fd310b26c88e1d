/**
 * Causality between entry versions, from what each copy holds — never from
 * clocks. A copy knows the vids of its current version and its history, of
 * its base's version and history (a copy descends from its base even when
 * its own history was cut short), and the parents of any merge version among
 * them. A current version is dominated when another copy's current version
 * knows it; the frontier is what is left: one version means nothing to merge.
 */
import type { Entry } from '../model/entry.js';
import { fingerprint, versionIdOf } from './fingerprint.js';
import { mergeParents } from './records.js';

/** Fingerprints and vids, each computed once per merge (a plain Map: faster than a WeakMap for ~20k entries). */
export class VersionIds {
  #fp = new Map<Entry, string>();
  #vid = new Map<Entry, string>();

  fp(e: Entry): string {
    let f = this.#fp.get(e);
    if (f === undefined) this.#fp.set(e, (f = fingerprint(e)));
    return f;
  }

  vid(e: Entry): string {
    let v = this.#vid.get(e);
    if (v === undefined) this.#vid.set(e, (v = versionIdOf(e, this.fp(e))));
    return v;
  }
}

/** One input's copy of an entry. */
export interface EntryCopy {
  input: number;
  label: string;
  entry: Entry;
  /** The entry in this copy's base, when it has a base that has the entry. */
  base?: Entry;
}

/** vid → a version with that content, or undefined when it is known only as a merge version's parent. */
export type Known = Map<string, Entry | undefined>;

export interface Head {
  vid: string;
  /** The copies whose current version this is, in input order. */
  copies: EntryCopy[];
  /** What those copies know, together. */
  known: Known;
  /** Set when this is a merge version: the user versions it was merged from. */
  parents?: string[];
}

export interface Analysis {
  heads: Head[];
  /** Heads no other head knows, by vid. */
  frontier: Head[];
  /** Everything any copy knows. */
  known: Known;
}

function learn(known: Known, ids: VersionIds, v: Entry): void {
  const vid = ids.vid(v);
  if (!known.get(vid)) known.set(vid, v);
  for (const p of mergeParents(v, vid) ?? []) if (!known.has(p)) known.set(p, undefined);
}

export function knowledge(copy: EntryCopy, ids: VersionIds, into: Known = new Map()): Known {
  learn(into, ids, copy.entry);
  for (const h of copy.entry.history) learn(into, ids, h);
  if (copy.base) {
    learn(into, ids, copy.base);
    for (const h of copy.base.history) learn(into, ids, h);
  }
  return into;
}

/** True when `h` carries nothing `known` lacks: its vid, or (a merge version) every parent. */
export function covered(h: { vid: string; parents?: string[] }, known: { has(vid: string): boolean }): boolean {
  return known.has(h.vid) || (h.parents !== undefined && h.parents.every((p) => known.has(p)));
}

export function analyse(copies: EntryCopy[], ids: VersionIds): Analysis {
  const byVid = new Map<string, Head>();
  const all: Known = new Map();
  for (const c of copies) {
    const vid = ids.vid(c.entry);
    let h = byVid.get(vid);
    if (!h) byVid.set(vid, (h = { vid, copies: [], known: new Map() }));
    h.copies.push(c);
    knowledge(c, ids, h.known);
    knowledge(c, ids, all);
  }
  const heads = [...byVid.values()].sort((a, b) => (a.vid < b.vid ? -1 : 1));
  for (const h of heads) {
    // Copies of one version may name different parents (merged in different orders): together they know more.
    const parents = new Set<string>();
    let isMerge = false;
    for (const c of h.copies) {
      const p = mergeParents(c.entry, h.vid);
      if (p) {
        isMerge = true;
        for (const x of p) parents.add(x);
      }
    }
    if (isMerge) h.parents = [...parents].sort();
  }
  let frontier = heads.filter((h) => !heads.some((g) => g !== h && covered(h, g.known)));
  // Copies that each know the other's version (a cycle no honest history makes): all of them stay.
  if (!frontier.length) frontier = heads;
  return { heads, frontier, known: all };
}
