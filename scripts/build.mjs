// Bundles each entry point into dist/ with code splitting, so `stv --version`
// loads only the small CLI shell and each command pulls in what it needs.
import { build } from 'esbuild';
import { chmodSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: { stv: 'src/cli/entry.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  // Native or binary-carrying packages stay in node_modules.
  external: ['argon2', 'clipboardy'],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __stvCreateRequire } from 'node:module';\nconst require = __stvCreateRequire(import.meta.url);",
  },
  define: { STV_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
chmodSync('dist/stv.js', 0o755);

// The installed command is a CommonJS launcher: it answers --version before
// Node's ES module loader starts (~10 ms of a ~70 ms start, issue 10 row 5)
// and hands everything else to the ESM bundle.
writeFileSync('dist/stv.cjs', `#!/usr/bin/env node
'use strict';
const a = process.argv.slice(2);
if (a.length === 1 && (a[0] === '--version' || a[0] === '-V')) process.stdout.write(${JSON.stringify(version + '\n')});
else import('./stv.js');
`);
chmodSync('dist/stv.cjs', 0o755);

// The man page comes from the same command definitions as --help.
mkdirSync('man', { recursive: true });
writeFileSync('man/stv.1', execFileSync(process.execPath, ['dist/stv.js', '__man']));
