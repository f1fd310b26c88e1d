/** Commands that change entries and groups: add, edit, rm, mv, mkdir, rmdir. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

function entryOptions(cmd: Command): Command {
  return cmd
    .option('-u, --username <name>', 'user name')
    .option('--url <url>', 'URL of the site')
    .option('--notes <text>', 'notes')
    .option('--tag <tag>', 'tag (repeatable)', collect)
    .option('--group <path>', 'group to put the entry in')
    .option('-p, --password-prompt', 'read the entry password from the terminal, or the first stdin line (the master password then never comes from stdin)')
    .option('-g, --generate', "generate the password (the site's rule applies)")
    .option('-l, --length <n>', 'length of a generated password')
    .option('--alias', "make the username a new e-mail alias for the entry's site")
    .option('--field <name=value>', 'set a custom field, plain text (repeatable)', collect)
    .option('--protected-field <name>', 'set a protected custom field; its value is asked without echo or read from the next stdin line (repeatable)', collect)
    .option('--rm-field <name>', 'remove a custom field (repeatable)', collect);
}

export function register(program: Command): void {
  entryOptions(program.command('add <entry>').description('add an entry (ENTRY is Group/Sub/Title or a title)'))
    .addHelpText('after', `
Examples:
  $ stv add -g Shopping/Amazon --url https://www.amazon.co.uk -u fred@example.com
  $ stv gen --words 6 | stv add -p Pension/Aviva     needs the vault unlocked (or a terminal)
  $ printf '%s\\n' "$PW" "$ENTRY_PW" | stv --password-fd 0 add -p Bank/Example --url bank.example
  $ stv add --alias -g Forums/Bugzilla --url https://bugzilla.mozilla.org
  $ stv add 'Social/Twitter \\/ X' -u fred      a '/' inside a title or group name is written '\\/'
  $ stv add Bank --field 'Customer no=1234' --protected-field PIN
`)
    .action(async (entry, o, cmd) => (await import('../actions/entry-actions.js')).add(globals(cmd), entry, o));

  entryOptions(program.command('edit <entry>').description('change an entry; the old version goes into its history'))
    .option('--title <title>', 'new title')
    .option('-e, --editor', 'edit the fields and notes in $VISUAL/$EDITOR, as pass edit does')
    .option('-s, --show-protected', 'with --editor: put the password and protected fields in the file too')
    .addHelpText('after', `
--editor writes the entry to a 0600 file in the private runtime directory, runs
$VISUAL (else $EDITOR, else vi) on it, applies what you saved and removes the
file. Protected values appear only with --show-protected; their line reads
PROTECTED otherwise, which keeps them.

-p reads the entry password from the terminal or stdin; stdin then never
carries the master password, which comes from the agent, --password-file,
--password-fd or the terminal.

Examples:
  $ stv edit Shopping/Amazon -g          new generated password (old one kept in history)
  $ stv edit amazon --username fred+amazon@example.com
  $ stv edit amazon --editor             notes and custom fields in your editor
  $ printf '%s\\n' "$MASTER" "$PIN" | stv --password-fd 0 edit Bank --protected-field PIN --rm-field Old
`)
    .action(async (entry, o, cmd) => (await import('../actions/entry-actions.js')).edit(globals(cmd), entry, o));

  program
    .command('rm <entry>')
    .description('move an entry to the recycle bin (or delete it for good)')
    .option('--permanent', 'delete for good (recorded so sync does not bring it back)')
    .addHelpText('after', '\nExamples:\n  $ stv rm Shopping/Old\n  $ stv rm --permanent "Recycle Bin/Old"\n')
    .action(async (entry, o, cmd) => (await import('../actions/entry-actions.js')).rm(globals(cmd), entry, o));

  program
    .command('mv <entry> <group>')
    .description('move an entry to another group')
    .addHelpText('after', '\nExamples:\n  $ stv mv Amazon Shopping\n')
    .action(async (entry, group, _o, cmd) => (await import('../actions/entry-actions.js')).mv(globals(cmd), entry, group));

  program
    .command('mkdir <group>')
    .description('create a group (and missing parents)')
    .addHelpText('after', '\nExamples:\n  $ stv mkdir Finance/Banks\n')
    .action(async (group, _o, cmd) => (await import('../actions/entry-actions.js')).mkdir(globals(cmd), group));

  program
    .command('rmdir <group>')
    .description('move a group to the recycle bin (or delete it for good)')
    .option('--permanent', 'delete for good')
    .addHelpText('after', '\nExamples:\n  $ stv rmdir Old-Stuff\n')
    .action(async (group, o, cmd) => (await import('../actions/entry-actions.js')).rmdir(globals(cmd), group, o));
}
