/**
 * argon2 runs from the prebuilt binary its package ships, on the Node running
 * this suite (CI runs it on every supported Node): no supported install may
 * compile anything, since a user without a C++ toolchain then gets ~40 lines
 * of node-gyp errors. argon2 0.45.x's linux-x64 binary segfaults when Node
 * 20.20 loads it, so npm fell back to node-gyp; 0.44.0's loads everywhere.
 *
 * The binary is loaded directly, in a child process so that a crash shows as
 * a failure rather than killing the run, and must compute RFC 9106's Argon2id
 * test vector.
 */
import { describe, expect, test } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../helpers/tools.js';

const argon2Dir = join(ROOT, 'node_modules', 'argon2');
const require = createRequire(join(ROOT, 'package.json'));

// RFC 9106 §5.3: Argon2id, 32 KiB, 3 passes, 4 lanes, password 32 × 0x01, salt 16 × 0x02, secret 8 × 0x03, associated data 12 × 0x04.
const RFC9106_ARGON2ID = '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659';

describe('argon2 on this Node', () => {
  test('npm built nothing: no node_modules/argon2/build, and the binding resolves to the shipped prebuild', () => {
    expect(existsSync(join(argon2Dir, 'build')), 'node_modules/argon2/build exists: npm compiled argon2 from source').toBe(false);
    const resolved = (require('node-gyp-build') as { path(dir: string): string }).path(argon2Dir);
    expect(resolved.startsWith(join(argon2Dir, 'prebuilds', `${process.platform}-${process.arch}`))).toBe(true);
  });

  test(`the prebuilt binary loads directly in Node ${process.version} and computes RFC 9106's Argon2id vector`, () => {
    // The shipped file itself, not whatever node-gyp-build would pick (a compiled build/ wins there).
    const libc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime ? 'glibc' : 'musl';
    const dir = join(argon2Dir, 'prebuilds', `${process.platform}-${process.arch}`);
    const binary = readdirSync(dir).map((f) => join(dir, f)).find((f) => f.endsWith(`.${libc}.node`))!;
    expect(binary, `no ${libc} prebuild in ${dir}`).toBeDefined();
    const probe = `
      const binding = require(${JSON.stringify(binary)});
      if (typeof binding.hash !== 'function') throw new Error('no hash export');
      // argon2.cjs finds its binding through node-gyp-build, which the first test pinned to this same file.
      const argon2 = require(${JSON.stringify(join(argon2Dir, 'argon2.cjs'))});
      argon2.hash(Buffer.alloc(32, 1), { raw: true, type: argon2.argon2id, salt: Buffer.alloc(16, 2), secret: Buffer.alloc(8, 3),
        associatedData: Buffer.alloc(12, 4), memoryCost: 32, timeCost: 3, parallelism: 4, hashLength: 32 })
        .then((h) => process.stdout.write(h.toString('hex')));`;
    const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal, `the binary crashed Node ${process.version}: ${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(RFC9106_ARGON2ID);
  });
});
