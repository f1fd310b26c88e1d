/**
 * stv exec with real commands: values as NAME_FILE files (0600, in a 0700
 * directory on tmpfs) or on stdin, never in the command's environment or
 * argv; the exit code is the command's; the files are gone when the command
 * exits, is killed, when the terminal's Ctrl-C reaches both, and when stv
 * itself is killed with SIGKILL (its watchdog), or, watchdog killed too,
 * after the next stv command.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { STV, isolatedEnv, stv, tempDir } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';

const MASTER = 'exec master pw';
const DBPW = 'db-secret-Qw3!';
const TOKEN = 'api-token-Zx9#';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;


beforeAll(() => {
  ({ dir, cleanup } = tempDir('stv-exec-'));
  env = isolatedEnv(dir);
  expect(stv(['--no-agent', 'init', '--kdf-iterations', '1', '--kdf-memory', '8'], { env, input: `${MASTER}\n` }).status).toBe(0);
  expect(stv(['--no-agent', '--password-fd', '0', 'add', 'Db/prod', '-u', 'dbuser', '-p'], { env, input: `${MASTER}\n${DBPW}\n` }).status).toBe(0);
  expect(stv(['--no-agent', '--password-fd', '0', 'add', 'Api', '-p'], { env, input: `${MASTER}\n${TOKEN}\n` }).status).toBe(0);
  expect(stv(['unlock', '--timeout', '300'], { env, input: `${MASTER}\n` }).status).toBe(0);
});
afterAll(() => {
  stv(['lock', '--all'], { env });
  cleanup?.();
});

/** The script the command runs: reports its files, their modes, the file system, its environment and stdin into `out`. */
const REPORT = `out=$1; {
  echo "DB_FILE=$DB_FILE"; echo "API_FILE=$API_FILE"
  printf 'db=%s\\n' "$(cat "$DB_FILE")"; printf 'api=%s\\n' "$(cat "$API_FILE")"
  stat -c 'mode %a %n' "$DB_FILE" "$API_FILE" "$(dirname "$DB_FILE")"
  stat -f -c 'fs %T' "$DB_FILE"
} > "$out"; tr '\\0' '\\n' < /proc/$$/environ > "$out.env"; cat /proc/$$/cmdline > "$out.argv"`;

describe('stv exec', () => {
  test('files hold the values (0600 in a 0700 dir on tmpfs), the environment holds only their paths, and they are gone after the command', () => {
    const out = join(dir, 'report');
    const r = stv(['exec', '-f', 'DB=Db/prod', '-f', 'API=Api:password', '--', 'sh', '-c', `${REPORT}; exit 42`, 'sh', out], { env });
    expect(r.status, r.stderr).toBe(42);
    const report = readFileSync(out, 'utf8');
    expect(report).toContain(`db=${DBPW}\n`);
    expect(report).toContain(`api=${TOKEN}\n`);
    expect(report).toMatch(/mode 600 .*\/DB\n/);
    expect(report).toMatch(/mode 600 .*\/API\n/);
    expect(report).toMatch(/mode 700 /);
    expect(report).toMatch(/fs (tmpfs|ramfs)/);
    const dbFile = /DB_FILE=(.*)/.exec(report)![1];
    expect(existsSync(dbFile)).toBe(false);
    expect(existsSync(dirname(dbFile))).toBe(false);
    for (const f of [`${out}.env`, `${out}.argv`]) {
      const text = readFileSync(f, 'utf8');
      expect(text).not.toContain(DBPW);
      expect(text).not.toContain(TOKEN);
    }
    expect(readFileSync(`${out}.env`, 'utf8')).toContain(`DB_FILE=${dbFile}`);
  });

  test('--stdin pipes one value (a field, with --newline) to the command and closes it', () => {
    const r = stv(['exec', '--stdin', 'Db/prod:username', '--newline', '--', 'od', '-c'], { env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('d b u s e r \\n');
    const pw = stv(['exec', '--stdin', 'Db/prod', '--', 'cat'], { env });
    expect(pw.stdout).toBe(DBPW);
  });

  test('a command killed by a signal: exit 128+N, files removed', () => {
    const out = join(dir, 'killed');
    const r = stv(['exec', '-f', 'DB=Db/prod', '--', 'sh', '-c', 'echo "$DB_FILE" > "$1"; kill -TERM $$', 'sh', out], { env });
    expect(r.status).toBe(143);
    expect(existsSync(readFileSync(out, 'utf8').trim())).toBe(false);
  });

  test('Ctrl-C reaches stv and the command together: stv waits for the command, returns its code and removes the files', async () => {
    const out = join(dir, 'ctrlc');
    const child = spawn(process.execPath, [STV, 'exec', '-f', 'DB=Db/prod', '--', 'sh', '-c', 'trap "exit 3" INT; echo "$DB_FILE" > "$1"; while :; do sleep 0.05; done', 'sh', out], { env, detached: true, stdio: 'ignore' });
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(await until(() => existsSync(out) && readFileSync(out, 'utf8').includes('\n'))).toBe(true);
    process.kill(-child.pid!, 'SIGINT'); // the whole process group, as the terminal does
    expect(await code).toBe(3);
    expect(existsSync(readFileSync(out, 'utf8').trim())).toBe(false);
  });

  test('stv killed with SIGKILL: its watchdog removes the files at once', async () => {
    const out = join(dir, 'sigkill');
    const child = spawn(process.execPath, [STV, 'exec', '-f', 'DB=Db/prod', '--', 'sh', '-c', 'echo $$ > "$1.pid"; echo "$DB_FILE" > "$1"; exec sleep 30', 'sh', out], { env, stdio: 'ignore' });
    expect(await until(() => existsSync(out) && readFileSync(out, 'utf8').includes('\n'))).toBe(true);
    const file = readFileSync(out, 'utf8').trim();
    expect(readFileSync(file, 'utf8')).toBe(DBPW);
    child.kill('SIGKILL');
    expect(await until(() => !existsSync(dirname(file)))).toBe(true);
    process.kill(Number(readFileSync(`${out}.pid`, 'utf8')), 'SIGKILL'); // the orphaned command
  });

  test('stv and its watchdog both killed with SIGKILL: the next stv command removes the files', async () => {
    const out = join(dir, 'sigkill2');
    const child = spawn(process.execPath, [STV, 'exec', '-f', 'DB=Db/prod', '--', 'sh', '-c', 'echo $$ > "$1.pid"; echo "$DB_FILE" > "$1"; exec sleep 30', 'sh', out], { env, stdio: 'ignore' });
    expect(await until(() => existsSync(out) && readFileSync(out, 'utf8').includes('\n'))).toBe(true);
    const file = readFileSync(out, 'utf8').trim();
    const watchdogs = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(dirname(file));
      } catch {
        return false;
      }
    });
    expect(watchdogs.length).toBe(1);
    process.kill(Number(watchdogs[0]), 'SIGKILL');
    child.kill('SIGKILL');
    await until(() => !existsSync(`/proc/${child.pid}`));
    expect(existsSync(file)).toBe(true); // nobody removed it yet
    expect(stv(['lock'], { env }).status).toBe(0);
    expect(existsSync(dirname(file))).toBe(false);
    expect(stv(['unlock', '--timeout', '300'], { env, input: `${MASTER}\n` }).status).toBe(0);
    process.kill(Number(readFileSync(`${out}.pid`, 'utf8')), 'SIGKILL'); // the orphaned command
  });

  test('bad input: a bad variable name or a missing command is a usage error; an unknown entry exit 4', () => {
    expect(stv(['exec', '-f', '1X=Db/prod', '--', 'true'], { env }).status).toBe(2);
    // Refused before the vault is opened: no password asked for a command that cannot run.
    const missing = stv(['--no-agent', 'exec', '-f', 'X=Db/prod', '--', 'no-such-command-xyz'], { env, input: '' });
    expect(missing.stderr).toBe('stv: command not found: no-such-command-xyz\n');
    expect(missing.status).toBe(2);
    expect(stv(['exec', '-f', 'X=Nope', '--', 'true'], { env }).status).toBe(4);
    expect(stv(['exec', '--', 'true'], { env }).status).toBe(2);
  });
});
