/**
 * stv doctor: each failing check prints a fix that works when run as shown,
 * and the command exits 1 while anything fails (0 when all pass).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stv, tempDir, isolatedEnv, run } from '../helpers/tools.js';

const PW = 'doctor pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-doctor-'));
  env = isolatedEnv(dir);
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
});
afterAll(() => cleanup());

interface Check { check: string; ok: boolean; detail: string; fix?: string }
const doctor = () => {
  const r = stv(['--json', 'doctor'], { env, input: '' });
  return { status: r.status, checks: JSON.parse(r.stdout) as Check[] };
};
const find = (checks: Check[], name: string) => checks.find((c) => c.check === name)!;
/** Runs a printed fix the way a user would paste it, with the vault password on stdin. */
// As a script: both passwords on stdin (--password-fd 0), and this test's weak one kept (--allow-weak).
const runFix = (fix: string) => run('sh', ['-c', `${fix.replace(/^stv /, `'${process.execPath}' '${join(__dirname, '../../dist/stv.js')}' --no-agent --password-fd 0 `)}${/ passwd /.test(fix) ? ' --allow-weak' : ''}`], { env, input: `${PW}\n${PW}\n` });

describe('stv doctor', () => {
  it('a missing vault and no display fail with fixes, and the exit status is 1', () => {
    const { status, checks } = doctor();
    expect(status).toBe(1);
    expect(find(checks, 'clipboard')).toMatchObject({ ok: false, detail: 'no display (headless)' });
    const vault = join(dir, 'data', 'stickvault', 'default.kdbx');
    expect(find(checks, 'vault default')).toMatchObject({ ok: false, fix: `stv --vault ${vault} init, or mount the stick that holds it` });
  });

  it('a weak KDF fails with the reason and a passwd fix that removes it', () => {
    const vault = join(dir, 'weak.kdbx');
    expect(stv(['--no-agent', '--vault', vault, 'init', '--allow-weak', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: `${PW}\n` }).status).toBe(0);
    expect(stv(['config', 'set', 'defaultVault', vault], { env }).status).toBe(0);
    const weak = find(doctor().checks, 'vault default KDF');
    expect(weak).toMatchObject({ ok: false, detail: 'argon2id 8 MiB × 1 (under 64 MiB, under 0.5 s here)', fix: `stv --vault ${vault} passwd --kdf-memory 64 --kdf-ms 1000` });
    const fixed = runFix(weak.fix!);
    expect(fixed.status, fixed.stderr).toBe(0);
    // Tuned to 1 s here, so twice the 0.5 s bar; only the memory reason is certain under any load.
    expect(find(doctor().checks, 'vault default KDF').detail).toMatch(/^argon2id 64 MiB × \d+/);
    expect(find(doctor().checks, 'vault default KDF').detail).not.toContain('under 64 MiB');
  });

  it('passes a KDF far above the bar, judged from the header alone', () => {
    const strong = join(dir, 'strong.kdbx');
    const bytes = Buffer.from(readFileSync(join(dir, 'weak.kdbx')));
    // The Argon2 iteration count in the KDF VariantDictionary: UInt64 (0x05), key "I", 8 bytes.
    const at = bytes.indexOf(Buffer.from([0x05, 1, 0, 0, 0, 0x49, 8, 0, 0, 0]));
    expect(at).toBeGreaterThan(0);
    bytes.writeBigUInt64LE(100_000n, at + 10);
    writeFileSync(strong, bytes);
    expect(stv(['config', 'set', 'defaultVault', strong], { env }).status).toBe(0);
    expect(find(doctor().checks, 'vault default KDF')).toMatchObject({ ok: true, detail: 'argon2id 64 MiB × 100000' });
  });

  it('an agent directory others can enter fails with a chmod fix that works', () => {
    const runtime = join(dir, 'run', 'stickvault');
    mkdirSync(runtime, { recursive: true });
    chmodSync(runtime, 0o755);
    const bad = find(doctor().checks, 'agent directory');
    expect(bad).toMatchObject({ ok: false, fix: `chmod 700 ${runtime}` });
    expect(run('sh', ['-c', bad.fix!]).status).toBe(0);
    expect(find(doctor().checks, 'agent directory').ok).toBe(true);
  });

  it('a broken config file fails and says to fix or remove it', () => {
    const file = join(dir, 'config', 'stickvault', 'config.json');
    const good = readFileSync(file);
    writeFileSync(file, '{ not json');
    const { status, checks } = doctor();
    expect(status).toBe(1);
    expect(find(checks, 'config')).toMatchObject({ ok: false, fix: `fix or remove ${file}` });
    writeFileSync(file, good);
  });
});
