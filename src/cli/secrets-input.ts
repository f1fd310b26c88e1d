/**
 * Reading secrets: a no-echo prompt on the controlling terminal, or lines
 * from stdin / a file / a file descriptor. Never from argv or the
 * environment. Lines are read a byte at a time so that several secrets can
 * come from one stdin (`init` reads the password, `add -p` the next line).
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { readRegularFile, SafeReadError } from '../config/index.js';
import { isatty } from 'node:tty';
import { UsageError } from '../errors/index.js';

function readLineFromFd(fd: number): string | undefined {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, one, 0, 1, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      if (code === 'EOF') n = 0;
      else throw new UsageError(`cannot read from file descriptor ${fd}: ${code ?? (e as Error).message}`);
    }
    if (n === 0) break;
    if (one[0] === 0x0a) return stripCr(Buffer.from(bytes));
    bytes.push(one[0]);
  }
  const line = bytes.length ? stripCr(Buffer.from(bytes)) : undefined;
  bytes.fill(0);
  return line;
}

function stripCr(b: Buffer): string {
  const s = b.toString('utf8');
  b.fill(0);
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

export const stdinIsTty = (): boolean => isatty(0);

/** The next line of stdin, or undefined at end of input. */
export function readStdinLine(): string | undefined {
  return readLineFromFd(0);
}

/** A password file holds one line; anything this large is not one. */
export const MAX_PASSWORD_FILE_BYTES = 1024 * 1024;

export function readFirstLineOfFile(path: string): string {
  let text: string;
  try {
    // A regular file only: /dev/zero or /dev/urandom would never end, a FIFO could hang.
    const bytes = readRegularFile(path, { maxBytes: MAX_PASSWORD_FILE_BYTES, follow: true, what: 'password file' });
    text = bytes.toString('utf8');
    bytes.fill(0);
  } catch (e) {
    if (e instanceof SafeReadError) throw new UsageError(e.message);
    throw new UsageError(`cannot read password file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const nl = text.indexOf('\n');
  if (text.length === 0) throw new UsageError(`password file ${path} has no line`);
  const line = nl === -1 ? text : text.slice(0, nl);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

export function readFirstLineOfFd(fd: number): string {
  const line = readLineFromFd(fd);
  if (line === undefined) throw new UsageError(`file descriptor ${fd} gave no password line`);
  return line;
}

/** Whether we can prompt: a controlling terminal exists and stdin is it. */
export function canPrompt(): boolean {
  return stdinIsTty() && hasTerminal();
}

/** A no-echo prompt on the terminal. Ctrl-C throws ExitPromptError (the CLI says "cancelled"). */
export async function promptSecret(message: string): Promise<string> {
  const { password } = await import('@inquirer/prompts');
  return password({ message, mask: false }, { output: process.stderr });
}

/** Whether the process has a controlling terminal, whatever stdin is. */
export function hasTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r'));
    return true;
  } catch {
    return false;
  }
}

/**
 * A no-echo prompt on the controlling terminal (/dev/tty) when stdin is not
 * it: stdin then carries data of its own (`gen | stv add -p`), which must not
 * be read as this secret.
 */
export async function promptSecretOnTerminal(message: string): Promise<string> {
  if (stdinIsTty()) return promptSecret(message);
  const { ReadStream, WriteStream } = await import('node:tty');
  const input = new ReadStream(openSync('/dev/tty', 'r'));
  const output = process.stderr.isTTY ? undefined : new WriteStream(openSync('/dev/tty', 'w'));
  try {
    const { password } = await import('@inquirer/prompts');
    return await password({ message, mask: false }, { input, output: output ?? process.stderr });
  } finally {
    input.destroy();
    output?.destroy();
  }
}
