/**
 * stv ssh-add against real OpenSSH: keys made by ssh-keygen (ed25519, RSA,
 * ECDSA; openssh-key-v1 plain or encrypted with bcrypt-pbkdf and AES-CTR or
 * AES-GCM, and the older PEM files, plain or encrypted), stored in a vault set up as KeePassXC sets it up (keepassxc-cli
 * attachments and KeeAgent.settings in KeePassXC's UTF-16 layout), loaded
 * into a real ssh-agent whose debug log shows the constraints, listed by
 * ssh-add -l, used by ssh-keygen -Y sign through the agent, and removed by
 * stv lock.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedEnv, keepassxc, run, stv, tempDir } from '../helpers/tools.js';
import { until } from '../helpers/wait.js';

const MASTER = 'ssh master pw';
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
let vault: string;
let agentProc: ChildProcess;
let agentLog = '';

interface Key {
  entry: string;
  file: string;
  keygen: string[];
  passphrase: string;
  settings?: Partial<Settings>;
}
interface Settings {
  allow: boolean;
  addAtOpen: boolean;
  removeAtClose: boolean;
  confirm: boolean;
  useLifetime: boolean;
  lifetime: number;
  location: 'attachment' | 'file';
  fileName: string;
}
const KEYS: Key[] = [
  { entry: 'Servers/web', file: 'web', keygen: ['-t', 'ed25519'], passphrase: 'web-pass-1', settings: { allow: true, addAtOpen: true, removeAtClose: true } },
  { entry: 'Servers/db', file: 'db', keygen: ['-t', 'rsa', '-b', '2048', '-Z', 'aes256-gcm@openssh.com'], passphrase: 'db-pass-2', settings: { allow: true, addAtOpen: true, removeAtClose: true, useLifetime: true, lifetime: 600 } },
  { entry: 'Servers/git', file: 'git', keygen: ['-t', 'ecdsa', '-b', '256'], passphrase: 'git-pass-3', settings: { allow: true, addAtOpen: true, removeAtClose: false, confirm: true } },
  { entry: 'Servers/file', file: 'filekey', keygen: ['-t', 'ecdsa', '-b', '521'], passphrase: '', settings: { allow: true, addAtOpen: true, removeAtClose: true, location: 'file', fileName: '$HOME/keys/filekey' } },
  { entry: 'Servers/brief', file: 'brief', keygen: ['-t', 'ed25519'], passphrase: '', settings: { allow: true, addAtOpen: true, removeAtClose: true, useLifetime: true, lifetime: 2 } },
  { entry: 'Servers/off', file: 'off', keygen: ['-t', 'ed25519'], passphrase: '', settings: { allow: false, addAtOpen: true } },
  { entry: 'Plain/rsa-pem', file: 'rsapem', keygen: ['-t', 'rsa', '-b', '2048', '-m', 'PEM'], passphrase: '' },
  { entry: 'Plain/ec384-pem', file: 'ecpem', keygen: ['-t', 'ecdsa', '-b', '384', '-m', 'PEM'], passphrase: 'pem-pass-4' },
];
const AT_OPEN = ['web', 'db', 'git', 'filekey', 'brief'];

/** KeeAgent.settings as KeePassXC's KeeAgentSettings::toXml writes it: UTF-16 with a byte order mark, indented by 2. */
function keeAgentXml(s: Partial<Settings>, attachment: string): Buffer {
  const b = (v: boolean | undefined) => (v ? 'true' : 'false');
  const xml = `<?xml version="1.0" encoding="UTF-16"?>
<EntrySettings xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <AllowUseOfSshKey>${b(s.allow)}</AllowUseOfSshKey>
  <AddAtDatabaseOpen>${b(s.addAtOpen)}</AddAtDatabaseOpen>
  <RemoveAtDatabaseClose>${b(s.removeAtClose)}</RemoveAtDatabaseClose>
  <UseConfirmConstraintWhenAdding>${b(s.confirm)}</UseConfirmConstraintWhenAdding>
  <UseLifetimeConstraintWhenAdding>${b(s.useLifetime)}</UseLifetimeConstraintWhenAdding>
  <LifetimeConstraintDuration>${s.lifetime ?? 600}</LifetimeConstraintDuration>
  <Location>
    <SelectedType>${s.location ?? 'attachment'}</SelectedType>
    ${s.location === 'file' ? '<AttachmentName/>' : `<AttachmentName>${attachment}</AttachmentName>`}
    <SaveAttachmentToTempFile>false</SaveAttachmentToTempFile>
    ${s.fileName ? `<FileName>${s.fileName}</FileName>` : '<FileName/>'}
  </Location>
</EntrySettings>
`;
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
}

const sshAddL = () => run('ssh-add', ['-l'], { env }).stdout;
const fingerprintOf = (file: string) => run('ssh-keygen', ['-lf', join(dir, `${file}.pub`)], { env }).stdout.split(' ')[1];

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('stv-ssh-'));
  env = isolatedEnv(dir, { SSH_AUTH_SOCK: join(dir, 'agent.sock') });
  mkdirSync(join(dir, 'keys'));
  vault = join(dir, 'keepassxc.kdbx');
  expect(keepassxc(['db-create', '-q', '-p', vault], `${MASTER}\n${MASTER}\n`).status).toBe(0);
  for (const g of ['Servers', 'Plain']) expect(keepassxc(['mkdir', '-q', vault, g], `${MASTER}\n`).status).toBe(0);
  for (const k of KEYS) {
    const keyPath = join(dir, k.file);
    const gen = run('ssh-keygen', ['-q', ...k.keygen, '-N', k.passphrase, '-C', `${k.file}@test`, '-f', keyPath]);
    expect(gen.status, gen.stderr).toBe(0);
    if (k.keygen.includes('PEM')) writeFileSync(`${keyPath}.pub`, run('ssh-keygen', ['-y', '-P', k.passphrase, '-f', keyPath]).stdout);
    expect(keepassxc(['add', '-q', '-p', vault, k.entry], `${MASTER}\n${k.passphrase}\n`).status).toBe(0);
    if (k.settings?.location === 'file') writeFileSync(join(dir, 'keys', k.file), readFileSync(keyPath), { mode: 0o600 });
    else expect(keepassxc(['attachment-import', '-q', vault, k.entry, `id_${k.file}`, keyPath], `${MASTER}\n`).status).toBe(0);
    if (k.settings) {
      const settings = join(dir, `${k.file}.settings`);
      writeFileSync(settings, keeAgentXml(k.settings, `id_${k.file}`));
      expect(keepassxc(['attachment-import', '-q', vault, k.entry, 'KeeAgent.settings', settings], `${MASTER}\n`).status).toBe(0);
    }
  }
  // A real ssh-agent in debug mode (stays in the foreground; its log shows each key's constraints).
  agentProc = spawn('ssh-agent', ['-d', '-a', join(dir, 'agent.sock')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  agentProc.stderr!.on('data', (c) => (agentLog += c));
  expect(await until(() => run('ssh-add', ['-l'], { env }).status === 1)).toBe(true); // 1: running, no keys
  expect(stv(['config', 'set', 'autoLockSeconds', '300'], { env }).status).toBe(0);
  expect(stv(['--vault', vault, 'unlock'], { env, input: `${MASTER}\n` }).status).toBe(0);
}, 120_000);

afterAll(() => {
  stv(['lock', '--all'], { env });
  agentProc?.kill();
  cleanup?.();
});

describe('stv ssh-add', () => {
  test('without ENTRY it adds the keys KeePassXC adds at open, with KeeAgent lifetime and confirm, else the auto-lock time', async () => {
    const r = stv(['--vault', vault, 'ssh-add'], { env });
    expect(r.status, r.stderr).toBe(0);
    const listed = sshAddL();
    for (const k of KEYS) expect(listed.includes(fingerprintOf(k.file)), k.entry).toBe(AT_OPEN.includes(k.file));
    const logFor = (file: string) => agentLog.split(/\r?\n/).find((l) => l.includes('process_add_identity: add') && l.includes(fingerprintOf(file))) ?? '';
    // The agent's log arrives through this process's event loop, which stv's synchronous run held up.
    await until(() => AT_OPEN.every((f) => logFor(f) !== ''));
    expect(logFor('web')).toContain('(life: 300) (confirm: 0)');
    expect(logFor('db')).toContain('(life: 600) (confirm: 0)');
    expect(logFor('git')).toContain('(life: 300) (confirm: 1)');
    expect(logFor('filekey')).toContain(`"filekey@test" (life: 300)`);
  });

  test('the keys in ssh-agent are the real private keys: ssh-keygen -Y sign through the agent, and verify', () => {
    for (const file of ['web', 'db', 'filekey']) {
      const data = join(dir, `msg-${file}`);
      writeFileSync(data, `signed by ${file}\n`);
      const sign = run('ssh-keygen', ['-Y', 'sign', '-f', join(dir, `${file}.pub`), '-n', 'stv-test', data], { env });
      expect(sign.status, sign.stderr).toBe(0);
      const signers = join(dir, `signers-${file}`);
      writeFileSync(signers, `t@example ${readFileSync(join(dir, `${file}.pub`), 'utf8')}`);
      const verify = run('ssh-keygen', ['-Y', 'verify', '-f', signers, '-I', 't@example', '-n', 'stv-test', '-s', `${data}.sig`], { env, input: readFileSync(data) });
      expect(verify.status, verify.stderr).toBe(0);
    }
  });

  test('a short KeeAgent lifetime ends in ssh-agent by itself', async () => {
    expect(await until(() => !sshAddL().includes(fingerprintOf('brief')))).toBe(true);
    expect(sshAddL()).toContain(fingerprintOf('web'));
  });

  test('named entries without settings: PEM keys (RSA plain, ECDSA encrypted with the entry password) load and sign', async () => {
    const r = stv(['--vault', vault, 'ssh-add', 'Plain/rsa-pem', 'ec384-pem', '--lifetime', '1h'], { env });
    expect(r.status, r.stderr).toBe(0);
    for (const file of ['rsapem', 'ecpem']) {
      expect(sshAddL()).toContain(fingerprintOf(file));
      const data = join(dir, `msg-${file}`);
      writeFileSync(data, 'x\n');
      expect(run('ssh-keygen', ['-Y', 'sign', '-f', join(dir, `${file}.pub`), '-n', 'stv-test', data], { env }).status).toBe(0);
    }
    const line = `${fingerprintOf('ecpem')} "id_ecpem" (life: 3600)`;
    expect(await until(() => agentLog.includes(line)), agentLog).toBe(true);
  });

  test('refusals: a key KeePassXC does not allow, a wrong passphrase, no agent; one line each, nothing added', () => {
    const off = stv(['--vault', vault, 'ssh-add', 'Servers/off'], { env });
    expect(off.status).toBe(1);
    expect(off.stderr).toMatch(/^stv: Servers\/off: its KeeAgent settings do not allow its key to be used[^\n]*\n$/);
    expect(stv(['--vault', vault, '--no-agent', '--password-fd', '0', 'edit', 'Servers/db', '-p'], { env, input: `${MASTER}\nnot-the-passphrase\n` }).status).toBe(0);
    const wrong = stv(['--vault', vault, 'ssh-add', 'Servers/db'], { env });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe("stv: Servers/db: the passphrase (the entry's password) does not decrypt the SSH key\n");
    const noAgent = stv(['--vault', vault, 'ssh-add'], { env: { ...env, SSH_AUTH_SOCK: '' } });
    expect(noAgent.status).toBe(1);
    expect(noAgent.stderr).toMatch(/^stv: no ssh-agent: SSH_AUTH_SOCK is not set/);
    expect(sshAddL()).not.toContain(fingerprintOf('off'));
  });

  test('--list shows the entries that hold keys, their fingerprints, and which are in ssh-agent', () => {
    const rows = JSON.parse(stv(['--vault', vault, '--json', 'ssh-add', '--list'], { env }).stdout) as { entry: string; fingerprint: string | null; loaded: boolean; addAtOpen: boolean; allowed: boolean }[];
    expect(rows.map((r) => r.entry).sort()).toEqual(KEYS.map((k) => k.entry).sort());
    const row = (e: string) => rows.find((r) => r.entry === e)!;
    expect(row('Servers/web')).toMatchObject({ fingerprint: fingerprintOf('web'), loaded: true, addAtOpen: true, allowed: true });
    expect(row('Servers/off')).toMatchObject({ loaded: false, allowed: false });
    expect(row('Servers/brief')).toMatchObject({ loaded: false });
  });

  test('what stv remembers is public (vault, socket, public key blob), and stv lock removes the keys — except where KeeAgent says to keep them', () => {
    const record = readFileSync(join(dir, 'run', 'stickvault', 'ssh-keys.json'), 'utf8');
    const keys = JSON.parse(record).keys as { publicBlob: string }[];
    const pubBlob = (file: string) => readFileSync(join(dir, `${file}.pub`), 'utf8').trim().split(' ')[1];
    expect(keys.map((k) => k.publicBlob)).toEqual(expect.arrayContaining(['web', 'db', 'git', 'filekey', 'rsapem', 'ecpem'].map(pubBlob)));
    for (const file of ['web', 'rsapem']) {
      const body = readFileSync(join(dir, file), 'utf8').split('\n').slice(1, 3).join('');
      expect(record.includes(body.slice(0, 40))).toBe(false);
    }
    const r = stv(['--vault', vault, 'lock'], { env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/removed 5 SSH keys from ssh-agent/);
    const left = sshAddL();
    expect(left).toContain(fingerprintOf('git')); // RemoveAtDatabaseClose false
    for (const file of ['web', 'db', 'filekey', 'rsapem', 'ecpem']) expect(left).not.toContain(fingerprintOf(file));
  });
});
