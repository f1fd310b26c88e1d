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

// The installed commands (src/cli/launcher.ts, src/cli/git-credential-launcher.ts) and the AES-KDF
// chain worker the launcher and the KDF start (src/vault/kdbx/aes-kdf-worker.ts): each one small
// self-contained CommonJS file, loaded without Node's ES module loader (the launcher answers
// --version before it starts; the worker starts in ~30 ms while the modules load). The launchers'
// import('./stv.js') and require('./stv.cjs') stay runtime imports of the files beside them.
await build({
  entryPoints: { stv: 'src/cli/launcher.ts', 'git-credential-stv': 'src/cli/git-credential-launcher.ts', 'aes-kdf-worker': 'src/vault/kdbx/aes-kdf-worker.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  external: ['./stv.js', './stv.cjs'],
  define: { STV_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
chmodSync('dist/stv.cjs', 0o755);

chmodSync('dist/git-credential-stv.cjs', 0o755);

// The man page comes from the same command definitions as --help.
mkdirSync('man', { recursive: true });
writeFileSync('man/stv.1', execFileSync(process.execPath, ['dist/stv.js', '__man']));
