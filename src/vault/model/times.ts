/**
 * KDBX timestamps (docs/kdbx.md §9, §12 #4). 4.x stores base64 of an int64 LE count of seconds since
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

const SEXTET = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) SEXTET[c.charCodeAt(0)] = i;
const int64Bytes = new Uint8Array(8);

/**
 * Seconds since 0001-01-01 in a 4.x time (base64 of 8 bytes: 11 digits and
 * '='), or undefined if `text` is not that form. Decoded by hand: through
 * Buffer and BigInt it was ~1 µs a time, 50k times per 10k-entry vault.
 * Exact while |seconds| < 2^53, far beyond the dates a Date can hold.
 */
function base64Seconds(text: string): number | undefined {
  if (text.length !== 12 || text.charCodeAt(11) !== 61 /* = */) return undefined;
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < 11; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? SEXTET[c] : -1;
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xfff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < 8) int64Bytes[n++] = acc >> bits;
    }
  }
  const b = int64Bytes;
  const lo = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  const hi = b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24);
  return hi * 4294967296 + lo;
}

/** Digits at text[from, from + n) as a number, or -1. */
function digits(text: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Milliseconds of the 3.x form `YYYY-MM-DDTHH:MM:SSZ`, or undefined for any
 * other text. By hand for the same reason as base64Seconds: Date's own
 * parser was ~0.4 µs a time, 50k times per 10k-entry vault.
 */
function isoUtcMs(text: string): number | undefined {
  if (text.length !== 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 90) return undefined;
  const y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  const h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  // Anything unusual (years before 100, which Date.UTC reads as 19xx; Feb 30; hour 24; second 60)
  // goes to Date's parser, which decides as before.
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
}

/**
 * The last time read: an entry's five times are often the same text. Dates
 * are shared, never mutated (cloneTimes shares them too), so one serves all.
 */
let lastParsedText = '';
let lastParsed = new Date(0);

export function parseTime(text: string | undefined): Date {
  if (!text) return yearOne();
  if (text === lastParsedText) return lastParsed;
  lastParsed = parseTimeText(text);
  // A copy: the text is a slice of the whole document, which this module-level
  // memo would otherwise keep alive after the read (13 MB for a 10k vault).
  lastParsedText = text.length < 13 ? text : (' ' + text).slice(1);
  return lastParsed;
}

function parseTimeText(text: string): Date {
  const stored = base64Seconds(text);
  if (stored !== undefined) {
    const ms = (stored - Number(EPOCH_OFFSET_S)) * 1000;
    return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms) : yearOne();
  }
  const iso = isoUtcMs(text);
  if (iso !== undefined) return new Date(iso);
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? yearOne() : d;
}

function yearOne(): Date {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  return d;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The last binary time written: an entry's times are often all the same second. */
let lastSeconds = NaN;
let lastText = '';

/**
 * The 4.x form of whole seconds since 1970: base64 of int64 LE seconds since
 * year 1, by hand (through BigInt and Buffer it was ~1 µs a time, 50k times
 * per save of a 10k-entry vault). Exact for |seconds| < 2^53.
 */
function base64Time(unixSeconds: number): string {
  if (unixSeconds === lastSeconds) return lastText;
  const v = unixSeconds + Number(EPOCH_OFFSET_S);
  const lo = v >>> 0; // low 32 bits (two's complement for negatives, as int64 LE wants)
  const hi = Math.floor(v / 4294967296) | 0;
  const b = int64Bytes;
  b[0] = lo & 255; b[1] = (lo >>> 8) & 255; b[2] = (lo >>> 16) & 255; b[3] = lo >>> 24;
  b[4] = hi & 255; b[5] = (hi >>> 8) & 255; b[6] = (hi >>> 16) & 255; b[7] = (hi >>> 24) & 255;
  let out = '';
  for (let i = 0; i < 6; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += B64[n >>> 18] + B64[(n >>> 12) & 63] + B64[(n >>> 6) & 63] + B64[n & 63];
  }
  const n = (b[6] << 16) | (b[7] << 8);
  out += B64[n >>> 18] + B64[(n >>> 12) & 63] + B64[(n >>> 6) & 63] + '=';
  lastSeconds = unixSeconds;
  lastText = out;
  return out;
}

export function formatTime(d: Date, binary: boolean): string {
  const secs = Math.floor(d.getTime() / 1000);
  if (!Number.isFinite(secs)) throw new RangeError('invalid date');
  if (binary) return base64Time(secs);
  return new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
