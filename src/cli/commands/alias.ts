/** stv alias: per-site e-mail addresses. Every subcommand needs the vault unlocked. */
import { Option, type Command } from 'commander';
import { globals } from '../runtime.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const alias = program.command('alias').description('per-site e-mail aliases (fred+amazon@example.com)');
  const act = async () => import('../actions/alias-actions.js');
  alias
    .command('setup')
    .description('set the base address(es) and the separators your mail server accepts')
    .requiredOption('--base <address>', 'base address (repeatable)', collect)
    .option('--separator <char>', 'accepted separator, in order of preference (repeatable; default + then -)', collect)
    .addOption(new Option('--style <style>', 'plain tags, or code: tag plus a keyed HMAC').choices(['plain', 'code']))
    .addHelpText('after', '\nExamples:\n  $ stv alias setup --base fred@example.com --separator - --separator +\n')
    .action(async (o, cmd) => (await act()).setup(globals(cmd), o));
  alias
    .command('new <site>')
    .description('a new unique address for a site (domain or URL), recorded on its entry (a new one if it has none)')
    .option('--tag <tag>', 'use this tag instead of the site name')
    .option('--base <address>', 'which base address')
    .option('--group <path>', 'group for an entry it creates (default Aliases); it is titled by the host without www.')
    .addHelpText('after', `
Other configured vaults are checked (through the agent, never asking) so an
alias is unique across vaults that share a base address. A locked vault is
skipped in silence once stv has seen it unlocked and knows it shares no base;
otherwise a warning says to unlock it.

Examples:
  $ stv alias new https://www.amazon.co.uk     → Aliases/amazon.co.uk when no entry has that site
  $ stv alias new 192.0.2.7 --tag router
`)
    .action(async (site, o, cmd) => (await act()).newOne(globals(cmd), site, o));
  alias
    .command('ls')
    .description('every alias with its entry and site')
    .addHelpText('after', '\nExamples:\n  $ stv alias ls\n  $ stv --json alias ls\n')
    .action(async (_o, cmd) => (await act()).ls(globals(cmd)));
  alias
    .command('who <address-or-header>')
    .description('which site an address belongs to (also from a whole To: line)')
    .addHelpText('after', "\nExamples:\n  $ stv alias who fred-amazon@example.com\n  $ stv alias who 'To: Fred <fred+shop@example.com>'\n")
    .action(async (text, _o, cmd) => (await act()).who(globals(cmd), text));
  alias
    .command('burn <address>')
    .description('mark an alias leaked/disabled; its tag is never issued again')
    .addHelpText('after', '\nExamples:\n  $ stv alias burn fred-amazon@example.com\n')
    .action(async (address, _o, cmd) => (await act()).burn(globals(cmd), address));
  alias
    .command('noplus <site>')
    .description("remember that a site rejects '+' in addresses")
    .addHelpText('after', '\nExamples:\n  $ stv alias noplus example-shop.com\n')
    .action(async (site, _o, cmd) => (await act()).noplus(globals(cmd), site));
  alias
    .command('config <kind>')
    .description('mail-server configuration: exim, postfix, sieve, burnt (reject list), postfix-map, secret')
    .addHelpText('after', '\nExamples:\n  $ stv alias config exim\n  $ stv alias config burnt | sudo tee /etc/exim4/stickvault-burnt\n')
    .action(async (kind, _o, cmd) => (await act()).config(globals(cmd), kind));
}
