/** stv git setup|diff-text and stv merge-driver: a vault kept in a git repository. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

const act = async () => import('../actions/git-actions.js');

export function register(program: Command): void {
  const git = program.command('git').description('keep a vault in git: a merge driver and a secret-free diff for *.kdbx');
  git
    .command('setup')
    .description("in a git repository: merge *.kdbx with stv (merge.kdbx.driver) and show secret-free diffs (diff.kdbx.textconv); marks *.kdbx in .gitattributes")
    .option('--command <cmd>', "how git runs stv, e.g. 'stv --password-file ~/.pw' (default: stv)", 'stv')
    .addHelpText('after', "\nExamples:\n  $ cd ~/vaults && stv git setup\n  $ stv git setup --command 'stv --password-file ~/.config/stv-pw'\n")
    .action(async (o, cmd) => (await act()).gitSetup(globals(cmd), o));
  git
    .command('diff-text <file>')
    .description('entries, field names and keyed hashes of their values (the textconv git diff uses); never a secret')
    .addHelpText('after', '\nExamples:\n  $ stv git diff-text personal.kdbx\n  $ git diff HEAD~1 -- personal.kdbx    (after stv git setup)\n')
    .action(async (file: string, _o, cmd) => (await act()).gitDiffText(globals(cmd), file));
  program
    .command('merge-driver <base> <ours> <theirs> [path]')
    .description("git's merge driver for *.kdbx (%O %A %B %P): three-way merge into OURS; exit 0 merged cleanly, 1 when a conflict needs a look")
    .addHelpText('after', "\nThe key: the agent's (after 'stv unlock'), else --password-file, else a prompt on\n/dev/tty; never git's stdin. Set up by 'stv git setup'.\n\nExamples:\n  $ git config merge.kdbx.driver 'stv merge-driver %O %A %B %P'\n")
    .action(async (base: string, ours: string, theirs: string, path: string | undefined, _o, cmd) => (await act()).mergeDriver(globals(cmd), { base, ours, theirs, path }));
}
