/**
 * A command's reads (exec's values, show, git's credential): from the agent
 * when it holds the key, else from the vault opened here once, however many
 * values; ENTRY:FIELD falls back to an entry whose name holds the ':'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers/tools.js';
import { Database, Entry } from '../../src/vault/index.js';
import { runQuery } from '../../src/agent-host/index.js';
import { readFields, readVault, type VaultReads } from '../../src/agent/index.js';

let cleanup: () => void;
let runtime: string | undefined;

beforeAll(() => {
  let dir: string;
  ({ dir, cleanup } = tempDir('stv-reads-'));
  // No agent runs under this runtime directory: every read falls back to the vault opened here.
  runtime = process.env.XDG_RUNTIME_DIR;
  process.env.XDG_RUNTIME_DIR = join(dir, 'run');
});
afterAll(() => {
  if (runtime === undefined) delete process.env.XDG_RUNTIME_DIR;
  else process.env.XDG_RUNTIME_DIR = runtime;
  cleanup();
});

function vault(): Database {
  const db = Database.create('reads');
  for (const [title, user, pw] of [['db:prod', 'pg', 'prod-pw'], ['Mail', 'fred', 'mail-pw']]) {
    const e = new Entry();
    e.set('Title', title);
    e.set('UserName', user);
    e.set('Password', pw, true);
    db.root.addEntry(e);
  }
  return db;
}

/** The vault "opened here", counting how often it is opened and closed. */
function here(agentVault?: string): VaultReads & { opened: number; closed: number } {
  const db = vault();
  const where = {
    agentVault,
    opened: 0,
    closed: 0,
    async openHere() {
      where.opened++;
      return { ask: (op: Parameters<typeof runQuery>[1], args: Parameters<typeof runQuery>[2]) => runQuery(db, op, args), close: () => void where.closed++ };
    },
  };
  return where;
}

describe('readFields', () => {
  it('reads every value from one opening of the vault, in order, and closes it', async () => {
    const where = here();
    const values = await readFields(where, [{ entry: 'Mail', field: 'username' }, { entry: 'Mail', field: 'password' }]);
    expect(values.map((v) => v.value)).toEqual(['fred', 'mail-pw']);
    expect([where.opened, where.closed]).toEqual([1, 1]);
  });

  it("finds an entry whose name holds the ':' when ENTRY:FIELD names no entry", async () => {
    const values = await readFields(here(), [{ entry: 'db', field: 'prod', whole: 'db:prod' }]);
    expect(values[0].value).toBe('prod-pw');
  });

  it('a missing entry is the not-found of the spec as split, and the vault is still closed', async () => {
    const where = here();
    const r = readFields(where, [{ entry: 'nope', field: 'user', whole: 'nope:user' }]);
    await expect(r).rejects.toMatchObject({ kind: 'not-found', message: expect.stringContaining("entry 'nope' not found") });
    expect([where.opened, where.closed]).toEqual([1, 1]);
  });

  it('falls back to the vault opened here when no agent holds the key', async () => {
    const where = here('/nowhere/v.kdbx');
    expect(await readVault(where, (ask) => ask('find', { query: 'mail' }))).toMatchObject([{ path: 'Mail' }]);
    expect(where.opened).toBe(1);
  });
});
