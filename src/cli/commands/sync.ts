/** stv sync and stv stick: copies of a vault on USB sticks. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];
const act = async () => import('../actions/sync-actions.js');

export function register(program: Command): void {
  program
    .command('sync [vaults...]')
    .description('bring every reachable copy of a vault (local + mounted sticks) to the same content; no edit is lost')
    .option('--all', 'every configured vault and every vault found on a mounted stick')
    .option('--dry-run', 'say what would change, write nothing')
    .option('--watch', 'keep running: sync each stick as it is mounted, and the mounted sticks after a local save (the vaults named, else all)')
    .option('--watch-dir <dir>', 'directory where sticks get mounted (repeatable; default /media/$USER, /run/media/$USER, /media, /mnt)', collect)
    .option('--generations <n>', 'old versions kept per stick in .stickvault/backups (default 5)')
    .addHelpText('after', `
Copies that are identical, or where one that this machine wrote or opened
with the key descends from the others (its private ledger says so; a stick's
sidecar is only a hint, clocks are never used), need no key. Otherwise the
key is asked for and all copies are merged in one step against their bases.
Exit 0 when every copy converged; 7 when a copy failed or a conflict needs a look.

Examples:
  $ stv sync                          the default vault, every stick that holds it
  $ stv sync --all --json             every vault, for a script
  $ stv --vault financial sync --dry-run
  $ stv --password-file ~/.pw sync --watch`)
    .action(async (vaults: string[], o, cmd) => (await act()).sync(globals(cmd), vaults, o));

  const stick = program.command('stick').description('prepare, list and forget USB sticks that carry vault copies');
  stick
    .command('init <mountpoint>')
    .description('prepare a mounted stick (.stickvault/stick.json) and put the vault (--vault) on it')
    .option('--label <label>', 'a name for the stick, e.g. black-backup (needed for a new stick)')
    .option('--file <name>', 'file name on the stick (default: the vault file name)')
    .addHelpText('after', '\nExamples:\n  $ stv --vault financial stick init /media/fred/BLACK --label black\n  $ stv stick init /media/fred/WHITE2 --label white-backup --file personal.kdbx\n')
    .action(async (mount: string, o, cmd) => (await act()).stickInit(globals(cmd), mount, o));
  stick
    .command('ls')
    .description('known sticks: mounted or not, what each holds, when it was last synced and how far behind it is')
    .addHelpText('after', '\nExamples:\n  $ stv stick ls\n  $ stv --json stick ls\n')
    .action(async (_o, cmd) => (await act()).stickLs(globals(cmd)));
  stick
    .command('forget <label|id>')
    .description('forget a stick on this machine (its files are not touched)')
    .addHelpText('after', '\nExamples:\n  $ stv stick forget black-old\n')
    .action(async (which: string, _o, cmd) => (await act()).stickForget(globals(cmd), which));
}
