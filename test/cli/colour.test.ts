/**
 * Colours on a terminal follow NO_COLOR and --no-color, prompts included
 * (the prompt library reads NO_COLOR itself).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STV, stv, tempDir, isolatedEnv } from '../helpers/tools.js';

const PW = 'colour pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-colour-'));
  env = isolatedEnv(dir);
  // A user's terminal: colour libraries turn colour off under CI=true (as CI runs this suite).
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'CI', 'GITHUB_ACTIONS', 'TRAVIS', 'CIRCLECI', 'GITLAB_CI', 'BUILDKITE', 'DRONE', 'APPVEYOR', 'TF_BUILD', 'TEAMCITY_VERSION', 'CI_NAME']) delete env[k];
  vault = join(dir, 'v.kdbx');
  expect(stv(['--no-agent', '--vault', vault, 'init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: `${PW}\n` }).status).toBe(0);
});
afterAll(() => cleanup());

/** Everything `stv ls` draws on a pseudo-terminal (util-linux script) while it asks for the password. */
function drawn(extraArgs: string[], extraEnv: Record<string, string> = {}): string {
  const log = join(dir, `tty-${extraArgs.join('')}-${Object.keys(extraEnv).join('')}.txt`);
  const cmd = [process.execPath, STV, '--no-agent', '--vault', vault, ...extraArgs, 'ls'].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('/usr/bin/script', ['-qec', `stty cols 80 rows 24; ${cmd}`, log], { env: { ...env, ...extraEnv, TERM: 'xterm-256color' }, input: `${PW}\n`, encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stdout.slice(-500)).toBe(0);
  return readFileSync(log, 'latin1');
}
const COLOUR = /\x1b\[3\dm/;

it('the password prompt is coloured on a terminal by default', () => {
  expect(drawn([])).toMatch(COLOUR);
});

it('--no-color and NO_COLOR turn every colour off', () => {
  const off = drawn(['--no-color']);
  expect(off).toContain('Master password for');
  expect(off).not.toMatch(COLOUR);
  expect(drawn([], { NO_COLOR: '1' })).not.toMatch(COLOUR);
});
