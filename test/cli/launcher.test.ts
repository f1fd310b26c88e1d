/** The launcher's list of commands that may open a vault names real commands (a renamed one would silently lose its warm start). */
import { expect, test } from 'vitest';
import { STV, run } from '../helpers/tools.js';
import { KEY_COMMANDS } from '../../src/cli/key-commands.js';

test('every command the launcher starts the AES-KDF workers for is a command of stv', () => {
  const help = run(process.execPath, [STV, '--help']);
  expect(help.status, help.stderr).toBe(0);
  const section = help.stdout.slice(help.stdout.indexOf('\nCommands:\n'));
  const names = new Set([...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]));
  expect(names.has('show') && names.has('ssh-add')).toBe(true);
  expect(KEY_COMMANDS.filter((c) => !names.has(c))).toEqual([]);
  expect(KEY_COMMANDS).not.toContain('sync');
});
