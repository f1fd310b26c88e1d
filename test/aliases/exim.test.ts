/**
 * The Exim snippet is real Exim configuration: Debian's exim (exim4-daemon-light)
 * loads it (`-bV`) and routes test addresses through it (`-bt`), so plus and
 * minus aliases are delivered, burnt ones and guessed code-style ones refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from '../../src/vault/index.js';
import { setupAliases, newAlias, eximConfig, getSetup } from '../../src/aliases/index.js';
import { run, tempDir } from '../helpers/tools.js';

const EXIM = '/usr/sbin/exim';
let dir: string;
let cleanup: () => void;

beforeAll(() => {
  if (!existsSync(EXIM)) throw new Error(`${EXIM} is missing: install the Debian package exim4-daemon-light (npm test installs it when run as root)`);
  ({ dir, cleanup } = tempDir('stv-exim-'));
});
afterAll(() => cleanup?.());

/** A whole Exim configuration around the snippet, its files under `dir` instead of /etc/exim4. */
function configWith(snippet: string, name: string): string {
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, `primary_hostname = mail.example.com
domainlist local_domains = example.com
spool_directory = ${join(dir, 'spool')}
log_file_path = ${join(dir, 'log-%s')}

${snippet.replaceAll('/etc/exim4/', `${dir}/${name}-`)}
begin transports

local_delivery:
  driver = appendfile
  file = ${dir}/mail-$local_part
`);
  return conf;
}

/** Where Exim would route `address`: the router's name, or the reason it refuses. */
function route(conf: string, address: string): string {
  const r = run(EXIM, ['-C', conf, '-bt', address]);
  return `${r.stdout}${r.stderr}`;
}

function aliasVault(style: 'plain' | 'code'): Database {
  const db = Database.create('aliases');
  setupAliases(db, { bases: ['fred@example.com'], separators: ['+', '-'], style });
  return db;
}

describe('Exim loads the generated routers and routes by them', () => {
  it('plain tags: both separators reach fred, a burnt address is refused, others are not ours', () => {
    const conf = configWith(eximConfig(getSetup(aliasVault('plain')), []), 'plain');
    writeFileSync(join(dir, 'plain-stickvault-burnt'), 'fred+leaked@example.com\n');
    const check = run(EXIM, ['-C', conf, '-bV']);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toContain(`Configuration file is ${conf}`);
    for (const a of ['fred+amazon@example.com', 'fred-amazon@example.com', 'fred@example.com']) {
      expect(route(conf, a), a).toMatch(/router = stickvault_aliases, transport = local_delivery/);
    }
    expect(route(conf, 'fred+leaked@example.com')).toContain('this address is disabled (leaked)');
    expect(route(conf, 'fred-leaked@example.com')).toMatch(/router = stickvault_aliases/);
    expect(route(conf, 'bob+amazon@example.com')).toContain('Unrouteable address');
    expect(route(conf, 'fred+amazon@elsewhere.org')).toContain('Unrouteable address');
  });

  it('a missing burnt list refuses nothing (the router does not defer)', () => {
    const conf = configWith(eximConfig(getSetup(aliasVault('plain')), []), 'nolist');
    expect(route(conf, 'fred+amazon@example.com')).toMatch(/router = stickvault_aliases/);
  });

  it('code style: the issued address is delivered, a guessed or forged code is refused', () => {
    const db = aliasVault('code');
    const issued = newAlias(db, 'https://www.paypal.com').address;
    const setup = getSetup(db);
    const conf = configWith(eximConfig(setup, []), 'code');
    // What 'stv alias config secret' prints: the secret as hex and a newline.
    writeFileSync(join(dir, 'code-stickvault-secret'), `${Buffer.from(setup.secret!, 'base64').toString('hex')}\n`);
    expect(run(EXIM, ['-C', conf, '-bV']).status).toBe(0);
    expect(issued).toMatch(/^fred\+paypal\.[0-9a-f]{8}@example\.com$/);
    expect(route(conf, issued)).toMatch(/router = stickvault_aliases/);
    expect(route(conf, issued.replace('+', '-'))).toMatch(/router = stickvault_aliases/);
    const forged = issued.replace(/\.[0-9a-f]{8}@/, (m) => `.${m[1] === '0' ? '1' : '0'}${m.slice(2)}`);
    expect(forged).not.toBe(issued);
    for (const a of [forged, 'fred+paypal@example.com', 'fred-ebay.00000000@example.com']) {
      expect(route(conf, a), a).toContain('no such address');
    }
    expect(route(conf, 'fred@example.com')).toMatch(/router = stickvault_aliases/);
  });
});
