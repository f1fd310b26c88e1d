/** help topics, doctor, and the hidden commands that run background helpers. */
import type { Command } from 'commander';
import { globals, out } from '../runtime.js';
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

  program
    .command('doctor')
    .description('check the clipboard, agent, config, sticks and the KDF strength of each vault; print fixes')
    .addHelpText('after', '\nExamples:\n  $ stv doctor\n  $ stv --json doctor\n')
    .action(async (_o, cmd) => (await import('../actions/doctor-actions.js')).doctor(globals(cmd)));

  program.command('__man', { hidden: true }).action(async () => (await import('../actions/man-actions.js')).man(program));
  program.command('__bench-kdf <rounds>', { hidden: true }).action(async (rounds: string) => {
    const { aesKdf, prewarmAesKdf } = await import('../../vault/kdbx/index.js');
    const { randomBytes } = await import('node:crypto');
    const n = BigInt(rounds);
    // First with the two chain threads started on demand, then with them started ahead and
    // idle, as the installed launcher starts them while the modules load: the transform itself.
    const cold = performance.now();
    await aesKdf(randomBytes(32), randomBytes(32), n);
    const withStartMs = performance.now() - cold;
    prewarmAesKdf(n);
    await new Promise((r) => setTimeout(r, 500));
    const start = performance.now();
    await aesKdf(randomBytes(32), randomBytes(32), n);
    out(JSON.stringify({ rounds: Number(rounds), ms: performance.now() - start, withStartMs }));
  });
  program.command('__agent', { hidden: true }).action(async () => (await import('../../agent/index.js')).runAgent());
}
