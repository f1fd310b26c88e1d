/**
 * The times every entry and group carries, as Dates in whole seconds (what
 * every KDBX version can store; the file's forms are in ../format/times.ts).
 */
import type { UnmodelledXml } from './unmodelled.js';

export interface Times {
  creation: Date;
  lastModification: Date;
  lastAccess: Date;
  expiry: Date;
  expires: boolean;
  usageCount: number;
  locationChanged: Date;
  /** Unknown children of <Times>, kept for the round trip. */
  extra?: UnmodelledXml[];
}

/** Now, truncated to whole seconds (what every KDBX version can store). */
export function nowSeconds(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

export function newTimes(at = nowSeconds()): Times {
  return { creation: at, lastModification: at, lastAccess: at, expiry: at, expires: false, usageCount: 0, locationChanged: at };
}

export function cloneTimes(t: Times): Times {
  return { ...t, extra: t.extra && [...t.extra] };
}
