/** stv git setup|diff-text and stv merge-driver: thin adapters over src/sync's git support. */
import { resolve } from 'node:path';
import { loadConfig, readRegularFile, resolveVault, writeFileAtomic, type ResolvedVault } from '../../config/index.js';
import { diffText, mergeThreeWay, setupGit, syncKeys } from '../../sync/index.js';
import { type GlobalOptions, info, printJson, warn } from '../runtime.js';
import { cliKeySource } from '../session.js';
import { finishWith } from '../exit-codes.js';

/** Git hands over temp files; a vault is far below this. */
const VAULT_LIMIT = 512 * 1024 * 1024;

/** The configured vault at `path` (its keyfile, its agent key), else the file itself. */
function refFor(path: string): ResolvedVault {
  const abs = resolve(path);
  const config = loadConfig();
  const name = Object.keys(config.vaults ?? {}).find((n) => resolveVault(n, config).path === abs);
  return name ? resolveVault(name, config) : { path: abs };
}

const read = (path: string, what: string) => (path === '/dev/null' ? new Uint8Array(0) : readRegularFile(path, { maxBytes: VAULT_LIMIT, what }));

export async function gitSetup(opts: GlobalOptions, o: { command: string }): Promise<void> {
  const r = setupGit(process.cwd(), o.command);
  if (opts.json) return printJson(r);
  info(opts, `${r.repo}: *.kdbx now merge with '${r.configured['merge.kdbx.driver']}' and diff with '${r.configured['diff.kdbx.textconv']}' (.git/config)`);
  info(opts, r.attributesAdded.length ? `added to .gitattributes: ${r.attributesAdded.join(', ')} (commit it so every clone marks *.kdbx; each clone runs 'stv git setup' once)` : '.gitattributes already marks *.kdbx');
}

export async function gitDiffText(opts: GlobalOptions, file: string): Promise<void> {
  const bytes = read(file, 'vault');
  if (!bytes.length) return;
  // Git may be reading our stdout only; the password never comes from stdin.
  const keys = syncKeys(cliKeySource(opts, refFor(file), { stdinCarries: "git's diff" }), { allowSlowKdf: opts.allowSlowKdf });
  try {
    const vault = await keys.open(bytes);
    try {
      process.stdout.write(diffText(vault));
    } finally {
      vault.close();
    }
  } finally {
    keys.close();
  }
}

export async function mergeDriver(opts: GlobalOptions, f: { base: string; ours: string; theirs: string; path?: string }): Promise<void> {
  const name = f.path ?? f.ours;
  const keys = syncKeys(cliKeySource(opts, refFor(name), { stdinCarries: "git's merge" }), { allowSlowKdf: opts.allowSlowKdf });
  try {
    const ours = read(f.ours, 'our version');
    const result = await mergeThreeWay({
      base: read(f.base, 'common ancestor'), ours, theirs: read(f.theirs, 'their version'),
      open: (bytes) => keys.open(bytes),
    });
    if (result.bytes !== ours) writeFileAtomic(f.ours, result.bytes);
    for (const n of result.notes) warn(n);
    const count = (k: string) => result.changes.filter((c) => c.kind === k).length;
    info(opts, `merged ${name}: ${count('added')} added, ${count('updated')} updated, ${count('deleted')} deleted from theirs`);
    if (result.conflicts.length) {
      warn(`${result.conflicts.length} entr${result.conflicts.length === 1 ? 'y' : 'ies'} edited differently on both sides: both values kept, tagged stickvault-conflict; 'stv --vault ${name} conflicts' shows them, then 'git add ${name}'`);
      finishWith('problems-found'); // git reads 1 as "needs a look"
    }
  } finally {
    keys.close();
  }
}
