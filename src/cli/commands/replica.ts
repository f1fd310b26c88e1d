/** stv replica: copies of a vault beyond sticks (a folder a sync tool keeps). */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

const act = async () => import('../actions/replica-actions.js');

export function register(program: Command): void {
  const replica = program.command('replica').description('copies of a vault beyond sticks: a folder Syncthing, Nextcloud, Dropbox, Google Drive or OneDrive keeps, or an rclone remote');
  replica
    .command('add <location>')
    .description('make a folder (or a .kdbx file in one), or rclone:REMOTE:PATH/FILE.kdbx, a copy of the vault (--vault) that every stv sync brings up to date')
    .option('--label <label>', 'a name for the copy (default folder:DIRNAME)')
    .addHelpText('after', '\nExamples:\n  $ stv replica add ~/Sync\n  $ stv --vault work replica add ~/Nextcloud/keys/work.kdbx --label nextcloud\n  $ stv replica add rclone:nas:vaults/personal.kdbx\n')
    .action(async (location: string, o, cmd) => (await act()).replicaAdd(globals(cmd), location, o));
  replica
    .command('ls')
    .description('every copy of every vault (local, sticks, folders): where, when last synced, how far behind')
    .addHelpText('after', '\nExamples:\n  $ stv replica ls\n  $ stv --json replica ls\n')
    .action(async (_o, cmd) => (await act()).replicaLs(globals(cmd)));
  replica
    .command('rm <label|id|path>')
    .description('stop syncing a folder copy (its files are not touched)')
    .addHelpText('after', '\nExamples:\n  $ stv replica rm folder:Sync\n')
    .action(async (which: string, _o, cmd) => (await act()).replicaRm(globals(cmd), which));
}
