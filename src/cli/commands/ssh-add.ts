/** stv ssh-add: load entries' SSH keys into ssh-agent. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('ssh-add [entry...]')
    .description("load entries' SSH keys into the running ssh-agent (SSH_AUTH_SOCK), as KeePassXC's KeeAgent settings say")
    .option('-l, --list', 'show which entries hold SSH keys, and which are in ssh-agent now')
    .option('-d, --delete', 'remove the keys stv added from this vault (stv lock does too)')
    .option('-t, --lifetime <seconds>', "how long ssh-agent keeps the keys (90m, 8h, 1d; 0 = until stv lock); default: the entry's KeeAgent lifetime, else the vault's auto-lock time")
    .option('-c, --confirm', 'ssh-agent asks before each use of the keys')
    .addHelpText('after', `
Without ENTRY: every entry whose KeeAgent settings (KeePassXC: Entry › SSH
Agent) allow the key and add it when the database opens. The key is an
attachment or a file, as the settings say; an entry without settings may
hold one private key attachment. Its passphrase is the entry's password.
Keys go to ssh-agent over its socket: never to disk, never on a command line.
'stv lock' removes them again (unless 'Remove key from agent when database
is closed/locked' is off).

Examples:
  $ stv ssh-add                         the keys KeePassXC adds when the vault opens
  $ stv ssh-add Servers/web1 --lifetime 8h
  $ stv ssh-add --list
  $ stv lock                            the vault and its keys
`)
    .action(async (entries: string[], o, cmd) => (await import('../actions/ssh-add-actions.js')).sshAdd(globals(cmd), entries, o));
}
