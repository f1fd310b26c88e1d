/** stv git-credential: git's credential helper. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('git-credential <action>')
    .description("git's credential helper (get, store, erase): set it up with 'git config --global credential.helper stv'")
    .addHelpText('after', `
git runs 'git-credential-stv get|store|erase' with the request on stdin. get
answers from the entry whose URL matches protocol, host, port (and path with
credential.useHttpPath) and username; store adds or updates an entry in the
group 'Git' (config gitCredentialGroup), the old password kept in history;
erase moves an exact match to the recycle bin. The master password comes from
the agent, --password-file/-fd or a prompt on /dev/tty, never from stdin; when
the vault is locked and there is no terminal, or nothing matches, get prints
nothing so git asks elsewhere.

Examples:
  $ git config --global credential.helper stv
  $ git config --global credential.helper 'stv --vault work'
  $ printf 'protocol=https\\nhost=github.com\\n\\n' | git credential fill
`)
    .action(async (action, _o, cmd) => (await import('../actions/git-credential-actions.js')).gitCredential(globals(cmd), action));
}
