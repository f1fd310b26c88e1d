// Runs once before the suite: rebuild the bundle the CLI tests execute.
// `npm test` already built strictly in its pretest step; here a failed build
// only warns, so library tests still run while a command is being written.
import { spawnSync } from 'node:child_process';

export default function setup(): void {
  const r = spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) process.stderr.write('[global-setup] build failed; CLI tests will fail until it builds\n');
}
