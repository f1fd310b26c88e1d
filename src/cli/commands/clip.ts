/** stv clip: copy a field, purge it after a timeout if it is still ours. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('clip [entry] [field]')
    .description('copy a field (password by default) to the clipboard; purged after 30 s unless you copied something else')
    .option('-t, --timeout <seconds>', 'seconds before the purge (0 = never; default: config clipboardSeconds, else 30)')
    .option('--clear', 'purge the clipboard now')
    .option('--print-if-no-clipboard', 'with no clipboard, show the value on the terminal instead')
    .addHelpText('after', `
FIELD: password (default), username, url, totp, or a custom field name.

Examples:
  $ stv clip amazon
  $ stv clip Shopping/Amazon username
  $ stv clip github totp --timeout 15
  $ stv clip --clear
`)
    .action(async (entry, field, o, cmd) => (await import('../actions/clip-actions.js')).clip(globals(cmd), entry, field, o));
  program.command('__clip-helper', { hidden: true }).action(async () => (await import('../../clipboard/index.js')).runClipHelper());
}
