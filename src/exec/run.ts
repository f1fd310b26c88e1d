/**
 * Run a command with secrets handed over as files (`NAME_FILE`, the
 * convention Docker secrets and many servers read) or on its stdin — never
 * in argv or the environment. The files are removed when the command ends,
 * when stv is interrupted, and by the watchdog when stv is killed outright.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
import { StvError, UsageError } from '../errors/index.js';
import { newRunDir, removeRunDir, secretRoot, sweepLeftovers, writeSecretFile } from './files.js';
import { startWatchdog } from './watchdog.js';

export interface SecretValue {
  /** Environment variable prefix: the command sees NAME_FILE. */
  name: string;
  value: Uint8Array;
}

export interface RunOptions {
  command: string;
  args: string[];
  files: SecretValue[];
  /** Written to the command's stdin, which is then closed. */
  stdin?: Uint8Array;
  /** Told when the files are not on tmpfs. */
  onDiskWarning?: (dir: string) => void;
  /** The stv script the watchdog runs (default: this one). */
  cliEntry?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkName(name: string): void {
  if (!NAME.test(name)) throw new UsageError(`'${name}' is not a variable name (letters, digits and _, not starting with a digit)`);
}

/** Fail before any secret is read when the command cannot run: it is not on PATH, or not executable. */
export function checkCommand(command: string): void {
  const runnable = (p: string) => {
    try {
      accessSync(p, fsConstants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) {
    if (!runnable(command)) throw new UsageError(`cannot run ${command}: not an executable file`);
    return;
  }
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  if (!dirs.some((d) => runnable(join(d, command)))) throw new UsageError(`command not found: ${command}`);
}

/** Runs the command and resolves with its exit code (128 + signal number when a signal ended it, as shells report it). */
export async function runWithSecrets(o: RunOptions): Promise<number> {
  const seen = new Set<string>();
  for (const f of o.files) {
    checkName(f.name);
    if (seen.has(f.name)) throw new UsageError(`--file ${f.name} is given twice`);
    seen.add(f.name);
  }
  const root = secretRoot();
  sweepLeftovers(root);
  let dir: string | undefined;
  let standDown = () => {};
  const env: NodeJS.ProcessEnv = { ...process.env };
  try {
    if (o.files.length) {
      dir = newRunDir(root);
      if (!root.inMemory) o.onDiskWarning?.(dir);
      standDown = await startWatchdog(dir, o.cliEntry);
      for (const f of o.files) {
        const path = join(dir, f.name);
        writeSecretFile(path, f.value);
        env[`${f.name}_FILE`] = path;
      }
    }
    return await spawnAndWait(o, env);
  } finally {
    if (dir) removeRunDir(dir);
    standDown();
  }
}

function spawnAndWait(o: RunOptions, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    // The terminal sends Ctrl-C and Ctrl-\ to the command too: stv waits for it to finish, then cleans up.
    // A SIGTERM or SIGHUP aimed at stv alone is passed on, so the command ends before its files go.
    // The handlers are in place before the command starts: a Ctrl-C that reaches both the moment it
    // starts must not find stv with the default action (die, leaving the files to the watchdog).
    let child: ReturnType<typeof spawn> | undefined;
    const ignore = () => undefined;
    const forward = (sig: NodeJS.Signals) => () => child?.kill(sig);
    const handlers: [NodeJS.Signals, () => void][] = [['SIGINT', ignore], ['SIGQUIT', ignore], ['SIGTERM', forward('SIGTERM')], ['SIGHUP', forward('SIGHUP')]];
    for (const [sig, h] of handlers) process.on(sig, h);
    child = spawn(o.command, o.args, { env, stdio: [o.stdin ? 'pipe' : 'inherit', 'inherit', 'inherit'] });
    const done = () => handlers.forEach(([sig, h]) => process.off(sig, h));
    child.once('error', (e: NodeJS.ErrnoException) => {
      done();
      reject(e.code === 'ENOENT' ? new UsageError(`command not found: ${o.command}`) : new StvError(`cannot run ${o.command}: ${e.code ?? e.message}`));
    });
    child.once('spawn', () => {
      if (!o.stdin) return;
      child.stdin!.on('error', () => undefined); // a command that does not read its stdin
      child.stdin!.end(o.stdin);
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? constants.signals[signal] ?? 0 : 0));
    });
  });
}
