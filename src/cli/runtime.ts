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
import { forTerminal } from './terminal-safe.js';

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

/** Whether a command may ask the agent: not with --no-agent, nor when a password source was given (a script that passes a file means it). */
export const agentAllowed = (opts: GlobalOptions): boolean => opts.agent && opts.passwordFile === undefined && opts.passwordFd === undefined;

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

/** Program output on stdout; on a terminal, controls in it (from vault content) are shown escaped. */
export function out(text: string): void {
  const safe = forTerminal(process.stdout, text, { keepLines: true });
  process.stdout.write(safe.endsWith('\n') ? safe : safe + '\n');
}

/** One value per line on stdout (ls, find): on a terminal a newline inside a value is escaped too. */
export function outLines(lines: string[]): void {
  if (lines.length) process.stdout.write(lines.map((l) => forTerminal(process.stdout, l)).join('\n') + '\n');
}

/**
 * Whether a spinner may run on stderr: a terminal that reports its width.
 * ora redraws by counting wrapped lines, and with 0 columns (`script … </dev/null`,
 * some CI terminals) that count never ends: it looped at 100 % CPU.
 */
export function canSpin(opts: Pick<GlobalOptions, 'quiet'>): boolean {
  return !opts.quiet && Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) > 0;
}

/** A status line on stderr, silenced by -q. */
export function info(opts: Pick<GlobalOptions, 'quiet'>, text: string): void {
  if (!opts.quiet) process.stderr.write(`${forTerminal(process.stderr, text, { keepLines: true })}\n`);
}

/** A warning on stderr; shown even with -q. */
export function warn(text: string): void {
  process.stderr.write(`stv: warning: ${forTerminal(process.stderr, text, { keepLines: true })}\n`);
}

/** An error line on stderr: one line on a terminal whatever the message quotes. */
export function errorLine(text: string): void {
  process.stderr.write(`stv: ${forTerminal(process.stderr, text)}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
