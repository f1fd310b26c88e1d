/** stv shell: an interactive session that locks itself when idle. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('shell')
    .description('interactive session: search as you type, show or copy fields, add and edit; locks itself when idle')
    .option('--timeout <seconds>', 'lock after this many idle seconds (default: config autoLockSeconds, else 30)')
    .addHelpText('after', `
An entry shows its fields (protected ones hidden), notes and current TOTP code;
edit changes title, username, URL, tags and notes, or every field in $EDITOR.
Ctrl-C inside an action cancels that action; at the search it leaves the shell
(exit 0), saying how many changes were saved.

Examples:
  $ stv shell
  $ stv --vault financial shell --timeout 60
`)
    .action(async (o, cmd) => (await import('../actions/shell-actions.js')).shell(globals(cmd), o));
}
