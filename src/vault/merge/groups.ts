/**
 * Groups have no history, so their properties (name, notes, icon, tags,
 * settings, CustomData) and their place are two last-writer-wins registers.
 * With bases, a copy whose group equals its base's did not change it and
 * cannot win against one that did; among the copies that changed it (or all,
 * when none did or there is no base) the latest modification (resp. move) wins,
 * ties by a hash of the properties (resp. the parent's UUID). Entry places
 * merge the same way.
 *
 * Moves that together make a cycle (A moved G1 into G2, B moved G2 into G1)
 * are broken deterministically: in each cycle the oldest move is undone — the
 * group goes back where that move took it from, else to the root. What is
 * undone depends only on each group's winning place, never on the places that
 * lost: a pairwise merge keeps only the winner (and, for an undone move, a
 * record of it, seen.ts), so anything else would depend on which copies met
 * first.
 */
import type { Group } from '../model/group.js';
import { groupProperties } from './fingerprint.js';

/** The parent UUID a top-level group or entry has, whatever the copy's root UUID. */
export const ROOT = '';

export interface Place {
  parent: string;
  at: Date;
  previousParent?: string;
  /** Did this copy move it since its base (true when there is no base to tell)? */
  moved: boolean;
}

const ms = (d: Date) => d.getTime();
const desc = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/** Candidate places, best first: moved ones before unmoved, then latest, then by parent UUID. */
export function rankPlaces(places: Place[]): Place[] {
  const anyMoved = places.some((p) => p.moved);
  const seen = new Set<string>();
  return [...places]
    .sort((a, b) => (anyMoved ? Number(b.moved) - Number(a.moved) : 0) || ms(b.at) - ms(a.at) || desc(a.parent, b.parent) || desc(a.previousParent ?? '', b.previousParent ?? ''))
    .filter((p) => (seen.has(p.parent) ? false : (seen.add(p.parent), true)));
}

export interface PropsCandidate {
  /** groupProperties() of the group. */
  hash: string;
  at: Date;
  changed: boolean;
  /** Absent for properties a removed group had (known only by their hash). */
  group?: Group;
}

export function propsCandidate(group: Group, changed: boolean): PropsCandidate {
  return { hash: groupProperties(group), at: group.times.lastModification, changed, group };
}

/** The properties that win: changed ones before unchanged, then the latest, then the greatest hash. */
export function winningProperties(cands: PropsCandidate[]): PropsCandidate {
  const anyChanged = cands.some((c) => c.changed);
  const pool = anyChanged ? cands.filter((c) => c.changed) : cands;
  let best = pool[0];
  for (const c of pool.slice(1)) {
    const d = ms(c.at) - ms(best.at);
    if (d > 0 || (d === 0 && c.hash > best.hash)) best = c;
  }
  return best;
}

/** Copy a group's properties (not its place, entries or children) onto another. */
export function assignProperties(dst: Group, src: Group): void {
  if (dst === src) return;
  dst.name = src.name;
  dst.notes = src.notes;
  dst.tags = src.tags;
  dst.iconId = src.iconId;
  dst.customIconUuid = src.customIconUuid;
  dst.isExpanded = src.isExpanded;
  dst.defaultAutoTypeSequence = src.defaultAutoTypeSequence;
  dst.enableAutoType = src.enableAutoType;
  dst.enableSearching = src.enableSearching;
  dst.lastTopVisibleEntry = src.lastTopVisibleEntry;
  dst.customData = new Map([...src.customData].map(([k, v]) => [k, { ...v }]));
  dst.extra = [...src.extra];
  const { locationChanged } = dst.times;
  dst.times = { ...src.times, extra: src.times.extra && [...src.times.extra], locationChanged };
}

/**
 * Final parents for every group: each group's best place, except where places
 * form a cycle; there the member whose move is oldest (ties: smallest UUID)
 * gives way — it goes back where that move took it from (its previous parent,
 * if that is a group merged here), and should that make a cycle again, to the
 * root — repeated until no cycle is left. Only `ranked[g][0]` is read.
 */
export function placeGroups(ranked: Map<string, Place[]>): Map<string, Place> {
  // 0: its winning place; 1: back where that move took it from; 2: the root.
  const giveWay = new Map<string, number>();
  const placeOf = (g: string): Place | undefined => {
    const best = ranked.get(g)?.[0];
    const level = giveWay.get(g) ?? 0;
    if (!best || level === 0) return best;
    const back = best.previousParent;
    const parent = level === 1 && back !== undefined && back !== best.parent && back !== g && ranked.has(back) ? back : ROOT;
    return { ...best, parent };
  };
  for (;;) {
    const cycle = findCycle(ranked.keys(), (g) => placeOf(g)?.parent);
    if (!cycle) break;
    let victim = cycle[0];
    for (const g of cycle.slice(1)) {
      const a = ms(placeOf(g)!.at);
      const b = ms(placeOf(victim)!.at);
      if (a < b || (a === b && g < victim)) victim = g;
    }
    giveWay.set(victim, (giveWay.get(victim) ?? 0) + 1);
  }
  const out = new Map<string, Place>();
  for (const g of ranked.keys()) out.set(g, placeOf(g) ?? { parent: ROOT, at: new Date(0), moved: false });
  return out;
}

/** One cycle of the parent relation, if there is one. */
function findCycle(nodes: Iterable<string>, parent: (g: string) => string | undefined): string[] | undefined {
  const state = new Map<string, 1 | 2>(); // 1: on the current path, 2: done
  for (const start of nodes) {
    const path: string[] = [];
    let g: string | undefined = start;
    while (g !== undefined && g !== ROOT && !state.has(g)) {
      state.set(g, 1);
      path.push(g);
      g = parent(g);
    }
    if (g !== undefined && state.get(g) === 1) return path.slice(path.indexOf(g));
    for (const p of path) state.set(p, 2);
  }
  return undefined;
}
