/** The shell's sub-menus: editing, history and conflicts, attachments, adding an entry. */
import { entryDetail, listVersions, listConflicts, versionAt, restoreVersion, resolveConflict, type Entry } from '../../vault/index.js';
import type { Session } from '../session.js';
import { IdleLock, t, type Ask, type Prompts, type Saver } from './shell-common.js';

/**
 * A prompt prefilled with the current value. A value with controls in it is
 * not put on the prompt line (the terminal would act on it): it is named
 * escaped, and an empty answer keeps it unchanged.
 */
async function editField(p: Prompts, ask: Ask, label: string, current: string, required = false): Promise<string> {
  if (t(current) === current) return ask((ctx) => p.input({ message: label, default: current, required }, ctx));
  const answer = await ask((ctx) => p.input({ message: `${label} (now ${t(current)}; Enter keeps it)` }, ctx));
  return answer === '' ? current : answer;
}

export async function editFields(s: Session, e: Entry, p: Prompts, ask: Ask, save: Saver): Promise<void> {
  const title = await editField(p, ask, 'Title', e.title, true);
  const username = await editField(p, ask, 'Username', e.get('UserName'));
  const url = await editField(p, ask, 'URL', e.get('URL'));
  const tags = await editField(p, ask, 'Tags (comma-separated)', e.tags.join(', '));
  const multiLine = e.get('Notes').includes('\n');
  const notes = multiLine || e.isProtected('Notes') ? undefined : await editField(p, ask, 'Notes (one line; multi-line notes: edit in $EDITOR)', e.get('Notes'));
  const tagList = tags.split(',').map((x) => x.trim()).filter(Boolean);
  s.vault.db.updateEntry(e, (x) => {
    x.set('Title', title);
    x.set('UserName', username);
    x.set('URL', url);
    x.tags = tagList;
    if (notes !== undefined) x.set('Notes', notes);
  });
  await save(s, 'saved (old version kept in history)');
}

export async function editInEditor(s: Session, e: Entry, save: Saver): Promise<void> {
  const form = await import('../editor-form.js');
  const changes = form.parseForm(form.editText(form.entryForm(e, false)), e);
  if (!form.hasChanges(changes)) return void process.stderr.write('unchanged\n');
  let changed: string[] = [];
  s.vault.db.updateEntry(e, (x) => void (changed = form.applyForm(x, changes)));
  await save(s, `saved ${changed.join(', ')} (old version kept in history)`);
}

function versionChoices(e: Entry): { name: string; value: number; side: boolean }[] {
  return listVersions(e).slice(1).map((v) => ({
    name: `${v.n}  ${v.modified}  ${v.differs.length ? `differs in ${v.differs.map(t).join(', ')}` : 'same content'}${v.conflictSide ? '  (conflict side)' : ''}`,
    value: v.n,
    side: v.conflictSide,
  }));
}

export async function historyMenu(s: Session, e: Entry, p: Prompts, ask: Ask, save: Saver): Promise<void> {
  const choices = versionChoices(e);
  if (!choices.length) return void process.stderr.write('  no earlier versions\n');
  const n = await ask((ctx) => p.select<number | 0>({ message: 'Version', choices: [...choices, { name: 'back', value: 0 }] }, ctx));
  if (!n) return;
  const v = entryDetail(versionAt(e, n), false);
  process.stderr.write(`  version ${n} (${v.modified})\n  user: ${t(v.username)}\n  url:  ${t(v.url)}\n`);
  const what = await ask((ctx) => p.select({ message: 'Action', choices: [{ name: 'make it current', value: 'restore' }, { name: 'back', value: 'back' }] }, ctx));
  if (what !== 'restore') return;
  restoreVersion(s.vault.db, e, n);
  await save(s, `restored version ${n}`);
}

export async function resolveMenu(s: Session, e: Entry, p: Prompts, ask: Ask, save: Saver): Promise<void> {
  const keep = await ask((ctx) =>
    p.select<'current' | number>({ message: 'Keep', choices: [{ name: 'the current values', value: 'current' as const }, ...versionChoices(e).filter((c) => c.side)] }, ctx),
  );
  resolveConflict(s.vault.db, e, keep);
  await save(s, 'resolved');
}

/** Lists the conflicts from merges; returns the entry picked to look at, if any. */
export async function conflictsMenu(s: Session, p: Prompts, ask: Ask): Promise<Entry | undefined> {
  const list = listConflicts(s.vault.db);
  for (const c of list) {
    process.stderr.write(`${t(c.path)}${c.deletedElsewhere ? ' (deleted elsewhere, kept)' : ''}\n`);
    for (const f of c.fields) process.stderr.write(`  ${t(f.field)}: ${t(f.current)} (current)${f.others.map((o) => `; ${t(o.value)} (version ${o.version})`).join('')}\n`);
  }
  const uuid = await ask((ctx) => p.select<string>({ message: 'Entry', choices: [...list.map((c) => ({ name: t(c.path), value: c.uuid })), { name: 'back', value: '' }] }, ctx));
  return uuid ? [...s.vault.db.entries()].find((x) => x.uuid === uuid) : undefined;
}

/** The same operations as `stv attachment ls|get|add|rm`. */
export async function attachmentMenu(s: Session, e: Entry, p: Prompts, ask: Ask, save: Saver): Promise<void> {
  const { listAttachments, putAttachment, removeAttachment, getAttachment } = await import('../../vault/index.js');
  for (;;) {
    const list = listAttachments(e);
    const picked = await ask((ctx) => p.select({
      message: 'Attachments',
      choices: [...list.map((a) => ({ name: `${t(a.name)}  (${a.size} bytes)`, value: a.name })), { name: '+ attach a file', value: '\0add' }, { name: 'back', value: '\0back' }],
    }, ctx));
    if (picked === '\0back') return;
    try {
      if (picked === '\0add') {
        const file = await ask((ctx) => p.input({ message: 'File to attach', required: true }, ctx));
        const { readRegularFile } = await import('../../config/index.js');
        const data = readRegularFile(file, { maxBytes: 256 * 1024 * 1024, follow: true, what: 'file to attach' });
        const name = await ask((ctx) => p.input({ message: 'Name', default: file.split('/').pop() }, ctx));
        putAttachment(s.vault.db, e, name, data);
        await save(s, `attached ${name}`);
        continue;
      }
      const what = await ask((ctx) => p.select({ message: t(picked), choices: [{ name: 'save to a file', value: 'save' }, { name: 'remove', value: 'rm' }, { name: 'back', value: 'back' }] }, ctx));
      if (what === 'save') {
        const path = await ask((ctx) => p.input({ message: 'Save as (mode 0600, an existing file is not replaced)', required: true }, ctx));
        const { writeFileSync } = await import('node:fs');
        writeFileSync(path, getAttachment(e, picked), { mode: 0o600, flag: 'wx' });
        process.stderr.write(`wrote ${path}\n`);
      } else if (what === 'rm') {
        removeAttachment(s.vault.db, e, picked);
        await save(s, `removed ${picked} (kept in history)`);
      }
    } catch (err) {
      if (err instanceof IdleLock || (err as Error)?.name === 'ExitPromptError') throw err;
      process.stderr.write(`stv: ${t((err as Error).message)}\n`);
    }
  }
}

export async function addEntry(s: Session, p: Prompts, ask: Ask, save: Saver): Promise<void> {
  const { newEntry } = await import('../../vault/index.js');
  const title = await ask((ctx) => p.input({ message: 'Title', required: true }, ctx));
  const username = await ask((ctx) => p.input({ message: 'Username' }, ctx));
  const url = await ask((ctx) => p.input({ message: 'URL' }, ctx));
  const e = newEntry(title);
  e.set('UserName', username);
  e.set('URL', url);
  e.set('Password', await ask((ctx) => p.password({ message: 'Password', mask: false }, ctx)), true);
  s.vault.db.root.addEntry(e);
  await save(s, `added ${e.path()}`);
}
