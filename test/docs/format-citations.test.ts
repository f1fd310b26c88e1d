/**
 * The format notes the code cites are in the repository: every `§n` in src/
 * belongs to a `docs/kdbx.md §…` citation, and each n is a section there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/tools.js';

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* sources(join(dir, e.name));
    else if (/\.(ts|mjs)$/.test(e.name)) yield join(dir, e.name);
  }
}

test('every § in src/ cites a section of docs/kdbx.md that exists', () => {
  const sections = new Set([...readFileSync(join(ROOT, 'docs', 'kdbx.md'), 'utf8').matchAll(/^## §(\d+) /gm)].map((m) => Number(m[1])));
  expect(sections.size).toBeGreaterThanOrEqual(15);
  const bad: string[] = [];
  let cited = 0;
  for (const file of sources(join(ROOT, 'src'))) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      // A citation: "docs/kdbx.md §5", "docs/kdbx.md §1–§2", "docs/kdbx.md §8, §12 #14"; a later § on the line continues one.
      const at = line.indexOf('§');
      if (at === -1) return;
      if (!line.slice(0, at).includes('docs/kdbx.md')) bad.push(`${file}:${i + 1}: § outside a docs/kdbx.md citation`);
      for (const m of line.matchAll(/§(\d+)/g)) {
        cited++;
        if (!sections.has(Number(m[1]))) bad.push(`${file}:${i + 1}: §${m[1]} is no section of docs/kdbx.md`);
      }
    });
  }
  expect(bad).toEqual([]);
  expect(cited).toBeGreaterThan(25);
});
