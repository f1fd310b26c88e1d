/**
 * KDBX timestamps (docs/kdbx.md §9, §12 #4). 4.x stores base64 of an int64 LE count of seconds since
 * 0001-01-01T00:00:00Z; 3.x stores ISO-8601 UTC text. Readers accept both in
 * any version (as KeePassXC does); writers use the version's form.
 */
import { decodeBase64Into, encodeBase64 } from './base64.js';

const EPOCH_OFFSET_S = 62_135_596_800; // seconds from 0001-01-01 to 1970-01-01
const int64Bytes = new Uint8Array(8);

/**
 * Seconds since 0001-01-01 in a 4.x time (base64 of 8 bytes), or undefined
 * if `text` is not that form. By hand: through Buffer and BigInt it was
 * ~1 µs a time, 50k times per 10k-entry vault. Exact while |seconds| < 2^53,
 * far beyond the dates a Date can hold.
 */
function base64Seconds(text: string): number | undefined {
  if (!decodeBase64Into(text, int64Bytes)) return undefined;
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

/** A time as either version stores it; missing or unreadable text is 0001-01-01, as KeePassXC reads it. */
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
    const ms = (stored - EPOCH_OFFSET_S) * 1000;
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
  const v = unixSeconds + EPOCH_OFFSET_S;
  const lo = v >>> 0; // low 32 bits (two's complement for negatives, as int64 LE wants)
  const hi = Math.floor(v / 4294967296) | 0;
  const b = int64Bytes;
  b[0] = lo & 255; b[1] = (lo >>> 8) & 255; b[2] = (lo >>> 16) & 255; b[3] = lo >>> 24;
  b[4] = hi & 255; b[5] = (hi >>> 8) & 255; b[6] = (hi >>> 16) & 255; b[7] = (hi >>> 24) & 255;
  lastSeconds = unixSeconds;
  lastText = encodeBase64(b);
  return lastText;
}

/** A time in the 4.x form (`binary`) or the 3.x form, in whole seconds. */
export function formatTime(d: Date, binary: boolean): string {
  const secs = Math.floor(d.getTime() / 1000);
  if (!Number.isFinite(secs)) throw new RangeError('invalid date');
  if (binary) return base64Time(secs);
  return isoTime(secs);
}

let lastIsoSeconds = NaN;
let lastIsoText = '';

/** The 3.x form, `YYYY-MM-DDTHH:MM:SSZ` (a 3.1 save writes it 50k times for a 10k-entry vault; entries' times repeat). */
function isoTime(unixSeconds: number): string {
  if (unixSeconds === lastIsoSeconds) return lastIsoText;
  const iso = new Date(unixSeconds * 1000).toISOString();
  // Years 0-9999 give 24 characters; others (±YYYYYY) are cut by the pattern.
  lastIsoText = iso.length === 24 ? iso.slice(0, 19) + 'Z' : iso.replace(/\.\d{3}Z$/, 'Z');
  lastIsoSeconds = unixSeconds;
  return lastIsoText;
}
