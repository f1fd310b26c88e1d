/** The platform clipboard through clipboardy, and what to install when there is none. */
import { spawnSync } from 'node:child_process';
import { StvError } from '../errors/index.js';

export type Availability = { ok: true } | { ok: false; fix: string };

const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

export function clipboardAvailable(): Availability {
  if (process.platform === 'darwin' || process.platform === 'win32') return { ok: true };
  if (process.env.WAYLAND_DISPLAY) return have('wl-copy') ? { ok: true } : { ok: false, fix: 'install wl-clipboard (apt install wl-clipboard)' };
  if (process.env.DISPLAY) return { ok: true }; // clipboardy brings an xsel fallback; a missing X server shows up on use
  return { ok: false, fix: "no display (X11 or Wayland) in this session; run stv in a desktop session, or use --print-if-no-clipboard" };
}

async function clipboardy() {
  return (await import('clipboardy')).default;
}

function clipboardError(e: unknown): StvError {
  const msg = (e as Error).message ?? String(e);
  const fix = /find the `xsel`/.test(msg) ? 'install xsel (apt install xsel)' : /display server/.test(msg) ? 'run in a desktop session (X11 or Wayland)' : msg.split('\n')[0];
  return new StvError(`no clipboard: ${fix}`);
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
