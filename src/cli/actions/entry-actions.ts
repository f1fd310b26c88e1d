/** add, edit, rm, mv, mkdir, rmdir over a session. */
import { isUtf8 } from 'node:buffer';
import { ProtectedValue } from '../../secret/index.js';
import { UsageError, NotFoundError } from '../../errors/index.js';
import { Entry, newEntry, resolveEntry, type Group, resolveGroup, splitPath, joinPath, canonicalFieldName, STANDARD_FIELDS, uuidText, type Database } from '../../vault/index.js';
import { type GlobalOptions, info, printJson, warn } from '../runtime.js';
import { withSession, type OpenHow, type Session } from '../session.js';
import { canPrompt, promptSecret, readStdinLineBytes } from '../secrets-input.js';

export interface EntryOpts {
  username?: string;
  url?: string;
  notes?: string;
  tag?: string[];
  group?: string;
  passwordPrompt?: boolean;
  generate?: boolean;
  length?: string;
  alias?: boolean;
  title?: string;
  field?: string[];
  protectedField?: string[];
  rmField?: string[];
  editor?: boolean;
  showProtected?: boolean;
}

/** A custom field name from the command line: not one of the five standard fields, which have their own options. */
function customFieldName(name: string, option: string): string {
  if (!name) throw new UsageError(`${option} needs a field name`);
  if (canonicalFieldName(name) !== name || (STANDARD_FIELDS as readonly string[]).includes(name)) {
    throw new UsageError(`${option} ${name}: '${canonicalFieldName(name)}' is a standard field; use --title, -u, --url, --notes or -p/-g`);
  }
  return name;
}

/** What an add or edit asks for before the entry changes: typed secrets, and the tags other vaults use (aliases). */
interface Inputs {
  password?: ProtectedValue;
  protectedValues: Map<string, ProtectedValue>;
  /** Loaded only when asked for: the start of every other command stays small. */
  generator?: typeof import('../../generator/index.js');
  alias?: { assign: typeof import('../../aliases/index.js').assignAlias; otherVaultTags: string[] };
}

async function collectInputs(s: Session, e: Entry, o: EntryOpts): Promise<Inputs> {
  if (o.passwordPrompt && o.generate) throw new UsageError('use either -p or -g, not both');
  const inputs: Inputs = { protectedValues: new Map() };
  if (o.passwordPrompt) inputs.password = await readEntryPassword();
  for (const raw of o.protectedField ?? []) {
    const name = customFieldName(raw, '--protected-field');
    inputs.protectedValues.set(name, await readSecretLine(`Value of ${name}:`, `--protected-field ${name}`));
  }
  if (o.generate) inputs.generator = await import('../../generator/index.js');
  if (o.alias) {
    if (!(o.url ?? e.get('URL'))) throw new UsageError('--alias needs the entry\'s --url to name the site');
    const [{ assignAlias }, { otherVaultTags }] = await Promise.all([import('../../aliases/index.js'), import('./alias-actions.js')]);
    inputs.alias = { assign: assignAlias, otherVaultTags: await otherVaultTags(s) };
  }
  return inputs;
}

/** --field NAME=VALUE (plain), --protected-field NAME (value asked, never on the command line), --rm-field NAME. */
function applyFields(e: Entry, o: EntryOpts, inputs: Inputs, changed: string[]): void {
  for (const spec of o.field ?? []) {
    const eq = spec.indexOf('=');
    if (eq < 0) throw new UsageError(`--field ${spec}: give NAME=VALUE (for a secret value use --protected-field NAME, which asks for it)`);
    const name = customFieldName(spec.slice(0, eq), '--field');
    e.set(name, spec.slice(eq + 1), false);
    changed.push(`field ${name}`);
  }
  for (const [name, value] of inputs.protectedValues) {
    e.set(name, value, true);
    changed.push(`field ${name}`);
  }
  for (const raw of o.rmField ?? []) {
    const name = customFieldName(raw, '--rm-field');
    if (!e.has(name)) throw new NotFoundError(`entry '${e.path()}' has no field '${name}'${e.customFieldNames().length ? `; it has: ${e.customFieldNames().join(', ')}` : ''}`);
    e.delete(name);
    changed.push(`removed field ${name}`);
  }
}

/** A secret from a no-echo prompt on the terminal (the prompt library answers with a string), else the next stdin line. */
async function readSecretLine(prompt: string, what: string): Promise<ProtectedValue> {
  if (canPrompt()) return ProtectedValue.fromString(await promptSecret(prompt));
  const line = stdinLineAsValue();
  if (line === undefined) throw new UsageError(`${what} needs its value on the next stdin line or a terminal`);
  return line;
}

/**
 * The next stdin line as a protected value, read as bytes and never a string. A line that is not
 * UTF-8 is read as text, each bad sequence a U+FFFD, as it always was (a field holds text).
 */
function stdinLineAsValue(): ProtectedValue | undefined {
  const bytes = readStdinLineBytes();
  if (bytes === undefined) return undefined;
  try {
    return isUtf8(bytes) ? ProtectedValue.fromBytes(bytes) : ProtectedValue.fromString(Buffer.from(bytes).toString('utf8'));
  } finally {
    bytes.fill(0);
  }
}

/** Where `add` puts a new entry; missing groups are created, as `pass insert` creates folders. */
function splitEntryPath(opts: GlobalOptions, db: Database, spec: string, groupOpt?: string): { group: Group; title: string } {
  const parts = splitPath(spec);
  const title = groupOpt !== undefined ? spec : parts.pop()!;
  const groupSpec = groupOpt ?? joinPath(parts);
  try {
    return { group: resolveGroup(db, groupSpec), title };
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
  const { group } = db.root.ensureGroup(splitPath(groupSpec).filter(Boolean));
  info(opts, `created group ${group.path()}`);
  return { group, title };
}

/** -p reads the entry password from stdin, which then never carries the master password. */
/** What stdin carries for this command besides (never instead of) the master password. */
const stdinUse = (o: EntryOpts): OpenHow => {
  const what = [...(o.passwordPrompt ? ['the entry password'] : []), ...(o.protectedField?.length ? ['protected field values'] : [])];
  return what.length ? { stdinCarries: what.join(' and ') } : {};
};

async function readEntryPassword(): Promise<ProtectedValue> {
  if (canPrompt()) {
    const pw = await promptSecret('Password for the entry:');
    await showStrength(pw); // zxcvbn takes a string; the prompt gave one already
    return ProtectedValue.fromString(pw);
  }
  const line = stdinLineAsValue();
  if (line === undefined) throw new UsageError('-p needs the entry password on the next stdin line or a terminal');
  return line;
}

/** zxcvbn feedback for a typed password: shown, never blocking. */
async function showStrength(pw: string): Promise<void> {
  const { strength } = await import('../../generator/index.js');
  const r = await strength(pw);
  const label = ['very weak', 'weak', 'fair', 'strong', 'very strong'][r.score] ?? String(r.score);
  process.stderr.write(`strength: ${label}${r.warning ? ` — ${r.warning}` : ''}\n`);
}

function applyOptions(s: Session, e: Entry, o: EntryOpts, inputs: Inputs): string[] {
  const changed: string[] = [];
  if (o.title !== undefined) { e.set('Title', o.title); changed.push('title'); }
  if (o.username !== undefined) { e.set('UserName', o.username); changed.push('username'); }
  if (o.url !== undefined) { e.set('URL', o.url); changed.push('url'); }
  if (o.notes !== undefined) { e.set('Notes', o.notes); changed.push('notes'); }
  if (o.tag !== undefined) { e.tags = [...new Set(o.tag)]; changed.push('tags'); }
  if (inputs.password !== undefined) { e.set('Password', inputs.password, true); changed.push('password'); }
  if (inputs.generator) {
    const { password, note } = inputs.generator.generateForEntry(s.vault.db, e, { length: o.length === undefined ? undefined : Number(o.length), defaultRule: s.config.generatorRule });
    e.set('Password', password, true);
    info(s.opts, note);
    changed.push('password');
  }
  applyFields(e, o, inputs, changed);
  if (inputs.alias) {
    const url = e.get('URL');
    if (!url) throw new UsageError('--alias needs the entry\'s --url to name the site');
    info(s.opts, `alias ${inputs.alias.assign(s.vault.db, e, url, { otherVaultTags: inputs.alias.otherVaultTags }).address}`);
    changed.push('username');
  }
  return changed;
}

export async function add(opts: GlobalOptions, spec: string, o: EntryOpts): Promise<void> {
  await withSession(opts, async (s) => {
    const { group, title } = splitEntryPath(opts, s.vault.db, spec, o.group);
    if (!title) throw new UsageError('the entry needs a title');
    if (group.entries.some((e) => e.title === title)) throw new UsageError(`'${spec}' already exists; use 'stv edit' or another title`);
    const e = group.addEntry(newEntry(title));
    applyOptions(s, e, { ...o, title: undefined }, await collectInputs(s, e, o));
    await s.save();
    if (opts.json) printJson({ uuid: uuidText(e.uuid), path: e.path() });
    else info(opts, `added ${e.path()}`);
  }, stdinUse(o));
}

export async function edit(opts: GlobalOptions, spec: string, o: EntryOpts): Promise<void> {
  await withSession(opts, async (s) => {
    const db = s.vault.db;
    const e = resolveEntry(db, spec);
    const inputs = await collectInputs(s, e, o);
    const form = o.editor ? await import('../editor-form.js') : undefined;
    let changed: string[] = [];
    let unchanged = false;
    // History holds the version before this edit; a new version settles any merge conflict.
    db.updateEntry(e, (e) => {
      changed = applyOptions(s, e, o, inputs);
      if (form) {
        const edited = form.editText(form.entryForm(e, Boolean(o.showProtected)));
        changed.push(...form.applyForm(e, form.parseForm(edited, e)));
        if (!changed.length) return void (unchanged = true);
      }
      if (o.group !== undefined) {
        db.moveEntry(e, resolveGroup(db, o.group));
        changed.push('group');
      }
      if (!changed.length) throw new UsageError('nothing to change; give an option such as --username or -g');
    });
    if (unchanged) return info(opts, `${e.path()} unchanged; nothing was saved`);
    await s.save();
    info(opts, `updated ${e.path()} (${changed.join(', ')})`);
  }, stdinUse(o));
}

export async function rm(opts: GlobalOptions, spec: string, o: { permanent?: boolean }): Promise<void> {
  await withSession(opts, async (s) => {
    const e = resolveEntry(s.vault.db, spec);
    const path = e.path();
    const how = s.vault.db.removeEntry(e, o.permanent);
    await s.save();
    info(opts, how === 'recycled' ? `moved ${path} to the recycle bin` : `deleted ${path}`);
  });
}

export async function mv(opts: GlobalOptions, spec: string, groupSpec: string): Promise<void> {
  await withSession(opts, async (s) => {
    const db = s.vault.db;
    const e = resolveEntry(db, spec);
    const g = resolveGroup(db, groupSpec);
    if (g.entries.some((x) => x.title === e.title && x !== e)) warn(`${g.path() || '/'} already has an entry titled '${e.title}'`);
    db.moveEntry(e, g);
    await s.save();
    info(opts, `moved to ${e.path()}`);
  });
}

export async function mkdir(opts: GlobalOptions, spec: string): Promise<void> {
  await withSession(opts, async (s) => {
    const parts = splitPath(spec).filter(Boolean);
    if (!parts.length) throw new UsageError('give the group path to create, e.g. Finance/Banks');
    const { group: g, created } = s.vault.db.root.ensureGroup(parts);
    if (!created) throw new UsageError(`group '${spec}' already exists`);
    await s.save();
    info(opts, `created group ${g.path()}`);
  });
}

export async function rmdir(opts: GlobalOptions, spec: string, o: { permanent?: boolean }): Promise<void> {
  await withSession(opts, async (s) => {
    const g = resolveGroup(s.vault.db, spec);
    if (g === s.vault.db.root) throw new UsageError('the root group cannot be removed');
    const path = g.path();
    const how = s.vault.db.removeGroup(g, o.permanent);
    await s.save();
    info(opts, how === 'recycled' ? `moved group ${path} to the recycle bin` : `deleted group ${path}`);
  });
}
