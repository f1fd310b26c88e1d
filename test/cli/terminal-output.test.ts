/**
 * Vault content must not drive the terminal (issue 18, hole 4). A vault
 * someone else wrote (test/fixtures/hostile/terminal-escapes.kdbx) carries
 * OSC 0 (window title), OSC 52 (clipboard), CSI 2J (clear screen), the
 * alternate screen, a C1 CSI and a CR in its title, username, URL, notes and
 * a custom field. `ls`, `find`, `show` and an error naming the entry run in a
 * real terminal (tmux, which acts on those sequences: set-clipboard on); the
 * pane's title, tmux's paste buffers and the screen must be untouched, and
 * the values show escaped. Through a pipe, `-a` and `--json` stay raw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, ROOT, STV, stv, tempDir } from '../helpers/tools.js';
import { terminal } from '../helpers/terminal.js';

const VAULT = join(ROOT, 'test', 'fixtures', 'hostile', 'terminal-escapes.kdbx');
const ENTRY = '101112131415161718191a1b1c1d1e1f';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
const session = `stv-term-${process.pid}`;
const term = terminal(session, () => ({ dir, env }));

beforeAll(() => {
  if (!existsSync('/usr/bin/tmux')) throw new Error('tmux is missing: install the Debian package tmux (npm test installs it when run as root)');
  ({ dir, cleanup } = tempDir('stv-term-'));
  env = isolatedEnv(dir, { TERM: 'xterm-256color' });
  writeFileSync(join(dir, 'pw'), 'hostile pw\n', { mode: 0o600 });
  const stvCmd = `${process.execPath} ${STV} --no-agent --vault ${VAULT} --password-file ${join(dir, 'pw')}`;
  writeFileSync(join(dir, 'run.sh'), [
    'printf "MARKER-BEFORE\\n"',
    `${stvCmd} ls`,
    `${stvCmd} find user`,
    `${stvCmd} show -s ${ENTRY}`,
    `${stvCmd} mv ${ENTRY} NoSuchGroup`,
    'printf "MARKER-DONE\\n"',
    'sleep 600',
  ].join('\n'));
  const r = term.tmux('-f', '/dev/null', 'new-session', '-d', '-s', session, '-x', '200', '-y', '50', `sh ${join(dir, 'run.sh')}`);
  expect(r.status, r.stderr).toBe(0);
  term.tmux('set-option', '-g', 'set-clipboard', 'on');
});

afterAll(() => {
  term.tmux('kill-server');
  cleanup?.();
});

describe('vault content printed to a terminal', () => {
  it('cannot set the title, write the clipboard, clear the screen or rewrite a line; the values show escaped', async () => {
    await term.waitForMore('MARKER-DONE', 0);
    const screen = term.screen();
    expect(screen).toContain('MARKER-BEFORE'); // not cleared by CSI 2J, not hidden by the alternate screen
    expect(term.tmux('display-message', '-p', '-t', session, '#{pane_title}').stdout.trim()).not.toBe('PWNED-TITLE');
    expect(term.tmux('list-buffers').stdout).toBe(''); // OSC 52 made no paste buffer
    // ls, find (path), show (each field), escaped as ls -q/git would.
    expect(screen.split('Evil\\e]0;PWNED-TITLE\\aX').length - 1).toBeGreaterThanOrEqual(3);
    expect(screen).toContain('UserName: \\e]52;c;SU5KRUNURUQ=\\auser');
    expect(screen).toContain('URL: AAAAAAAA\\rBB');
    expect(screen).toContain('Notes: before\\e[2Jafter \\x9b31mred');
    expect(screen).toContain('Field: x\\e[?1049hy');
    // An error that names the entry is one line, escaped too.
    expect(screen).toMatch(/^stv: group 'NoSuchGroup' not found/m);
  });
});

describe('through a pipe', () => {
  const pwFile = () => join(dir, 'pw');
  it('-a and --json stay raw (JSON escapes controls itself), as does plain output that is not a terminal', () => {
    const a = stv(['--no-agent', '--vault', VAULT, '--password-file', pwFile(), 'show', '-a', 'username', ENTRY], { env });
    expect(a.stdout).toBe('\x1b]52;c;SU5KRUNURUQ=\x07user\n');
    const j = stv(['--no-agent', '--json', '--vault', VAULT, '--password-file', pwFile(), 'show', ENTRY], { env });
    expect(JSON.parse(j.stdout).title).toBe('Evil\x1b]0;PWNED-TITLE\x07X');
    expect(j.stdout).not.toContain('\x1b');
    const ls = stv(['--no-agent', '--vault', VAULT, '--password-file', pwFile(), 'ls'], { env });
    expect(ls.stdout).toBe('Evil\x1b]0;PWNED-TITLE\x07X\n');
  });
});
