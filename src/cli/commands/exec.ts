/** stv exec: run a command with secrets as files or on its stdin. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  const collect = (v: string, prev: string[] = []) => [...prev, v];
  program
    .command('exec')
    .description('run a command with secrets as files (NAME_FILE) or on its stdin, never in argv or the environment')
    .option('-f, --file <NAME=ENTRY[:FIELD]>', 'write the field (default password) to a 0600 file; the command gets NAME_FILE=path (repeatable)', collect)
    .option('--stdin <ENTRY[:FIELD]>', "write the field to the command's stdin, then close it")
    .option('--newline', 'end the --stdin value with a newline')
    .argument('<command...>', 'the command and its arguments, after --')
    .addHelpText('after', `
The files live in a 0700 directory in the private runtime dir on tmpfs
($XDG_RUNTIME_DIR, else /dev/shm) and are removed when the command exits or
is killed, and when stv is killed (a watchdog; a later stv exec sweeps what
a killed watchdog left). The exit code is the command's (128+N for signal N).

Examples:
  $ stv exec --file PGPASSFILE=Db/pgpass -- psql -h db.example
  $ stv exec -f DB_PASSWORD=Db/prod -f API_TOKEN='Api:token' -- docker compose up
  $ stv exec --stdin Registry -- docker login --username fred --password-stdin registry.example
`)
    .action(async (argv: string[], o, cmd) => (await import('../actions/exec-actions.js')).exec(globals(cmd), argv, o));
  program.command('__exec-watchdog <dir>', { hidden: true }).action(async (dir: string) => (await import('../../exec/index.js')).runWatchdog(dir));
}
