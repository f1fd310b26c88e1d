/** stv gen and stv rule: passwords by site rules. */
import type { Command } from 'commander';
import { globals } from '../runtime.js';

export function register(program: Command): void {
  program
    .command('gen')
    .description('generate passwords or passphrases (uniform, exact entropy); never asks for a password')
    .option('-l, --length <n>', 'length (default 20, within the rule)')
    .option('--rule <rule>', "a password rule, e.g. 'maxlength: 16; required: digit;'")
    .option('--site <domain|url>', "apply that site's rule (the vault's, yours, then Apple's site list; says when none is known)")
    .option('--no-special', 'no special characters')
    .option('--charset <chars>', 'use exactly these characters')
    .option('--exclude-ambiguous', `leave out look-alikes (0O1lI|)`)
    .option('--words <n>', 'a passphrase of N words from the EFF long list')
    .option('--separator <s>', 'between passphrase words', '-')
    .option('--capitalize', 'capitalise passphrase words')
    .option('-n, --count <n>', 'how many, one per line', '1')
    .addHelpText('after', `
Examples:
  $ stv gen                                  20 characters: letters, digits, specials
  $ stv gen --site https://www.americanexpress.com   a site in Apple's list
  $ stv gen --rule 'minlength: 8; maxlength: 16; required: upper; required: digit; allowed: lower'
  $ stv gen --words 6 --capitalize --site example.com
  $ stv --json gen --count 3
See 'stv help rules' for the rule language.
`)
    .action(async (o, cmd) => (await import('../actions/gen-actions.js')).gen(globals(cmd), o));

  const rule = program.command('rule').description('password rules per site (Apple Password Rules syntax)');
  rule
    .command('check <rule>')
    .description('parse a rule and show its exact entropy')
    .option('-l, --length <n>', 'length to evaluate')
    .addHelpText('after', "\nExamples:\n  $ stv rule check 'minlength: 8; maxlength: 16; required: upper; required: digit;'\n")
    .action(async (text, o, cmd) => (await import('../actions/gen-actions.js')).ruleCheck(globals(cmd), text, o));
  rule
    .command('set <site> <rule>')
    .description('store a rule for a site: in your site-rules.json (every vault, also while locked), or --in-vault')
    .option('--in-vault', 'store it in the vault instead (travels with the vault; needs it unlocked)')
    .addHelpText('after', "\nExamples:\n  $ stv rule set bank.example 'maxlength: 16; required: digit; allowed: upper, lower;'\n  $ stv --vault financial rule set --in-vault bank.example 'maxlength: 16;'\n")
    .action(async (site, text, o, cmd) => (await import('../actions/gen-actions.js')).ruleSet(globals(cmd), site, text, o));
  rule
    .command('show <site>')
    .description('which rule applies to a site, and where it comes from')
    .addHelpText('after', '\nExamples:\n  $ stv rule show accounts.example.co.uk\n')
    .action(async (site, _o, cmd) => (await import('../actions/gen-actions.js')).ruleShow(globals(cmd), site));
  rule
    .command('ls')
    .description("your site rules, and the vault's when it is unlocked")
    .option('--in-vault', "only the vault's rules (asks for its password)")
    .addHelpText('after', '\nExamples:\n  $ stv rule ls\n  $ stv --vault financial rule ls --in-vault\n')
    .action(async (o, cmd) => (await import('../actions/gen-actions.js')).ruleLs(globals(cmd), o));
  rule
    .command('rm <site>')
    .description('remove one of your rules (--in-vault: a rule stored in the vault)')
    .option('--in-vault', "remove the vault's rule")
    .addHelpText('after', '\nExamples:\n  $ stv rule rm example.com\n')
    .action(async (site, o, cmd) => (await import('../actions/gen-actions.js')).ruleRm(globals(cmd), site, o));
  rule
    .command('update <file>')
    .description("install a newer copy of Apple's password-rules.json")
    .addHelpText('after', '\nExamples:\n  $ stv rule update ~/src/password-manager-resources/quirks/password-rules.json\n')
    .action(async (file, _o, cmd) => (await import('../actions/gen-actions.js')).ruleUpdate(globals(cmd), file));
}
