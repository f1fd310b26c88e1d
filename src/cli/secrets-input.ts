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
import { secureAlloc, secureCopy } from '../secret/index.js';

/**
 * The next line of a file descriptor as bytes (no newline, no trailing CR); undefined at end of input.
 * Read into off-heap buffers (secureAlloc) that grow by doubling, each outgrown one zeroed: a JS array or
 * a small typed array would sit in V8's heap, where a collection can leave copies the zeroing misses.
 */
function readLineBytesFromFd(fd: number): Uint8Array | undefined {
  let line = secureAlloc(128);
  let n = 0;
  const one = secureAlloc(1);
  try {
    for (;;) {
      let got: number;
      try {
        got = readSync(fd, one, 0, 1, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
          continue;
        }
        if (code === 'EOF') got = 0;
        else throw new UsageError(`cannot read from file descriptor ${fd}: ${code ?? (e as Error).message}`);
      }
      if (got === 0 && n === 0) return undefined;
      if (got === 0 || one[0] === 0x0a) return withoutCr(secureCopy(line.subarray(0, n)));
      if (n === line.length) {
        const bigger = secureAlloc(2 * line.length);
        bigger.set(line);
        line.fill(0);
        line = bigger;
      }
      line[n++] = one[0];
    }
  } finally {
    line.fill(0);
    one.fill(0);
  }
}

function withoutCr(b: Uint8Array): Uint8Array {
  if (b.length === 0 || b[b.length - 1] !== 0x0d) return b;
  const line = secureCopy(b.subarray(0, -1));
  b.fill(0);
  return line;
}

/** Bytes as text, for secrets that are strings by nature (an entry's field); the bytes are zeroed. */
function asText(b: Uint8Array | undefined): string | undefined {
  if (!b) return undefined;
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  b.fill(0);
  return text;
}

export const stdinIsTty = (): boolean => isatty(0);

/** The next line of stdin, or undefined at end of input. */
export function readStdinLine(): string | undefined {
  return asText(readLineBytesFromFd(0));
}

/** The next line of stdin as bytes (a master password: never a string), or undefined at end of input. */
export function readStdinLineBytes(): Uint8Array | undefined {
  return readLineBytesFromFd(0);
}

/** A password file holds one line; anything this large is not one. */
export const MAX_PASSWORD_FILE_BYTES = 1024 * 1024;

/** The first line of a password file, as bytes. */
export function readFirstLineOfFile(path: string): Uint8Array {
  let bytes: Buffer;
  try {
    // A regular file only: /dev/zero or /dev/urandom would never end, a FIFO could hang.
    bytes = readRegularFile(path, { maxBytes: MAX_PASSWORD_FILE_BYTES, follow: true, what: 'password file' });
  } catch (e) {
    if (e instanceof SafeReadError) throw new UsageError(e.message);
    throw new UsageError(`cannot read password file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    if (bytes.length === 0) throw new UsageError(`password file ${path} has no line`);
    const nl = bytes.indexOf(0x0a);
    return withoutCr(secureCopy(nl === -1 ? bytes : bytes.subarray(0, nl)));
  } finally {
    bytes.fill(0);
  }
}

/** The first line of a file descriptor, as bytes. */
export function readFirstLineOfFd(fd: number): Uint8Array {
  const line = readLineBytesFromFd(fd);
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
