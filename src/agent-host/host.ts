/**
 * What runs inside the agent process (`stv __agent`): the agent server plus a
 * query handler that keeps each unlocked vault parsed in memory, so a repeat
 * `show` costs neither the KDF nor a parse. The cache is checked against the
 * file's size and mtime on every query and wiped when the key is forgotten.
 */
import { statSync } from 'node:fs';
import { runAgentServer, isQueryOp, queryArgsFrom } from '../agent/index.js';
import { Vault, readVaultFile } from '../vault/index.js';
import { disableCoreDumps } from '../secret/index.js';
import { UsageError } from '../errors/index.js';
import { runQuery } from './queries.js';

interface Cached {
  size: number;
  mtimeMs: number;
  fingerprint: string;
  vault: Vault;
}

export async function runAgent(): Promise<void> {
  disableCoreDumps(); // the agent holds every unlocked key for hours
  const cache = new Map<string, Cached>();
  const drop = (path: string) => {
    cache.get(path)?.vault.close();
    cache.delete(path);
  };
  await runAgentServer({
    onForget: drop,
    async queryHandler(path, key, op, args) {
      const st = statSync(path);
      let c = cache.get(path);
      if (!c || c.size !== st.size || c.mtimeMs !== st.mtimeMs || c.fingerprint !== key.kdfFingerprint) {
        drop(path);
        const { bytes, stamp } = readVaultFile(path);
        // Re-keyed elsewhere: the StaleKeyError (kind 'locked') makes the CLI ask for the password.
        const vault = await Vault.open(bytes, { transformed: key.transformed, kdfFingerprint: key.kdfFingerprint });
        c = { size: stamp.size, mtimeMs: stamp.mtimeMs, fingerprint: key.kdfFingerprint, vault };
        cache.set(path, c);
      }
      if (!isQueryOp(op)) throw new UsageError(`unknown query ${op}`);
      return runQuery(c.vault.db, op, queryArgsFrom(args), { secrets: true });
    },
  });
}
