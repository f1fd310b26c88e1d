/** Shared by the agent tests: the test agent bundled where it finds koffi, and a wait for a condition. */
import { build } from 'esbuild';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ROOT } from '../helpers/tools.js';

/** Waits until `cond` holds (generous bound: the machine may be loaded); throws when it never does. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

/**
 * agent-entry.ts bundled inside the project (its ignored tmp/), so the bundle
 * finds koffi in node_modules for SO_PEERCRED. The caller removes the file.
 */
export async function buildTestAgent(): Promise<string> {
  const entry = join(ROOT, 'tmp', `agent-${randomBytes(4).toString('hex')}.mjs`);
  await build({ entryPoints: [join(__dirname, 'agent-entry.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: entry, logLevel: 'silent' }); // node20 as scripts/build.mjs: `using` is lowered
  return entry;
}
