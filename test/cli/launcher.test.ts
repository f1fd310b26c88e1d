/** The launcher's list of commands that may open a vault names real commands (a renamed one would silently lose its warm start). */
import { expect, test } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { KEY_COMMANDS } from '../../src/cli/key-commands.js';

test('every command the launcher starts the AES-KDF workers for is a command of stv', () => {
  const names = new Set(buildProgram().commands.flatMap((c) => [c.name(), ...c.aliases()]));
  expect(KEY_COMMANDS.filter((c) => !names.has(c))).toEqual([]);
  expect(KEY_COMMANDS).not.toContain('sync');
});
