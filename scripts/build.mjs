// Bundles each entry point into dist/ with code splitting, so `stv --version`
// loads only the small CLI shell and each command pulls in what it needs.
import { build } from 'esbuild';
import { chmodSync, cpSync, readdirSync, readFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const result = await build({
  metafile: true,
  entryPoints: { stv: 'src/cli/entry.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // The native addon stays in node_modules. clipboardy is bundled: loaded from
  // node_modules it reads ~300 files (execa and friends), most of a clip's time.
  external: ['argon2', 'koffi'],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __stvCreateRequire } from 'node:module';\nconst require = __stvCreateRequire(import.meta.url);",
  },
  define: { STV_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
chmodSync('dist/stv.js', 0o755);
// Chunk names carry a content hash: drop those of earlier builds so the package ships only this one.
const current = new Set(Object.keys(result.metafile.outputs));
for (const f of readdirSync('dist/chunks')) if (!current.has(`dist/chunks/${f}`)) rmSync(`dist/chunks/${f}`);
// Bundled clipboardy looks for its fallback binaries at ../fallbacks from its chunk.
cpSync(new URL('../node_modules/clipboardy/fallbacks', import.meta.url), 'dist/fallbacks', { recursive: true });

// The installed command is a CommonJS launcher: it answers --version before
// Node's ES module loader starts (~10 ms of a ~70 ms start, issue 10 row 5)
// and hands everything else to the ESM bundle. For a command that may open a
// vault it first starts two blank worker threads, which the AES-KDF adopts for
// its two chains (src/vault/kdbx/aes-kdf.ts): their ~30 ms start then
// overlaps the module load instead of delaying the key. Same options as the
// KDF's own workers (CHAIN_WORKER_OPTIONS there; a test compares them). Not when an agent is
// running and may hold the key (its socket exists, as src/config/paths.ts
// places it): an unused thread costs an agent-served command ~8 ms.
// Not sync: most syncs copy without the key (and a merge then starts the thread itself).
// The blank workers load node:crypto while they wait, so the chain starts as soon as its code comes.
// Every command but --version also starts prlimit(1) here, without waiting, to set the core-dump
// limit to 0 (src/secret/index.ts, disableCoreDumps): done before any secret is read, and the
// blocking prlimit that would run there otherwise cost ~4 ms of every command, agent-served ones too.
// Kept in step with CHAIN_WORKER_OPTIONS in src/vault/kdbx/aes-kdf.ts (test/cli/cli.test.ts compares them).
const CHAIN_WORKER_OPTIONS = { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 2 } };
const KEY_COMMANDS = ['ls', 'show', 'find', 'clip', 'totp', 'edit', 'add', 'rm', 'mv', 'mkdir', 'rmdir', 'merge', 'export', 'unlock', 'shell', 'passwd', 'check', 'history', 'restore', 'conflicts', 'resolve', 'git-credential', 'ssh-add', 'exec', 'audit', 'pick'];
writeFileSync('dist/stv.cjs', `#!/usr/bin/env node
'use strict';
const a = process.argv.slice(2);
if (a.length === 1 && (a[0] === '--version' || a[0] === '-V')) process.stdout.write(${JSON.stringify(version + '\n')});
else {
  try {
    require('node:child_process').spawn('prlimit', ['--pid=' + process.pid, '--core=0:0'], { stdio: 'ignore' }).on('error', () => {}).unref();
  } catch {}
  const os = require('node:os');
  const fs = require('node:fs');
  const rt = process.env.XDG_RUNTIME_DIR;
  const uid = process.getuid ? process.getuid() : 0;
  const dir = rt && rt.startsWith('/') ? rt + '/stickvault' : os.tmpdir() + '/stickvault-' + uid;
  // The same check as src/config/runtime-dir.ts, by lstat: a directory or socket another user planted is no agent of ours.
  const ours = (p, isKind) => { try { const st = fs.lstatSync(p); return isKind(st) && st.uid === uid && (st.mode & 0o077) === 0; } catch { return false; } };
  const agentMayHold = !a.some((x) => x === '--no-agent' || x.startsWith('--password-f')) && ours(dir, (st) => st.isDirectory()) && ours(dir + '/agent.sock', (st) => st.isSocket());
  if (a.some((x) => ${JSON.stringify(KEY_COMMANDS)}.includes(x)) && !agentMayHold && os.availableParallelism() >= 2) {
    const { Worker } = require('node:worker_threads');
    const blank = () => {
      const w = new Worker("require('node:crypto'); require('node:worker_threads').parentPort.once('message', (code) => new Function('require', code)(require))", ${JSON.stringify(CHAIN_WORKER_OPTIONS)});
      w.unref();
      return w;
    };
    globalThis[Symbol.for('stickvault.spare-workers')] = [blank(), blank()];
  }
  import('./stv.js');
}
`);
chmodSync('dist/stv.cjs', 0o755);

// `git config credential.helper stv` makes git run `git-credential-stv [OPTIONS] get|store|erase`:
// that is `stv [OPTIONS] git-credential ACTION`, the action being git's last argument.
writeFileSync('dist/git-credential-stv.cjs', `#!/usr/bin/env node
'use strict';
process.argv.splice(Math.max(2, process.argv.length - 1), 0, 'git-credential');
// Helpers stv starts (the agent, the clipboard purge) run process.argv[1]: that must be stv itself.
process.argv[1] = require('node:path').join(__dirname, 'stv.cjs');
require('./stv.cjs');
`);
chmodSync('dist/git-credential-stv.cjs', 0o755);

// The man page comes from the same command definitions as --help.
mkdirSync('man', { recursive: true });
writeFileSync('man/stv.1', execFileSync(process.execPath, ['dist/stv.js', '__man']));
