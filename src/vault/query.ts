/**
 * Finding entries and groups the way a user names them, and the plain views
 * (`--json` shapes) that both the CLI and the agent produce.
 *
 * An entry is named by its path as keepassxc-cli prints it (`Group/Sub/Title`,
 * with or without a leading `/`), by its UUID, or by a bare title or URL host
 * that matches exactly one entry outside the recycle bin.
 */
import { NotFoundError, didYouMean } from '../errors/index.js';
import { ProtectedValue } from '../secret/index.js';
import { type Database, type Entry, type Group, uuidText, STANDARD_FIELDS, splitPath, escapePathPart } from './model/index.js';
import { parseUuidInput } from './format/uuid.js';
import { fieldLabel } from './merge/fields.js';
import { hasConflict, readConflict } from './merge/records.js';

function hostOf(url: string): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url.includes('://') ? url : `https://${url}`).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

export function resolveGroup(db: Database, spec: string | undefined): Group {
  if (!spec || spec === '/') return db.root;
  const id = parseUuidInput(spec);
  if (id) {
    const g = db.findGroup(id);
    if (g) return g;
  }
  let g: Group | undefined = db.root;
  for (const part of splitPath(spec).filter(Boolean)) {
    g = g.groups.find((c) => c.name === part);
    if (!g) throw new NotFoundError(`group '${spec}' not found; list groups with 'stv ls -R'`);
  }
  return g;
}

export function resolveEntry(db: Database, spec: string): Entry {
  const id = parseUuidInput(spec);
  if (id) {
    const e = db.findEntry(id);
    if (e) return e;
  }
  // 1. A full path.
  const parts = splitPath(spec);
  let g: Group | undefined = db.root;
  for (const part of parts.slice(0, -1)) g = g?.groups.find((c) => c.name === part);
  const byPath = g?.entries.filter((e) => e.title === parts[parts.length - 1]) ?? [];
  if (byPath.length === 1) return byPath[0];
  if (byPath.length > 1) throw ambiguous(spec, byPath);
  // 2. A bare title, then a URL host, outside the recycle bin.
  const live = [...db.entries()].filter((e) => !db.isInRecycleBin(e));
  const byTitle = live.filter((e) => e.title === spec);
  if (byTitle.length === 1) return byTitle[0];
  if (byTitle.length > 1) throw ambiguous(spec, byTitle);
  // Typed titles are often lower case ('stv clip amazon'); an exact-case title above wins.
  const folded = spec.toLowerCase();
  const byFoldedTitle = live.filter((e) => e.title.toLowerCase() === folded);
  if (byFoldedTitle.length === 1) return byFoldedTitle[0];
  if (byFoldedTitle.length > 1) throw ambiguous(spec, byFoldedTitle);
  const host = spec.toLowerCase();
  const byHost = live.filter((e) => hostOf(e.get('URL')) === host || hostOf(e.get('URL')) === `www.${host}`);
  if (byHost.length === 1) return byHost[0];
  if (byHost.length > 1) throw ambiguous(spec, byHost);
  throw new NotFoundError(`entry '${spec}' not found${closeEntries(spec, live)}; search with 'stv find ${splitPath(spec).pop()}'`);
}

/** " (did you mean 'Shopping/Amazon'?)": entries whose title (or path, for a path) is a near miss. */
function closeEntries(spec: string, live: Entry[]): string {
  const byPath = spec.includes('/');
  const paths = new Map<string, string>();
  for (const e of live) paths.set(byPath ? e.path() : e.title, e.path());
  // Each hit is named by its path, which is unambiguous where a title may not be.
  return didYouMean(byPath ? spec.replace(/^\/+/, '') : spec, paths.keys(), (k) => paths.get(k) ?? k);
}

function ambiguous(spec: string, matches: Entry[]): NotFoundError {
  const paths = matches.map((e) => e.path());
  return new NotFoundError(`'${spec}' matches ${matches.length} entries (${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', …' : ''}); name one by path or UUID`, paths);
}

export interface EntrySummary {
  uuid: string;
  path: string;
  title: string;
  username: string;
  url: string;
  tags: string[];
  modified: string;
}

export interface EntryDetail extends EntrySummary {
  notes: string;
  fields: Record<string, string>;
  protectedFields: string[];
  attachments: { name: string; size: number }[];
  created: string;
  expires: string | null;
  history: number;
  /** Set when a merge found a conflict here that is not resolved: the fields in conflict. */
  conflict?: string[];
  password?: string;
}

export function entrySummary(e: Entry): EntrySummary {
  return {
    uuid: uuidText(e.uuid),
    path: e.path(),
    title: e.title,
    username: e.get('UserName'),
    url: e.get('URL'),
    tags: e.tags,
    modified: e.times.lastModification.toISOString(),
  };
}

export const HIDDEN = 'PROTECTED';

export function entryDetail(e: Entry, showProtected: boolean): EntryDetail {
  return detail(e, showProtected, (name) => e.get(name)) as EntryDetail;
}

/**
 * The same view with each protected value shown as a ProtectedValue copy
 * instead of a string: the agent sends those as secrets (bytes it zeroes),
 * so no plaintext string of them is left in its memory.
 */
export function entryDetailSecrets(e: Entry, showProtected: boolean): unknown {
  return detail(e, showProtected, (name) => fieldSecret(e, name));
}

function detail(e: Entry, showProtected: boolean, value: (name: string) => string | ProtectedValue): unknown {
  const fields: Record<string, string | ProtectedValue> = {};
  const protectedFields: string[] = [];
  for (const name of e.customFieldNames()) {
    const isProt = e.isProtected(name);
    if (isProt) protectedFields.push(name);
    fields[name] = isProt && !showProtected ? HIDDEN : value(name);
  }
  const d = {
    ...entrySummary(e),
    notes: e.isProtected('Notes') && !showProtected ? HIDDEN : value('Notes'),
    fields,
    protectedFields,
    attachments: [...e.attachments].map(([name, a]) => ({ name, size: a.data.length })),
    created: e.times.creation.toISOString(),
    expires: e.times.expires ? e.times.expiry.toISOString() : null,
    history: e.history.length,
  };
  const conflict = hasConflict(e) ? { conflict: [...readConflict(e).keys()].sort().map(fieldLabel) } : {};
  return showProtected ? { ...d, ...conflict, password: value('Password') } : { ...d, ...conflict };
}

/** A field as the agent sends it: a protected value stays one (a copy), a plain one is its string. */
export function fieldSecret(e: Entry, name: string): string | ProtectedValue {
  const v = e.fields.get(name);
  return v instanceof ProtectedValue ? v.clone() : e.get(name);
}

/** One field's raw value; standard names are case-insensitive. */
export function entryField(e: Entry, name: string): string {
  return e.get(fieldName(e, name));
}

/** The name a field is stored under: standard names in any case, custom ones exact-case first. */
export function fieldName(e: Entry, name: string): string {
  const std = (STANDARD_FIELDS as readonly string[]).find((f) => f.toLowerCase() === name.toLowerCase());
  if (std) return std;
  const custom = e.customFieldNames().find((f) => f === name) ?? e.customFieldNames().find((f) => f.toLowerCase() === name.toLowerCase());
  if (!custom) throw new NotFoundError(`entry '${e.path()}' has no field '${name}'; fields: ${['Title', 'UserName', 'Password', 'URL', 'Notes', ...e.customFieldNames()].join(', ')}`);
  return custom;
}

export interface ListOptions {
  recursive: boolean;
  flat: boolean;
}

/** Lines as keepassxc-cli ls prints them: groups end with '/', empty groups show '[empty]' when recursing. */
export function listGroup(group: Group, opts: ListOptions): string[] {
  const lines: string[] = [];
  const walk = (g: Group, prefix: string, depth: number) => {
    const indent = opts.flat ? '' : '  '.repeat(depth);
    if (opts.recursive && g.entries.length === 0 && g.groups.length === 0 && depth > 0) {
      lines.push(`${indent}${opts.flat ? prefix : ''}[empty]`);
      return;
    }
    for (const e of g.entries) lines.push(`${indent}${opts.flat ? prefix : ''}${escapePathPart(e.title)}`);
    for (const sub of g.groups) {
      lines.push(`${indent}${opts.flat ? prefix : ''}${escapePathPart(sub.name)}/`);
      if (opts.recursive) walk(sub, `${prefix}${escapePathPart(sub.name)}/`, depth + 1);
    }
  };
  walk(group, '', 0);
  return lines;
}

/** Case-insensitive search over title, username, URL, notes and tags. */
export function findEntries(db: Database, query: string): Entry[] {
  const q = query.toLowerCase();
  const out: Entry[] = [];
  for (const e of db.entries()) {
    if (db.isInRecycleBin(e)) continue;
    if (
      e.title.toLowerCase().includes(q) ||
      e.get('UserName').toLowerCase().includes(q) ||
      e.get('URL').toLowerCase().includes(q) ||
      (!e.isProtected('Notes') && e.get('Notes').toLowerCase().includes(q)) ||
      e.tags.some((t) => t.toLowerCase().includes(q))
    ) out.push(e);
  }
  return out;
}
