/** attachment ls|get|add|rm: an entry's attached files. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  const att = program
    .command('attachment')
    .description("an entry's attached files (SSH keys, scans): list, save, add, remove")
    .addHelpText('after', `
Examples:
  $ stv attachment ls NAS
  $ stv attachment get NAS id_nas -o ~/.ssh/id_nas     (mode 0600; --force to overwrite)
  $ stv attachment get Passport scan.pdf > scan.pdf
  $ stv attachment add NAS ~/.ssh/id_nas.pub --name id_nas.pub
  $ stv attachment rm NAS old.txt
`);
  att
    .command('ls <entry>')
    .description('list the attachments (name, size) of an entry')
    .action(async (entry, _o, cmd) => (await import('../actions/attachment-actions.js')).ls(globals(cmd), entry));
  att
    .command('get <entry> <name>')
    .description('write an attachment: its raw bytes to stdout (not to a terminal), or to a file with -o')
    .option('-o, --output <file>', 'write to this file (mode 0600) instead of stdout')
    .option('--force', 'replace the output file if it exists')
    .action(async (entry, name, o, cmd) => (await import('../actions/attachment-actions.js')).get(globals(cmd), entry, name, o));
  att
    .command('add <entry> <file>')
    .description('attach a file (replacing one of the same name; the old version stays in history)')
    .option('--name <name>', 'name to store it under (default: the file name)')
    .action(async (entry, file, o, cmd) => (await import('../actions/attachment-actions.js')).add(globals(cmd), entry, file, o));
  att
    .command('rm <entry> <name>')
    .description('remove an attachment (the old version stays in history)')
    .action(async (entry, name, _o, cmd) => (await import('../actions/attachment-actions.js')).rm(globals(cmd), entry, name));
}
