/**
 * The installed command (dist/stv.cjs, built as CommonJS by scripts/build.mjs).
 * It answers --version before Node's ES module loader starts (~10 ms of a
 * ~70 ms start, issue 10 row 5) and hands everything else to the ESM bundle
 * (dist/stv.js). It imports only small leaf modules, directly rather than
 * through their index: this file must stay a few kilobytes.
 *
 * For a command that may open a vault it first starts the two AES-KDF chain
 * workers (src/vault/kdbx/aes-kdf.ts adopts them): their ~30 ms start then
 * overlaps the module load instead of delaying the key. Not when an agent is
 * running and may hold the key: an unused thread costs an agent-served
 * command ~8 ms.
 *
 * Every command but --version also starts prlimit(1) here, without waiting,
 * to set the core-dump limit to 0 (disableCoreDumps in src/secret): done
 * before any secret is read, and the blocking prlimit that would run there
 * otherwise cost ~4 ms of every command, agent-served ones too.
 *
 * Built-in modules that --version does not need are loaded on the other
 * path only (process.getBuiltinModule; an import would be hoisted).
 */
import type { Worker } from 'node:worker_threads';
import { AGENT_SOCKET } from '../config/paths.js';
import { socketLooksOurs } from '../config/runtime-dir.js';
import { noCoreDumpArgs } from '../secret/leaf.js';
import { CHAIN_WORKER_FILE, CHAIN_WORKER_OPTIONS, SPARE_WORKERS } from '../vault/kdbx/chain-worker-spec.js';
import { KEY_COMMANDS } from './key-commands.js';

declare const STV_VERSION: string;

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${STV_VERSION}\n`);
} else {
  const { spawn } = process.getBuiltinModule('node:child_process');
  try {
    spawn('prlimit', noCoreDumpArgs(process.pid), { stdio: 'ignore' }).on('error', () => {}).unref();
  } catch {
    // No prlimit: disableCoreDumps tries again, and says nothing either.
  }
  const agentMayHold = !args.some((x) => x === '--no-agent' || x.startsWith('--password-f')) && socketLooksOurs(AGENT_SOCKET);
  if (args.some((x) => KEY_COMMANDS.includes(x)) && !agentMayHold && process.getBuiltinModule('node:os').availableParallelism() >= 2) {
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    const start = () => {
      const w = new Worker(`${__dirname}/${CHAIN_WORKER_FILE}`, CHAIN_WORKER_OPTIONS);
      w.unref();
      return w;
    };
    (globalThis as { [SPARE_WORKERS]?: Worker[] })[SPARE_WORKERS] = [start(), start()];
  }
  // The ESM bundle beside this file (scripts/build.mjs keeps the import as it is).
  // @ts-expect-error: dist/stv.js exists only in the build.
  void import('./stv.js');
}
