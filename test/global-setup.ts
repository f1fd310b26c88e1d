// Runs once before the suite: the bundle the CLI tests execute must exist and be current.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('node', ['scripts/build.mjs'], { stdio: 'inherit' });
}
