/** A man page (roff) generated from the commander definitions, so --help and man never disagree. */
import type { Command } from 'commander';

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/-/g, '\\-').replace(/^\./gm, '\\&.');

export function man(program: Command): void {
  const lines: string[] = [
    '.TH STV 1 "" "stickvault" "User Commands"',
    '.SH NAME',
    'stv \\- ' + esc(program.description()),
    '.SH SYNOPSIS',
    '.B stv',
    '[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]',
    '.SH GLOBAL OPTIONS',
  ];
  for (const o of program.options) lines.push('.TP', `.B ${esc(o.flags)}`, esc(o.description));
  lines.push('.SH COMMANDS');
  const walk = (cmd: Command, prefix: string) => {
    for (const c of cmd.commands) {
      if (c.name().startsWith('__')) continue;
      const usage = `${prefix}${c.name()} ${c.usage()}`.trim();
      lines.push('.SS ' + esc(usage), esc(c.description()));
      for (const o of c.options) lines.push('.TP', `.B ${esc(o.flags)}`, esc(o.description));
      const help = (c as unknown as { _helpConfiguration?: unknown }) && extractExamples(c);
      if (help) lines.push('.PP', 'Examples:', '.nf', esc(help), '.fi');
      walk(c, `${prefix}${c.name()} `);
    }
  };
  walk(program, '');
  lines.push('.SH SEE ALSO', 'stv help security, stv help rules, stv help aliases, stv help sync', '');
  process.stdout.write(lines.join('\n'));
}

/** The Examples block that addHelpText put after the command's help. */
function extractExamples(c: Command): string {
  let text = '';
  const capture = { writeOut: (s: string) => (text += s), writeErr: () => {} };
  const saved = (c as unknown as { _outputConfiguration: object })._outputConfiguration;
  c.configureOutput(capture);
  c.outputHelp();
  c.configureOutput(saved);
  const i = text.indexOf('Examples:');
  return i === -1 ? '' : text.slice(i + 'Examples:'.length).replace(/^\n+|\n+$/g, '');
}
