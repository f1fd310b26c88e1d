/** XDG base directories (https://specifications.freedesktop.org/basedir-spec/). */
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

function xdg(variable: string, fallback: string): string {
  const v = process.env[variable];
  // The spec says relative paths are invalid and must be ignored.
  return v && v.startsWith('/') ? v : join(homedir(), fallback);
}

export const configDir = (): string => join(xdg('XDG_CONFIG_HOME', '.config'), 'stickvault');
export const dataDir = (): string => join(xdg('XDG_DATA_HOME', '.local/share'), 'stickvault');
export const stateDir = (): string => join(xdg('XDG_STATE_HOME', '.local/state'), 'stickvault');
export const configFile = (): string => join(configDir(), 'config.json');
export const defaultVaultPath = (): string => join(dataDir(), 'default.kdbx');

/**
 * Directory for per-user sockets and helper state: $XDG_RUNTIME_DIR/stickvault,
 * else a directory under the temp dir named by uid (created 0700 by the caller).
 */
export function runtimeDir(): string {
  const r = process.env.XDG_RUNTIME_DIR;
  if (r && r.startsWith('/')) return join(r, 'stickvault');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(tmpdir(), `stickvault-${uid}`);
}

/** The agent's socket, a file in runtimeDir(); the installed launcher looks for it too. */
export const AGENT_SOCKET = 'agent.sock';
