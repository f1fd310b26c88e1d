/** stv help: a command's help, or a topic. */
import type { Command } from 'commander';
import { out } from '../runtime.js';
import { UsageError } from '../../errors/index.js';

export function register(program: Command): void {
  program.helpCommand(false);
  program
    .command('help [topic]')
    .description('help for a command, or a topic: rules, aliases, sync, security, formats, integrations, exit-codes')
    .addHelpText('after', '\nExamples:\n  $ stv help add\n  $ stv help rules\n  $ stv help security\n  $ stv help integrations\n')
    .action(async (topic: string | undefined) => {
      if (!topic) return program.outputHelp();
      const sub = program.commands.find((c) => c.name() === topic || c.aliases().includes(topic));
      const { TOPICS } = await import('../help-topics.js');
      const t = TOPICS[topic];
      // A name that is a command and a topic (sync) shows the command's options, then the topic.
      if (sub) sub.outputHelp();
      if (t) out(`${sub ? '\n' : ''}${await t()}`);
      if (!sub && !t) throw new UsageError(`no help for '${topic}'; topics: ${Object.keys(TOPICS).join(', ')}, or a command name`);
    });
}
