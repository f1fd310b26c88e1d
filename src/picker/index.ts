/**
 * Choosing an entry with a picker the user already has: fzf in a terminal,
 * rofi, dmenu or wofi on a desktop, or any command line that reads lines
 * on stdin and prints the chosen one (dmenu's convention). The picker gets
 * entry paths only, on its stdin — never a password, never on argv.
 */
import { spawn, spawnSync } from 'node:child_process';
import { StvError, UsageError } from '../errors/index.js';

export const KNOWN_PICKERS = ['fzf', 'rofi', 'dmenu', 'wofi'] as const;

export interface PickerCommand {
  name: string;
  command: string;
  args: string[];
}

const installed = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

/** The command line for a picker name (or a custom command line), with the user's query. */
export function pickerCommand(name: string, query = ''): PickerCommand {
  switch (name) {
    case 'fzf':
      return { name, command: 'fzf', args: ['--prompt', 'stv> ', '--select-1', '--exit-0', ...(query ? ['--query', query] : [])] };
    case 'rofi':
      return { name, command: 'rofi', args: ['-dmenu', '-i', '-p', 'stv', ...(query ? ['-filter', query] : [])] };
    case 'dmenu':
      return { name, command: 'dmenu', args: ['-i', '-p', 'stv'] };
    case 'wofi':
      return { name, command: 'wofi', args: ['--dmenu', '--insensitive', '--prompt', 'stv', ...(query ? ['--search', query] : [])] };
    default:
      // Any other value is a command line of the user's own (flag or config), run by the shell as $EDITOR would be.
      return { name: 'command', command: 'sh', args: ['-c', name] };
  }
}

/**
 * Which picker: the one asked for, else fzf on a terminal, else a desktop
 * picker (wofi or rofi on Wayland, rofi or dmenu on X). Throws when none is installed.
 */
export function choosePicker(asked: string | undefined, query: string, onTerminal: boolean): PickerCommand {
  if (asked) {
    if ((KNOWN_PICKERS as readonly string[]).includes(asked) && !installed(asked)) throw new UsageError(`the picker ${asked} is not installed (Debian: apt install ${asked === 'dmenu' ? 'suckless-tools' : asked})`);
    return pickerCommand(asked, query);
  }
  const order = [
    ...(onTerminal ? ['fzf'] : []),
    ...(process.env.WAYLAND_DISPLAY ? ['wofi', 'rofi'] : []),
    ...(process.env.DISPLAY ? ['rofi', 'dmenu'] : []),
  ];
  const found = order.find(installed);
  if (found) return pickerCommand(found, query);
  throw new StvError(`no picker found; install fzf (terminal) or rofi, dmenu or wofi (desktop), or name one with --picker`);
}

/** Run the picker over `lines`; the chosen line, or undefined when it was cancelled or nothing matched. */
export function runPicker(p: PickerCommand, lines: string[]): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    // stderr and the terminal stay the user's: fzf draws its screen on /dev/tty.
    const child = spawn(p.command, p.args, { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stdin!.on('error', () => undefined); // a picker that exits before reading every line
    child.once('error', (e: NodeJS.ErrnoException) => reject(new StvError(`cannot run the picker ${p.command}: ${e.code ?? e.message}`)));
    child.once('close', (code) => {
      const chosen = out.split('\n')[0]?.replace(/\r$/, '');
      resolve(code === 0 && chosen ? chosen : undefined);
    });
    child.stdin!.end(lines.join('\n') + '\n');
  });
}

/** fzf's best match for `query` without showing anything (`fzf --filter`): for scripts and key bindings. */
export function bestMatch(query: string, lines: string[]): Promise<string | undefined> {
  if (!installed('fzf')) return Promise.reject(new UsageError('--best uses fzf, which is not installed (Debian: apt install fzf)'));
  return runPicker({ name: 'fzf', command: 'fzf', args: ['--filter', query] }, lines);
}

/** Lines to show for entries: their paths, with a short UUID where two share a path. */
export function pickerLines(entries: { uuid: string; path: string }[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const e of entries) count.set(e.path, (count.get(e.path) ?? 0) + 1);
  const lines = new Map<string, string>();
  for (const e of entries) lines.set(count.get(e.path)! > 1 ? `${e.path}  [${e.uuid.slice(0, 8)}]` : e.path, e.uuid);
  return lines;
}
