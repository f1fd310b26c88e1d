/** unlock, lock, status: the agent that keeps vaults unlocked for a short while. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('unlock')
    .description('unlock the vault for later commands; it locks itself after --timeout seconds of disuse')
    .option('--timeout <seconds>', 'idle seconds before the key is forgotten (default: config autoLockSeconds, else 30)')
    .option('--hard-cap <seconds>', 'forget the key after this long whatever happens', String(8 * 3600))
    .addHelpText('after', '\nExamples:\n  $ stv unlock\n  $ stv --vault financial unlock --timeout 120\n')
    .action(async (o, cmd) => (await import('../actions/agent-actions.js')).unlock(globals(cmd), o));
  program
    .command('lock')
    .description('forget the key of a vault now (or of all vaults)')
    .option('--all', 'lock every vault')
    .addHelpText('after', '\nExamples:\n  $ stv lock\n  $ stv lock --all\n')
    .action(async (o, cmd) => (await import('../actions/agent-actions.js')).lock(globals(cmd), o));
  program
    .command('status')
    .description('which vaults are unlocked, and seconds until each locks')
    .addHelpText('after', '\nExamples:\n  $ stv status\n  $ stv --json status\n')
    .action(async (_o, cmd) => (await import('../actions/agent-actions.js')).status(globals(cmd)));
}
