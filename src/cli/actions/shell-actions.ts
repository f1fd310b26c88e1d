/**
 * The interactive shell. Every prompt carries an idle deadline; when it
 * passes, the shell clears the screen, wipes the vault from memory and asks
 * for the master password again. Ctrl-C inside an action cancels that action
 * (what was saved before stays saved); Ctrl-C at the search prompt leaves the
 * shell, saying how many changes were saved.
 */
import { UsageError } from '../../errors/index.js';
import { canPrompt } from '../secrets-input.js';
import { openSession, type Session } from '../session.js';
import { type GlobalOptions } from '../runtime.js';
import { findEntries, entryDetail, type Entry } from '../../vault/index.js';
import { fieldOf } from '../queries.js';

const CLEAR = '\x1b[2J\x1b[3J\x1b[H';

class IdleLock extends Error {}

const isCtrlC = (e: unknown) => (e as Error)?.name === 'ExitPromptError';

export async function shell(opts: GlobalOptions, o: { timeout?: string }): Promise<void> {
  if (!canPrompt()) throw new UsageError('stv shell needs a terminal; use the other commands in scripts');
  const prompts = await import('@inquirer/prompts');
  let session: Session | undefined;
  const idleSeconds = o.timeout !== undefined ? Number(o.timeout) : undefined;
  saves = 0;
  for (;;) {
    if (!session) {
      // Never reuse an agent key after an idle lock: the point is to ask again.
      session = await openSession({ ...opts, agent: false });
      process.stderr.write(`unlocked ${session.ref.name ?? session.ref.path}; type to search, Ctrl-C to quit\n`);
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

/** Saves made in this shell, for the message on leaving. */
let saves = 0;

async function save(s: Session, what: string): Promise<void> {
  await s.save();
  saves++;
  process.stderr.write(`${what}\n`);
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

type Prompts = typeof import('@inquirer/prompts');
type Ask = <T>(fn: (ctx: { signal: AbortSignal; output: NodeJS.WritableStream }) => Promise<T>) => Promise<T>;

async function mainMenu(s: Session, p: Prompts, ask: Ask): Promise<void> {
  const db = s.vault.db;
  for (;;) {
    const picked = await ask((ctx) =>
      p.search<Entry | 'add' | 'quit'>(
        {
          message: 'Search entries',
          source: (term) => {
            const hits = findEntries(db, term ?? '').slice(0, 30).map((e) => ({ name: `${e.path()}  ${e.get('UserName')}`, value: e as Entry | 'add' | 'quit' }));
            return [...hits, { name: '+ add an entry', value: 'add' as const }, { name: '× quit', value: 'quit' as const }];
          },
        },
        ctx,
      ),
    );
    if (picked === 'quit') throw Object.assign(new Error('quit'), { name: 'ExitPromptError' });
    if (picked === 'add') await cancellable(() => addEntry(s, p, ask));
    else await entryMenu(s, picked, p, ask);
  }
}

/** What the shell shows of an entry: every field but protected values, the notes, and the current TOTP code. */
async function describe(e: Entry): Promise<string> {
  const d = entryDetail(e, false);
  const lines = [`\n${d.path}`, `  user: ${d.username}`, `  url:  ${d.url}`];
  if (d.tags.length) lines.push(`  tags: ${d.tags.join(', ')}`);
  for (const [name, value] of Object.entries(d.fields)) {
    if (name === 'otp' || name === 'TOTP Seed' || name === 'TOTP Settings') continue;
    lines.push(`  ${name}: ${value}`);
  }
  if (e.get('otp') || e.get('TOTP Seed')) {
    try {
      lines.push(`  totp: ${(await fieldOf(e, 'totp')).value}`);
    } catch (err) {
      lines.push(`  totp: (${(err as Error).message})`);
    }
  }
  if (d.notes) lines.push(`  notes: ${d.notes.split('\n').join('\n         ')}`);
  lines.push(`  history: ${d.history} version(s)`);
  return lines.join('\n') + '\n';
}

async function entryMenu(s: Session, e: Entry, p: Prompts, ask: Ask): Promise<void> {
  for (;;) {
    process.stderr.write(await describe(e));
    const hasTotp = Boolean(e.get('otp') || e.get('TOTP Seed'));
    const action = await ask((ctx) =>
      p.select(
        {
          message: 'Action',
          choices: [
            { name: 'copy password', value: 'copy:password' },
            { name: 'copy username', value: 'copy:username' },
            ...(hasTotp ? [{ name: 'copy TOTP code', value: 'copy:totp' }] : []),
            { name: 'show password', value: 'show' },
            { name: 'show username', value: 'show:username' },
            { name: 'edit title, username, URL, tags, notes', value: 'edit' },
            { name: 'edit every field in $EDITOR', value: 'editor' },
            { name: 'new password', value: 'password' },
            { name: 'back', value: 'back' },
          ],
        },
        ctx,
      ),
    );
    if (action === 'back') return;
    if (action === 'show') process.stderr.write(`  password: ${e.get('Password')}\n`);
    if (action.startsWith('copy:')) {
      const { value, label } = await fieldOf(e, action.slice(5));
      const { copySecret } = await import('../../clipboard/index.js');
      const r = await copySecret(value, { timeoutSeconds: s.config.clipboardSeconds ?? 30 });
      process.stderr.write(`copied ${label}; clears in ${r.clearsInSeconds} s\n`);
    }
    if (action === 'show:username') process.stderr.write(`  username: ${e.get('UserName')}\n`);
    if (action === 'edit') await cancellable(() => editFields(s, e, p, ask));
    if (action === 'editor') await cancellable(() => editInEditor(s, e));
    if (action === 'password') {
      await cancellable(async () => {
        const pw = await ask((ctx) => p.password({ message: 'New password', mask: false }, ctx));
        s.vault.db.updateEntry(e, (x) => x.set('Password', pw, true));
        await save(s, 'saved the new password (old one kept in history)');
      });
    }
  }
}

async function editFields(s: Session, e: Entry, p: Prompts, ask: Ask): Promise<void> {
  const title = await ask((ctx) => p.input({ message: 'Title', default: e.title, required: true }, ctx));
  const username = await ask((ctx) => p.input({ message: 'Username', default: e.get('UserName') }, ctx));
  const url = await ask((ctx) => p.input({ message: 'URL', default: e.get('URL') }, ctx));
  const tags = await ask((ctx) => p.input({ message: 'Tags (comma-separated)', default: e.tags.join(', ') }, ctx));
  const multiLine = e.get('Notes').includes('\n');
  const notes = multiLine
    ? undefined
    : await ask((ctx) => p.input({ message: 'Notes (one line; multi-line notes: edit in $EDITOR)', default: e.isProtected('Notes') ? '' : e.get('Notes') }, ctx));
  const tagList = tags.split(',').map((t) => t.trim()).filter(Boolean);
  s.vault.db.updateEntry(e, (x) => {
    x.set('Title', title);
    x.set('UserName', username);
    x.set('URL', url);
    x.tags = tagList;
    if (notes !== undefined && !(e.isProtected('Notes') && notes === '')) x.set('Notes', notes);
  });
  await save(s, 'saved (old version kept in history)');
}

async function editInEditor(s: Session, e: Entry): Promise<void> {
  const form = await import('../editor-form.js');
  const changes = form.parseForm(form.editText(form.entryForm(e, false)), e);
  if (!form.hasChanges(changes)) return void process.stderr.write('unchanged\n');
  let changed: string[] = [];
  s.vault.db.updateEntry(e, (x) => void (changed = form.applyForm(x, changes)));
  await save(s, `saved ${changed.join(', ')} (old version kept in history)`);
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
  await save(s, `added ${e.path()}`);
}
