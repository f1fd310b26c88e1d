/**
 * What every command adapter needs from the CLI shell: global options,
 * output helpers, and a way to get an opened vault. Commands stay thin:
 * parse options, call library functions, print.
 *
 * Command modules live in src/cli/commands/<name>.ts and export
 * `register(program: Command): void`. Their action handlers import heavy
 * library code with `await import(...)` so `stv --version` loads none of it.
 */
import type { Command } from 'commander';

export interface GlobalOptions {
  vault?: string;
  keyfile?: string;
  /** false when --no-password was given (keyfile only). */
  password: boolean;
  passwordFile?: string;
  passwordFd?: number;
  json: boolean;
  /** false when --no-agent was given. */
  agent: boolean;
  quiet: boolean;
  color: boolean;
  allowSlowKdf: boolean;
}

/** Global options as seen from any (sub)command. */
export function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as Record<string, unknown>;
  return {
    vault: o.vault as string | undefined,
    keyfile: o.keyfile as string | undefined,
    password: o.password !== false,
    passwordFile: o.passwordFile as string | undefined,
    passwordFd: o.passwordFd === undefined ? undefined : Number(o.passwordFd),
    json: Boolean(o.json),
    agent: o.agent !== false,
    quiet: Boolean(o.quiet),
    color: o.color !== false && !process.env.NO_COLOR,
    allowSlowKdf: Boolean(o.allowSlowKdf),
  };
}

/** A line of program output on stdout. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

/** A status line on stderr, silenced by -q. */
export function info(opts: Pick<GlobalOptions, 'quiet'>, text: string): void {
  if (!opts.quiet) process.stderr.write(`${text}\n`);
}

/** A warning on stderr; shown even with -q. */
export function warn(text: string): void {
  process.stderr.write(`stv: warning: ${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
