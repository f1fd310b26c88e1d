/**
 * A real terminal for tests: a tmux session whose server socket lives in
 * the test's own directory (nothing is left in /tmp/tmux-UID), with helpers
 * that wait for what appears on the screen rather than for a time.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface Terminal {
  tmux(...args: string[]): { status: number | null; stdout: string; stderr: string };
  /** The whole pane, scrollback included, wrapped lines joined. */
  screen(): string;
  /** How often `text` is on the screen now. */
  count(text: string): number;
  /** Waits until `text` appears once more than it did `before`. */
  waitForMore(text: string, before: number, ms?: number): Promise<void>;
  /** Types `keys` literally, then Enter, and waits for `expectText` to appear anew. */
  type(keys: string, expectText: string): Promise<void>;
}

/** `dir` and `env` are read at each call, so they may be set in a beforeAll. */
export function terminal(target: string, where: () => { dir: string; env: NodeJS.ProcessEnv }, defaultWaitMs = 30_000): Terminal {
  const tmux = (...args: string[]) => {
    const { dir, env } = where();
    return spawnSync('tmux', ['-S', join(dir, 'tmux.sock'), ...args], { encoding: 'utf8', env });
  };
  const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', target).stdout;
  const count = (text: string) => screen().split(text).length - 1;
  async function waitForMore(text: string, before: number, ms = defaultWaitMs): Promise<void> {
    const end = Date.now() + ms;
    while (count(text) <= before) {
      if (Date.now() > end) throw new Error(`timed out waiting for '${text}'; screen:\n${screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  async function type(keys: string, expectText: string): Promise<void> {
    const before = count(expectText);
    tmux('send-keys', '-t', target, '-l', keys);
    tmux('send-keys', '-t', target, 'Enter');
    await waitForMore(expectText, before);
  }
  return { tmux, screen, count, waitForMore, type };
}
