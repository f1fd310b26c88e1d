/**
 * TOTP set-up from the terminal, checked against keepassxc-cli (it must
 * compute the same codes from what stv stored) and zbarimg (the QR code
 * printed on a terminal must decode to the stored URI).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STV, isolatedEnv, keepassxc, run, stv, tempDir } from '../helpers/tools.js';

const MASTER = 'totp master pw';
const SECRET = 'JBSW Y3DP EHPK 3PXP GEZD GNBV';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
let pwFile: string;

const sv = (args: string[], input = '') => stv(['--no-agent', '--password-file', pwFile, ...args], { env, input });
/** keepassxc-cli's current code for the entry, with ours just before and after (a period may end in between). */
function codesAround(entry: string): { ours: string[]; theirs: string } {
  const before = sv(['totp', entry]).stdout.trim();
  const k = keepassxc(['show', '-q', '-t', vault, entry], `${MASTER}\n`);
  expect(k.status, k.stderr).toBe(0);
  const after = sv(['totp', entry]).stdout.trim();
  return { ours: [before, after], theirs: k.stdout.trim() };
}

/** The half-block QR code from a terminal as a PBM image (light cells white), scaled for zbarimg. */
function qrToPbm(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => /[█▀▄]/.test(l));
  const rows: boolean[][] = [];
  for (const l of lines) {
    const chars = [...l];
    rows.push(chars.map((c) => c === '█' || c === '▀'), chars.map((c) => c === '█' || c === '▄'));
  }
  const S = 4;
  const pad = 8;
  const w = rows[0].length * S + 2 * pad;
  const h = rows.length * S + 2 * pad;
  let out = `P1\n${w} ${h}\n`;
  for (let y = 0; y < h; y++) {
    const line: number[] = [];
    for (let x = 0; x < w; x++) {
      const r = Math.floor((y - pad) / S);
      const c = Math.floor((x - pad) / S);
      const light = r < 0 || c < 0 || r >= rows.length || c >= rows[0].length ? true : rows[r][c];
      line.push(light ? 0 : 1);
    }
    out += `${line.join(' ')}\n`;
  }
  return out;
}

beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-totp-'));
  env = isolatedEnv(dir);
  vault = join(dir, 'v.kdbx');
  pwFile = join(dir, 'pw');
  writeFileSync(pwFile, `${MASTER}\n`, { mode: 0o600 });
  expect(stv(['--no-agent', '--vault', vault, 'init', '--kdf-iterations', '2', '--kdf-memory', '8'], { env, input: `${MASTER}\n` }).status).toBe(0);
  env.STICKVAULT_VAULT = vault;
  expect(sv(['add', 'Mail/GitHub', '-u', 'fred@example.com']).status).toBe(0);
  expect(sv(['add', 'Bank']).status).toBe(0);
});
afterAll(() => cleanup?.());

describe('stv totp', () => {
  test('set from a base32 secret (stdin): stored protected in otp as KeePassXC writes it, and keepassxc-cli computes the same codes', () => {
    const r = sv(['totp', 'set', 'GitHub'], `${SECRET}\n`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/TOTP set on Mail\/GitHub; current code \d{6}/);
    const shown = JSON.parse(sv(['--json', 'show', '-s', 'GitHub']).stdout);
    expect(shown.fields.otp).toBe('otpauth://totp/GitHub:fred%40example.com?secret=JBSWY3DPEHPK3PXPGEZDGNBV&period=30&digits=6&issuer=GitHub');
    expect(shown.protectedFields).toContain('otp');
    const { ours, theirs } = codesAround('Mail/GitHub');
    expect(ours).toContain(theirs);
  });

  test('set from an otpauth URI (SHA256, 8 digits, 60 s) replaces the old one (kept in history); --json gives code, period, remaining', () => {
    const uri = 'otpauth://totp/Example:fred?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA256&digits=8&period=60&issuer=Example';
    expect(sv(['totp', 'set', 'GitHub'], `${uri}\n`).status).toBe(0);
    const shown = JSON.parse(sv(['--json', 'show', '-s', 'GitHub']).stdout);
    expect(shown.fields.otp).toBe(uri);
    expect(shown.history).toBe(2);
    const j = JSON.parse(sv(['--json', 'totp', 'GitHub']).stdout);
    expect(Object.keys(j).sort()).toEqual(['code', 'path', 'period', 'remaining']);
    expect(j.code).toMatch(/^\d{8}$/);
    expect(j.period).toBe(60);
    expect(j.remaining).toBeGreaterThanOrEqual(1);
    expect(j.remaining).toBeLessThanOrEqual(60);
    const { ours, theirs } = codesAround('Mail/GitHub');
    expect(ours).toContain(theirs);
  });

  test('--qr on a terminal prints a QR code that zbarimg decodes to the stored URI', () => {
    const uri = JSON.parse(sv(['--json', 'show', '-s', 'GitHub']).stdout).fields.otp;
    // script(1) gives stv a terminal; -q keeps the unlock spinner off the captured screen.
    const r = run('script', ['-qec', `${process.execPath} ${STV} -q --no-agent --password-file ${pwFile} totp GitHub --qr`, '/dev/null'], { env, input: '' });
    expect(r.status, r.stderr).toBe(0);
    const pbm = join(dir, 'qr.pbm');
    writeFileSync(pbm, qrToPbm(r.stdout));
    const z = run('zbarimg', ['-q', '--raw', pbm]);
    expect(z.status, z.stderr).toBe(0);
    expect(z.stdout.trim()).toBe(uri);
  });

  test('--qr into a pipe is refused (it is the secret); bad secrets are refused and nothing is saved', () => {
    const piped = sv(['totp', 'GitHub', '--qr']);
    expect(piped.status).toBe(2);
    expect(piped.stdout).toBe('');
    const before = statSync(vault).mtimeMs;
    const bytesBefore = readFileSync(vault);
    for (const bad of ['not base32 at all!', 'JBSWY3DP', 'otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1', 'otpauth://totp/x?digits=6']) {
      const r = sv(['totp', 'set', 'Bank'], `${bad}\n`);
      expect(r.status, bad).toBe(2);
      expect(r.stderr).toMatch(/^stv: .+\n$/);
    }
    expect(statSync(vault).mtimeMs).toBe(before);
    expect(readFileSync(vault).equals(bytesBefore)).toBe(true);
    expect(sv(['totp', 'Bank']).status).toBe(4);
  });
});
