/**
 * The interactive shell. Every prompt carries an idle deadline; when it
 * passes, the shell clears the screen, wipes the vault from memory and asks
 * for the master password again. Ctrl-C inside an action cancels that action
 * (what was saved before stays saved); Ctrl-C at the search prompt leaves the
 * shell, saying how many changes were saved. Every vault value it shows is
 * escaped (terminal-safe.ts): the shell always runs on a terminal.
 */
import { UsageError } from '../../errors/index.js';
import { canPrompt } from '../secrets-input.js';
import { openSession, type Session } from '../session.js';
import { type GlobalOptions } from '../runtime.js';
import { findEntries, entryDetail, listConflicts, type Entry } from '../../vault/index.js';
import { fieldOf } from '../../agent-host/index.js';
import { IdleLock, t, type Ask, type Prompts, type Saver } from './shell-common.js';
import { addEntry, attachmentMenu, conflictsMenu, editFields, editInEditor, historyMenu, resolveMenu } from './shell-menus.js';

const CLEAR = '\x1b[2J\x1b[3J\x1b[H';

const isCtrlC = (e: unknown) => (e as Error)?.name === 'ExitPromptError';

export async function shell(opts: GlobalOptions, o: { timeout?: string }): Promise<void> {
  if (!canPrompt()) throw new UsageError('stv shell needs a terminal; use the other commands in scripts');
  const prompts = await import('@inquirer/prompts');
  let session: Session | undefined;
  const idleSeconds = o.timeout !== undefined ? Number(o.timeout) : undefined;
  let saves = 0;
  const save: Saver = async (s, what) => {
    await s.save();
    saves++;
    process.stderr.write(`${t(what)}\n`);
  };
  for (;;) {
    if (!session) {
      // Never reuse an agent key after an idle lock: the point is to ask again.
      session = await openSession({ ...opts, agent: false });
      process.stderr.write(`unlocked ${t(session.ref.name ?? session.ref.path)}; type to search, Ctrl-C to quit\n`);
    }
    const idleMs = 1000 * (idleSeconds ?? session.config.autoLockSeconds ?? 30);
    const ask: Ask = async (fn) => {
      try {
        return await fn({ signal: AbortSignal.timeout(idleMs), output: process.stderr });
      } catch (e) {
        if ((e as Error).name === 'AbortPromptError') throw new IdleLock();
        throw e;
      }
    };
    try {
      await mainMenu(session, prompts, ask, save);
      session.close();
      return;
    } catch (e) {
      if (isCtrlC(e)) {
        session.close();
        process.stderr.write(`stv: left the shell; ${saves === 0 ? 'nothing was changed' : `${saves} change(s) saved`}\n`);
        return;
      }
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

/** Runs one action; Ctrl-C in it cancels only it. */
async function cancellable(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isCtrlC(e)) throw e;
    process.stderr.write('cancelled; this action changed nothing\n');
  }
}

async function mainMenu(s: Session, p: Prompts, ask: Ask, save: Saver): Promise<void> {
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
    if (picked === 'quit') throw Object.assign(new Error('quit'), { name: 'ExitPromptError' });
    if (picked === 'add') await cancellable(() => addEntry(s, p, ask, save));
    else if (picked === 'conflicts') {
      const e = await conflictsMenu(s, p, ask);
      if (e) await entryMenu(s, e, p, ask, save);
    } else await entryMenu(s, picked, p, ask, save);
  }
}

/** What the shell shows of an entry: every field but protected values, the notes, the current TOTP code, a conflict. */
async function describe(e: Entry): Promise<string> {
  const d = entryDetail(e, false);
  const lines = [`\n${t(d.path)}`, `  user: ${t(d.username)}`, `  url:  ${t(d.url)}`];
  if (d.tags.length) lines.push(`  tags: ${d.tags.map(t).join(', ')}`);
  for (const [name, value] of Object.entries(d.fields)) {
    if (name === 'otp' || name === 'TOTP Seed' || name === 'TOTP Settings') continue;
    lines.push(`  ${t(name)}: ${t(value)}`);
  }
  if (e.get('otp') || e.get('TOTP Seed')) {
    try {
      lines.push(`  totp: ${(await fieldOf(e, 'totp')).value}`);
    } catch (err) {
      lines.push(`  totp: (${t((err as Error).message)})`);
    }
  }
  if (d.notes) lines.push(`  notes: ${d.notes.split('\n').map(t).join('\n         ')}`);
  if (e.hasAttachments) lines.push(`  attachments: ${[...e.attachments.keys()].map(t).join(', ')}`);
  lines.push(`  history: ${d.history} version(s)`);
  if (d.conflict) lines.push(`  conflict: ${d.conflict.map(t).join(', ')} (a merge kept both values; see 'history', settle with 'resolve')`);
  return lines.join('\n') + '\n';
}

async function entryMenu(s: Session, e: Entry, p: Prompts, ask: Ask, save: Saver): Promise<void> {
  for (;;) {
    process.stderr.write(await describe(e));
    const hasTotp = Boolean(e.get('otp') || e.get('TOTP Seed'));
    const conflict = Boolean(entryDetail(e, false).conflict);
    const action = await ask((ctx) =>
      p.select(
        {
          message: 'Action',
          // Every action on one page: a menu that scrolls hides the last ones.
          pageSize: 15,
          choices: [
            { name: 'copy password', value: 'copy:password' },
            { name: 'copy username', value: 'copy:username' },
            ...(hasTotp ? [{ name: 'copy TOTP code', value: 'copy:totp' }] : []),
            { name: 'show password', value: 'show' },
            { name: 'show username', value: 'show:username' },
            { name: 'edit title, username, URL, tags, notes', value: 'edit' },
            { name: 'edit every field in $EDITOR', value: 'editor' },
            { name: 'new password', value: 'password' },
            { name: 'history', value: 'history' },
            ...(conflict ? [{ name: 'resolve conflict', value: 'resolve' }] : []),
            { name: `attachments (${e.hasAttachments ? e.attachments.size : 0})`, value: 'attachments' },
            { name: 'back', value: 'back' },
          ],
        },
        ctx,
      ),
    );
    if (action === 'back') return;
    if (action === 'show') process.stderr.write(`  password: ${t(e.get('Password'))}\n`);
    if (action === 'show:username') process.stderr.write(`  username: ${t(e.get('UserName'))}\n`);
    if (action.startsWith('copy:')) {
      const { value, label } = await fieldOf(e, action.slice(5));
      const { copySecret } = await import('../../clipboard/index.js');
      const r = await copySecret(value, { timeoutSeconds: s.config.clipboardSeconds ?? 30 });
      process.stderr.write(`copied ${t(label)}; clears in ${r.clearsInSeconds} s\n`);
    }
    if (action === 'edit') await cancellable(() => editFields(s, e, p, ask, save));
    if (action === 'editor') await cancellable(() => editInEditor(s, e, save));
    if (action === 'history') await cancellable(() => historyMenu(s, e, p, ask, save));
    if (action === 'resolve') await cancellable(() => resolveMenu(s, e, p, ask, save));
    if (action === 'attachments') await cancellable(() => attachmentMenu(s, e, p, ask, save));
    if (action === 'password') {
      await cancellable(async () => {
        const pw = await ask((ctx) => p.password({ message: 'New password', mask: false }, ctx));
        s.vault.db.updateEntry(e, (x) => x.set('Password', pw, true));
        await save(s, 'saved the new password (old one kept in history)');
      });
    }
  }
}
