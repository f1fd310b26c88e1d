/** stv exec: read the values, then run the command with them as files or on its stdin. */
import { UsageError } from '../../errors/index.js';
import { runWithSecrets, checkName, checkCommand, sweepLeftovers, type SecretValue } from '../../exec/index.js';
import { readFields, type FieldSpec } from '../../agent/index.js';
import { type GlobalOptions, warn } from '../runtime.js';
import { finishWith } from '../exit-codes.js';
import { vaultReads } from './read-actions.js';

export interface ExecFlags {
  file?: string[];
  stdin?: string;
  newline?: boolean;
}

/** ENTRY[:FIELD], FIELD defaulting to password; a ':' followed by a '/' is part of a path, not a field. */
function parseFieldSpec(spec: string): FieldSpec {
  const i = spec.lastIndexOf(':');
  if (i > 0 && i < spec.length - 1 && !spec.slice(i + 1).includes('/')) return { entry: spec.slice(0, i), field: spec.slice(i + 1), whole: spec };
  return { entry: spec, field: 'password' };
}

function parseFileFlag(flag: string): { name: string; spec: FieldSpec } {
  const eq = flag.indexOf('=');
  if (eq <= 0 || eq === flag.length - 1) throw new UsageError(`--file takes NAME=ENTRY[:FIELD], got '${flag}'`);
  const name = flag.slice(0, eq);
  checkName(name);
  return { name, spec: parseFieldSpec(flag.slice(eq + 1)) };
}

export async function exec(opts: GlobalOptions, argv: string[], o: ExecFlags): Promise<void> {
  sweepLeftovers(); // files of an earlier run whose stv and watchdog were both killed
  const [command, ...args] = argv;
  if (!command) throw new UsageError("give the command after '--', e.g. stv exec --file PGPASSWORD=db -- psql");
  checkCommand(command);
  const files = (o.file ?? []).map(parseFileFlag);
  if (!files.length && o.stdin === undefined) throw new UsageError('nothing to hand over: give --file NAME=ENTRY[:FIELD] or --stdin ENTRY[:FIELD]');
  const specs = [...files.map((f) => f.spec), ...(o.stdin !== undefined ? [parseFieldSpec(o.stdin)] : [])];
  // One place for all values: the agent, or one password prompt (or KDF run) however many values.
  const values = await readFields(vaultReads(opts), specs);
  const secrets: SecretValue[] = files.map((f, i) => ({ name: f.name, value: Buffer.from(values[i].value, 'utf8') }));
  const stdin = o.stdin !== undefined ? Buffer.from(values[values.length - 1].value + (o.newline ? '\n' : ''), 'utf8') : undefined;
  try {
    const child = await runWithSecrets({
      command,
      args,
      files: secrets,
      stdin,
      onDiskWarning: (dir) => warn(`no tmpfs for the secret files: they are in ${dir} on disk until the command ends`),
    });
    finishWith({ child });
  } finally {
    for (const s of secrets) s.value.fill(0);
    stdin?.fill(0);
  }
}
