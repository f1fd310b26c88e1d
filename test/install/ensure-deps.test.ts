/**
 * `npm start`/`npm test`'s setup step on a failed install: one line that says
 * what failed, the likely cause and the fix, plus the path of the full log —
 * never a stack trace. npm is replaced by a script that fails the way a
 * compile without a toolchain, or a lost network, makes npm ci fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run, tempDir } from '../helpers/tools.js';

let dir: string;
let cleanup: () => void;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-setup-'));
  // A checkout with no node_modules: the setup's first step is npm ci.
  mkdirSync(join(dir, 'scripts'));
  for (const f of ['package.json', 'package-lock.json', 'scripts/ensure-deps.mjs']) copyFileSync(join(ROOT, f), join(dir, f));
});
afterAll(() => cleanup());

function setupWithFailingNpm(output: string): { status: number; stderr: string } {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\ncat >&2 <<'OUT'\n${output}\nOUT\nexit 1\n`);
  chmodSync(join(bin, 'npm'), 0o755);
  const r = run(process.execPath, [join(dir, 'scripts', 'ensure-deps.mjs')], { cwd: dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  return { status: r.status, stderr: r.stderr };
}

describe('ensure-deps when npm ci fails', () => {
  it('a compile without a toolchain: one line naming argon2, the cause and the fix, and the full log', () => {
    const gyp = 'npm error code 1\nnpm error path node_modules/argon2\nnpm error command sh -c node-gyp-build\ngyp ERR! find Python\ngyp ERR! stack Error: Could not find any Python installation to use\n    at PythonFinder.fail (node-gyp/lib/find-python.js:306:11)';
    const r = setupWithFailingNpm(gyp);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual(['[setup] installing npm dependencies (npm ci)', expect.stringMatching(/^\[setup\] installing the npm dependencies failed: npm exited with 1; likely cause: a native module \(argon2\) tried to compile .*install a C\+\+ toolchain \(apt-get install build-essential python3\), or use another Node .*\. Full log: (\S+)$/)]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const log = /Full log: (\S+)$/.exec(lines[1])![1];
    expect(readFileSync(log, 'utf8')).toContain('gyp ERR! find Python');
  });

  it('no network: says the registry could not be reached', () => {
    const r = setupWithFailingNpm('npm error code ENOTFOUND\nnpm error network request to https://registry.npmjs.org/argon2 failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
    expect(r.stderr).toContain("likely cause: the npm registry could not be reached; check the network or proxy ('npm config get registry')");
  });

  it('an unrecognised failure quotes its last line', () => {
    const r = setupWithFailingNpm('npm error something odd happened');
    expect(r.stderr).toMatch(/likely cause: unrecognised \(its last line: npm error something odd happened\); see the full log\. Full log: /);
  });
});
