/**
 * `stv edit ENTRY --editor`: an entry's fields and notes in $VISUAL/$EDITOR,
 * as `pass edit` does. The text lives in a 0600 file in the private runtime
 * directory (0700, a tmpfs under XDG_RUNTIME_DIR) for as long as the editor
 * runs, and is overwritten and removed after, whatever happens. Protected
 * values (the password, protected custom fields) are in it only with
 * --show-protected; otherwise their line reads PROTECTED, which keeps them.
 *
 * The form: `Name: value` lines (a value's further lines start with two
 * spaces), then everything after the `--- notes ---` line is the notes.
 * Removing a custom field's line removes the field; a new line adds one.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync, fstatSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError, StvError } from '../errors/index.js';
import { ensurePrivateDir, runtimeDir } from '../config/index.js';
import type { Entry } from '../vault/index.js';

export const NOTES_MARK = '--- notes ---';
const KEEP = 'PROTECTED';
const FIXED = ['Title', 'UserName', 'Password', 'URL'];

/** The password is a secret even where a file left it unprotected. */
const isSecret = (e: Entry, name: string) => e.isProtected(name) || name === 'Password';

/** The form for an entry. */
export function entryForm(e: Entry, showProtected: boolean): string {
  const lines = [
    `# stv edit ${e.path()}: save and quit to apply; quit without saving (or leave it unchanged) to change nothing.`,
    `# 'Name: value' lines, a value's further lines indented by two spaces; ${KEEP} keeps a protected value${showProtected ? '' : ' (--show-protected shows them)'}.`,
    `# A custom field's line removed removes the field; a new line adds one. Everything after '${NOTES_MARK}' is the notes.`,
  ];
  const field = (name: string) => {
    const hidden = isSecret(e, name) && !showProtected;
    const value = hidden ? KEEP : e.get(name);
    lines.push(`${name}: ${value.split('\n').join('\n  ')}`);
  };
  for (const f of FIXED) field(f);
  lines.push(`Tags: ${e.tags.join(', ')}`);
  for (const f of e.customFieldNames()) field(f);
  lines.push(NOTES_MARK);
  lines.push(e.isProtected('Notes') && !showProtected ? KEEP : e.get('Notes'));
  return lines.join('\n') + '\n';
}

export interface FormChanges {
  set: Map<string, string>;
  removed: string[];
  tags?: string[];
  notes?: string;
}

/** What the edited form changes, compared with the entry as it is. */
export function parseForm(text: string, e: Entry): FormChanges {
  const all = text.replace(/\r\n/g, '\n').split('\n');
  const mark = all.indexOf(NOTES_MARK);
  if (mark === -1) throw new UsageError(`the '${NOTES_MARK}' line is missing; nothing was changed`);
  const values = new Map<string, string>();
  let last: string | undefined;
  for (const [i, line] of all.slice(0, mark).entries()) {
    if (line.startsWith('#')) continue;
    if (line.startsWith('  ') && last !== undefined) {
      values.set(last, `${values.get(last)}\n${line.slice(2)}`);
      continue;
    }
    if (!line.trim()) continue;
    const m = /^([^:]+?):(?: (.*))?$/.exec(line);
    if (!m) throw new UsageError(`line ${i + 1} is not 'Name: value'; nothing was changed`);
    last = m[1].trim();
    if (values.has(last)) throw new UsageError(`field '${last}' is there twice; nothing was changed`);
    values.set(last, m[2] ?? '');
  }
  const changes: FormChanges = { set: new Map(), removed: [] };
  for (const [name, value] of values) {
    if (name === 'Tags') {
      const tags = value.split(/[,;]/).map((t) => t.trim()).filter(Boolean);
      if (tags.join('\0') !== e.tags.join('\0')) changes.tags = tags;
      continue;
    }
    if (name === 'Notes') throw new UsageError(`notes go after the '${NOTES_MARK}' line; nothing was changed`);
    if (value === KEEP && isSecret(e, name)) continue;
    if (value !== e.get(name) || !e.has(name)) changes.set.set(name, value);
  }
  for (const name of e.customFieldNames()) if (!values.has(name)) changes.removed.push(name);
  for (const f of FIXED) if (!values.has(f)) throw new UsageError(`the '${f}:' line is missing (leave it empty to clear the field); nothing was changed`);
  // Editors end a file with a newline, and some add blank lines: trailing line breaks are not part of the notes.
  const notes = all.slice(mark + 1).join('\n').replace(/\n+$/, '');
  if (!(notes === KEEP && e.isProtected('Notes')) && notes !== e.get('Notes')) changes.notes = notes;
  return changes;
}

export const hasChanges = (c: FormChanges): boolean => c.set.size > 0 || c.removed.length > 0 || c.tags !== undefined || c.notes !== undefined;

/** Applies the changes; returns the names of what changed. */
export function applyForm(e: Entry, c: FormChanges): string[] {
  for (const [name, value] of c.set) e.set(name, value);
  for (const name of c.removed) e.delete(name);
  if (c.tags) e.tags = c.tags;
  if (c.notes !== undefined) e.set('Notes', c.notes);
  return [...c.set.keys(), ...c.removed.map((n) => `-${n}`), ...(c.tags ? ['tags'] : []), ...(c.notes !== undefined ? ['notes'] : [])];
}

/** Runs the user's editor on `text` in a private temp file; returns the saved text (null when the editor failed). */
export function editText(text: string): string {
  const dir = runtimeDir();
  ensurePrivateDir(dir);
  const path = join(dir, `edit-${randomBytes(8).toString('hex')}.txt`);
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, text);
    const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
    // Through sh, as git and pass do: EDITOR may carry arguments ("code -w").
    const r = spawnSync('/bin/sh', ['-c', `${editor} "$1"`, 'sh', path], { stdio: 'inherit' });
    if (r.error) throw new StvError(`cannot run the editor '${editor}': ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}; nothing was changed`);
    if (r.status !== 0) throw new StvError(`the editor '${editor}' exited with ${r.status ?? r.signal}; nothing was changed`);
    // Editors often save by writing a new file and renaming it over this one: read by path.
    return readFileSync(path, 'utf8');
  } finally {
    scrub(path, fd);
  }
}

/** Overwrites what the file holds now (by path: the editor may have replaced it), then removes it. */
function scrub(path: string, fd: number): void {
  try {
    const again = openSync(path, 'r+');
    const size = fstatSync(again).size;
    writeSync(again, Buffer.alloc(size), 0, size, 0);
    ftruncateSync(again, 0);
    closeSync(again);
  } catch {
    // gone already
  }
  try { closeSync(fd); } catch { /* closed */ }
  try { unlinkSync(path); } catch { /* gone */ }
}
