/** stv shell: an interactive session that locks itself when idle. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('shell')
    .description('interactive session: search as you type, show or copy fields, add and edit; locks itself when idle')
    .option('--timeout <seconds>', 'lock after this many idle seconds (default: config autoLockSeconds, else 30)')
    .addHelpText('after', '\nExamples:\n  $ stv shell\n  $ stv --vault financial shell --timeout 60\n')
    .action(async (o, cmd) => (await import('../actions/shell-actions.js')).shell(globals(cmd), o));
}
