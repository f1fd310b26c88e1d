/**
 * KDBX timestamps. 4.x stores base64 of an int64 LE count of seconds since
 * 0001-01-01T00:00:00Z; 3.x stores ISO-8601 UTC text. Readers accept both in
 * any version (as KeePassXC does); writers use the version's form.
 */
import type { XmlElement } from '../xml/index.js';

const EPOCH_OFFSET_S = 62_135_596_800n; // seconds from 0001-01-01 to 1970-01-01

export interface Times {
  creation: Date;
  lastModification: Date;
  lastAccess: Date;
  expiry: Date;
  expires: boolean;
  usageCount: number;
  locationChanged: Date;
  /** Unknown children of <Times>, kept for the round trip. */
  extra?: XmlElement[];
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

const B64 = /^[A-Za-z0-9+/]{11}=$/;

export function parseTime(text: string | undefined): Date {
  if (!text) return yearOne();
  if (B64.test(text)) {
    const b = Buffer.from(text, 'base64');
    if (b.length === 8) {
      const secs = b.readBigInt64LE(0) - EPOCH_OFFSET_S;
      const ms = Number(secs) * 1000;
      return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms) : yearOne();
    }
  }
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? yearOne() : d;
}

function yearOne(): Date {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  return d;
}

export function formatTime(d: Date, binary: boolean): string {
  const secs = BigInt(Math.floor(d.getTime() / 1000));
  if (binary) {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(secs + EPOCH_OFFSET_S);
    return b.toString('base64');
  }
  return new Date(Number(secs) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
