/**
 * The interactive shell. Every prompt carries an idle deadline; when it
 * passes, the shell clears the screen, wipes the vault from memory and asks
 * for the master password again.
 */
import { UsageError } from '../../errors/index.js';
import { canPrompt } from '../secrets-input.js';
import { openSession, type Session } from '../session.js';
import { type GlobalOptions } from '../runtime.js';
import { findEntries, entryDetail, listVersions, listConflicts, versionAt, restoreVersion, resolveConflict, type Entry } from '../../vault/index.js';
import { fieldOf } from '../queries.js';
import { escapeControls } from '../terminal-safe.js';

/** The shell runs on a terminal: every vault value it shows is escaped (terminal-safe.ts). */
const t = (v: string) => escapeControls(v);

const CLEAR = '\x1b[2J\x1b[3J\x1b[H';

class IdleLock extends Error {}

export async function shell(opts: GlobalOptions, o: { timeout?: string }): Promise<void> {
  if (!canPrompt()) throw new UsageError('stv shell needs a terminal; use the other commands in scripts');
  const prompts = await import('@inquirer/prompts');
  let session: Session | undefined;
  const idleSeconds = o.timeout !== undefined ? Number(o.timeout) : undefined;
  for (;;) {
    if (!session) {
      // Never reuse an agent key after an idle lock: the point is to ask again.
      session = await openSession({ ...opts, agent: false });
      process.stderr.write(`unlocked ${t(session.ref.name ?? session.ref.path)}; type to search, Ctrl-C to quit\n`);
    }
    const idleMs = 1000 * (idleSeconds ?? session.config.autoLockSeconds ?? 30);
    const ask = async <T>(fn: (ctx: { signal: AbortSignal; output: NodeJS.WritableStream }) => Promise<T>): Promise<T> => {
      try {
        return await fn({ signal: AbortSignal.timeout(idleMs), output: process.stderr });
      } catch (e) {
        if ((e as Error).name === 'AbortPromptError') throw new IdleLock();
        throw e;
      }
    };
    try {
      await mainMenu(session, prompts, ask);
      session.close();
      return;
    } catch (e) {
      if (!(e instanceof IdleLock)) {
        session.close();
        throw e;
      }
      session.close();
      session = undefined;
      process.stderr.write(`${CLEAR}stv: locked after ${idleMs / 1000} s of inactivity\n`);
    }
  }
}

type Prompts = typeof import('@inquirer/prompts');
type Ask = <T>(fn: (ctx: { signal: AbortSignal; output: NodeJS.WritableStream }) => Promise<T>) => Promise<T>;

async function mainMenu(s: Session, p: Prompts, ask: Ask): Promise<void> {
  const db = s.vault.db;
  for (;;) {
    const conflicted = listConflicts(db).length;
    const picked = await ask((ctx) =>
      p.search<Entry | 'add' | 'quit' | 'conflicts'>(
        {
          message: 'Search entries',
          source: (term) => {
            const hits = findEntries(db, term ?? '').slice(0, 30).map((e) => ({ name: `${t(e.path())}  ${t(e.get('UserName'))}`, value: e as Entry | 'add' | 'quit' | 'conflicts' }));
            const extra = conflicted ? [{ name: `! ${conflicted} conflict(s) from merges`, value: 'conflicts' as const }] : [];
            return [...hits, ...extra, { name: '+ add an entry', value: 'add' as const }, { name: '× quit', value: 'quit' as const }];
          },
        },
        ctx,
      ),
    );
    if (picked === 'quit') return;
    if (picked === 'add') await addEntry(s, p, ask);
    else if (picked === 'conflicts') await conflictsMenu(s, p, ask);
    else await entryMenu(s, picked, p, ask);
  }
}

async function entryMenu(s: Session, e: Entry, p: Prompts, ask: Ask): Promise<void> {
  for (;;) {
    const d = entryDetail(e, false);
    process.stderr.write(`\n${t(d.path)}\n  user: ${t(d.username)}\n  url:  ${t(d.url)}\n  history: ${d.history} version(s)\n`);
    if (d.conflict) process.stderr.write(`  conflict: ${d.conflict.map(t).join(', ')} (a merge kept both values; see 'history', settle with 'resolve')\n`);
    const action = await ask((ctx) =>
      p.select(
        {
          message: 'Action',
          // Every action on one page: a menu that scrolls hides the last ones.
          pageSize: 12,
          choices: [
            { name: 'copy password', value: 'copy:password' },
            { name: 'copy username', value: 'copy:username' },
            { name: 'show password', value: 'show' },
            { name: 'show username', value: 'show:username' },
            { name: 'edit', value: 'edit' },
            { name: 'new password', value: 'password' },
            { name: 'history', value: 'history' },
            ...(d.conflict ? [{ name: 'resolve conflict', value: 'resolve' }] : []),
            { name: `attachments (${e.hasAttachments ? e.attachments.size : 0})`, value: 'attachments' },
            { name: 'back', value: 'back' },
          ],
        },
        ctx,
      ),
    );
    if (action === 'back') return;
    if (action === 'attachments') await attachmentMenu(s, e, p, ask);
    if (action === 'show') process.stderr.write(`  password: ${t(e.get('Password'))}\n`);
    if (action.startsWith('copy:')) {
      const { value, label } = await fieldOf(e, action.slice(5));
      const { copySecret } = await import('../../clipboard/index.js');
      const r = await copySecret(value, { timeoutSeconds: s.config.clipboardSeconds ?? 30 });
      process.stderr.write(`copied ${t(label)}; clears in ${r.clearsInSeconds} s\n`);
    }
    if (action === 'show:username') process.stderr.write(`  username: ${t(e.get('UserName'))}\n`);
    if (action === 'edit') {
      const username = await editField(p, ask, 'Username', e.get('UserName'));
      const url = await editField(p, ask, 'URL', e.get('URL'));
      s.vault.db.updateEntry(e, (x) => {
        x.set('UserName', username);
        x.set('URL', url);
      });
      await s.save();
      process.stderr.write('saved\n');
    }
    if (action === 'history') await historyMenu(s, e, p, ask);
    if (action === 'resolve') {
      const keep = await ask((ctx) =>
        p.select<'current' | number>(
          { message: 'Keep', choices: [{ name: 'the current values', value: 'current' as const }, ...versionChoices(e).filter((c) => c.side)] },
          ctx,
        ),
      );
      resolveConflict(s.vault.db, e, keep);
      await s.save();
      process.stderr.write('resolved\n');
    }
    if (action === 'password') {
      const pw = await ask((ctx) => p.password({ message: 'New password', mask: false }, ctx));
      s.vault.db.updateEntry(e, (x) => x.set('Password', pw, true));
      await s.save();
      process.stderr.write('saved the new password (old one kept in history)\n');
    }
  }
}

function versionChoices(e: Entry): { name: string; value: number; side: boolean }[] {
  return listVersions(e).slice(1).map((v) => ({
    name: `${v.n}  ${v.modified}  ${v.differs.length ? `differs in ${v.differs.join(', ')}` : 'same content'}${v.conflictSide ? '  (conflict side)' : ''}`,
    value: v.n,
    side: v.conflictSide,
  }));
}

async function historyMenu(s: Session, e: Entry, p: Prompts, ask: Ask): Promise<void> {
  const choices = versionChoices(e);
  if (!choices.length) return void process.stderr.write('  no earlier versions\n');
  const n = await ask((ctx) => p.select<number | 0>({ message: 'Version', choices: [...choices, { name: 'back', value: 0 }] }, ctx));
  if (!n) return;
  const v = entryDetail(versionAt(e, n), false);
  process.stderr.write(`  version ${n} (${v.modified})\n  user: ${t(v.username)}\n  url:  ${t(v.url)}\n`);
  const what = await ask((ctx) => p.select({ message: 'Action', choices: [{ name: 'make it current', value: 'restore' }, { name: 'back', value: 'back' }] }, ctx));
  if (what !== 'restore') return;
  restoreVersion(s.vault.db, e, n);
  await s.save();
  process.stderr.write(`restored version ${n}\n`);
}

async function conflictsMenu(s: Session, p: Prompts, ask: Ask): Promise<void> {
  const list = listConflicts(s.vault.db);
  for (const c of list) {
    process.stderr.write(`${t(c.path)}${c.deletedElsewhere ? ' (deleted elsewhere, kept)' : ''}\n`);
    for (const f of c.fields) process.stderr.write(`  ${t(f.field)}: ${t(f.current)} (current)${f.others.map((o) => `; ${t(o.value)} (version ${o.version})`).join('')}\n`);
  }
  const uuid = await ask((ctx) => p.select<string>({ message: 'Entry', choices: [...list.map((c) => ({ name: t(c.path), value: c.uuid })), { name: 'back', value: '' }] }, ctx));
  const e = uuid ? [...s.vault.db.entries()].find((x) => x.uuid === uuid) : undefined;
  if (e) await entryMenu(s, e, p, ask);
}

/**
 * A prompt prefilled with the current value. A value with controls in it is
 * not put on the prompt line (the terminal would act on it): it is named
 * escaped, and an empty answer keeps it unchanged.
 */
async function editField(p: Prompts, ask: Ask, label: string, current: string): Promise<string> {
  if (t(current) === current) return ask((ctx) => p.input({ message: label, default: current }, ctx));
  const answer = await ask((ctx) => p.input({ message: `${label} (now ${t(current)}; Enter keeps it)` }, ctx));
  return answer === '' ? current : answer;
}

/** The same operations as `stv attachment ls|get|add|rm`. */
async function attachmentMenu(s: Session, e: Entry, p: Prompts, ask: Ask): Promise<void> {
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
        await s.save();
        process.stderr.write(`attached ${name}\n`);
        continue;
      }
      const what = await ask((ctx) => p.select({ message: picked, choices: [{ name: 'save to a file', value: 'save' }, { name: 'remove', value: 'rm' }, { name: 'back', value: 'back' }] }, ctx));
      if (what === 'save') {
        const path = await ask((ctx) => p.input({ message: 'Save as (mode 0600, an existing file is not replaced)', required: true }, ctx));
        const { writeFileSync } = await import('node:fs');
        writeFileSync(path, getAttachment(e, picked), { mode: 0o600, flag: 'wx' });
        process.stderr.write(`wrote ${path}\n`);
      } else if (what === 'rm') {
        removeAttachment(s.vault.db, e, picked);
        await s.save();
        process.stderr.write(`removed ${picked} (kept in history)\n`);
      }
    } catch (err) {
      if (err instanceof IdleLock) throw err;
      process.stderr.write(`stv: ${t((err as Error).message)}\n`);
    }
  }
}

async function addEntry(s: Session, p: Prompts, ask: Ask): Promise<void> {
  const { Entry } = await import('../../vault/index.js');
  const title = await ask((ctx) => p.input({ message: 'Title', required: true }, ctx));
  const username = await ask((ctx) => p.input({ message: 'Username' }, ctx));
  const url = await ask((ctx) => p.input({ message: 'URL' }, ctx));
  const e = new Entry();
  for (const f of ['Title', 'UserName', 'Password', 'URL', 'Notes']) e.set(f, '', f === 'Password');
  e.set('Title', title);
  e.set('UserName', username);
  e.set('URL', url);
  e.set('Password', await ask((ctx) => p.password({ message: 'Password', mask: false }, ctx)), true);
  s.vault.db.root.addEntry(e);
  await s.save();
  process.stderr.write(`added ${t(e.path())}\n`);
}
