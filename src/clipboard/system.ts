/**
 * The platform clipboard through clipboardy, and what to install when there
 * is none. clipboardy sets only the CLIPBOARD selection (`xsel --clipboard`,
 * `wl-copy` without --primary), so we never own PRIMARY and never clear it.
 */
import { spawnSync } from 'node:child_process';
import { StvError } from '../errors/index.js';

export type Availability = { ok: true } | { ok: false; fix: string };

/** No usable clipboard; the message says what to install or where to run. Exit 1. */
export class NoClipboardError extends StvError {
  constructor(fix: string) {
    super(`no clipboard: ${fix}`);
  }
}

const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

export function clipboardAvailable(): Availability {
  if (process.platform === 'darwin' || process.platform === 'win32' || process.env.WSL_DISTRO_NAME) return { ok: true };
  if (process.env.WAYLAND_DISPLAY && have('wl-copy')) return { ok: true };
  // X11, or XWayland when wl-clipboard is missing: clipboardy uses xsel (or its bundled copy); a dead X server shows up on use.
  if (process.env.DISPLAY) return { ok: true };
  if (process.env.WAYLAND_DISPLAY) return { ok: false, fix: 'install wl-clipboard (apt install wl-clipboard)' };
  return { ok: false, fix: 'no display (X11 or Wayland) in this session; run stv in a desktop session, or use --print-if-no-clipboard' };
}

async function clipboardy() {
  return (await import('clipboardy')).default;
}

function clipboardError(e: unknown): NoClipboardError {
  const msg = (e as Error).message ?? String(e);
  if (/find the `xsel`/.test(msg)) return new NoClipboardError('install xsel (apt install xsel)');
  if (/find the `wl-/.test(msg)) return new NoClipboardError('install wl-clipboard (apt install wl-clipboard)');
  if (/display server/.test(msg)) return new NoClipboardError('cannot reach the display; run stv in a desktop session (X11 or Wayland)');
  // clipboardy's messages name tools and displays, never the text being copied.
  return new NoClipboardError(msg.split('\n')[0]);
}

export async function writeClipboard(value: string): Promise<void> {
  try {
    await (await clipboardy()).write(value);
  } catch (e) {
    throw clipboardError(e);
  }
}

export async function readClipboard(): Promise<string> {
  try {
    return await (await clipboardy()).read();
  } catch (e) {
    throw clipboardError(e);
  }
}
