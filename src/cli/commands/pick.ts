/** stv pick: choose an entry in a picker and copy a field. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('pick [query]')
    .description('choose an entry in fzf (or rofi, dmenu, wofi) and copy its password, purged after 30 s')
    .option('--picker <name>', 'fzf, rofi, dmenu, wofi, or a command line that reads lines and prints the chosen one (default: config picker, else fzf on a terminal, else rofi/wofi/dmenu)')
    .option('-f, --field <name>', 'copy this field instead of the password (username, url, totp, a custom field)')
    .option('--best', "take fzf's best match for QUERY without showing the picker (fzf --filter)")
    .option('-t, --timeout <seconds>', 'seconds before the purge (as stv clip)')
    .option('--print-if-no-clipboard', 'with no clipboard, show the value on the terminal instead')
    .addHelpText('after', `
The picker sees entry paths only, on its stdin. Run from a desktop key
binding, unlock first ('stv unlock'): a picker cannot ask for the password.

Examples:
  $ stv pick                          fzf over every entry; Enter copies the password
  $ stv pick amaz -f username
  $ stv pick --picker rofi            e.g. bound to a key in your window manager
  $ stv pick --best github -f totp    no picker: fzf's best match
`)
    .action(async (q, o, cmd) => (await import('../actions/pick-actions.js')).pick(globals(cmd), q, o));
}
