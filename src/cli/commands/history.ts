/** An entry's versions and merge conflicts: history, restore, conflicts, resolve. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('history <entry>')
    .description("list an entry's versions (0 is the current one): when each was made and which fields differ from the current one")
    .addHelpText('after', '\nExamples:\n  $ stv history amazon\n  $ stv show amazon --version 2      one of them in full\n  $ stv --json history amazon\n')
    .action(async (entry, _o, cmd) => (await import('../actions/history-actions.js')).history(globals(cmd), entry));

  program
    .command('restore <entry> <version>')
    .description("make version N from 'stv history' current again (a new version; the current one goes into history)")
    .addHelpText('after', '\nExamples:\n  $ stv restore amazon 1             back to the version before the last change\n')
    .action(async (entry, version, _o, cmd) => (await import('../actions/history-actions.js')).restore(globals(cmd), entry, version));

  program
    .command('conflicts')
    .description('list the entries a merge found edited differently in two places: each field in conflict, the current value and the other (protected values only as "changed")')
    .addHelpText('after', '\nExamples:\n  $ stv conflicts\n  $ stv --json conflicts\n')
    .action(async (_o, cmd) => (await import('../actions/history-actions.js')).conflicts(globals(cmd)));

  program
    .command('resolve <entry>')
    .description('settle a merge conflict: keep the current version (or version N) as a new version, without the conflict tag')
    .option('--keep <which>', "'current', or a version number from 'stv history'", 'current')
    .addHelpText('after', '\nExamples:\n  $ stv resolve amazon               the current values stay\n  $ stv resolve amazon --keep 2      the other side (version 2 in stv conflicts) wins\n')
    .action(async (entry, o, cmd) => (await import('../actions/history-actions.js')).resolve(globals(cmd), entry, o));
}
