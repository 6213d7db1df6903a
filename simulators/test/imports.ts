// Finds the modules a folder's TypeScript files load from another top-level folder: static and
// type imports, re-exports, dynamic import() and `new URL(..., import.meta.url)` (how bench/ names
// the child scripts it spawns). Specifiers are resolved against the importing file, so
// './test/x.ts' inside demo/ is demo/test/x.ts, not the top-level test/.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ImportFound {
  /** Relative to the root, with forward slashes. */
  file: string;
  line: number;
  specifier: string;
}

const SPECIFIERS = [
  /\b(?:import|export)\s[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g,
  /\bimport\s*(['"])([^'"]+)\1/g,
  /\bimport\s*\(\s*(['"])([^'"]+)\1/g,
  /\bnew\s+URL\s*\(\s*(['"])([^'"]+)\1\s*,\s*import\.meta\.url/g,
];

function typescriptFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return [];
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return typescriptFiles(full);
    return /\.(?:ts|mts|cts|js|mjs)$/.test(e.name) ? [full] : [];
  });
}

/** Line comments and block comments blanked out, newlines kept so line numbers still count. */
function withoutComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/[^\n]*/g, (c, before: string) => before + ' '.repeat(c.length - before.length));
}

/** Every module that a file under `dirs` loads from `root`/`forbidden`, in file and line order. */
export function importsInto(root: string, dirs: readonly string[], forbidden: string): ImportFound[] {
  const forbiddenDir = path.join(root, forbidden) + path.sep;
  const found: ImportFound[] = [];
  for (const dir of dirs) {
    for (const file of typescriptFiles(path.join(root, dir)).sort()) {
      const source = withoutComments(readFileSync(file, 'utf8'));
      const hits: ImportFound[] = [];
      for (const pattern of SPECIFIERS) {
        for (const m of source.matchAll(pattern)) {
          const specifier = m[2] ?? '';
          if (!specifier.startsWith('.')) continue;
          const target = path.resolve(path.dirname(file), specifier);
          if (!(target + path.sep).startsWith(forbiddenDir)) continue;
          // The specifier's own position, not the statement's: a multi-line import names its line.
          const at = (m.index ?? 0) + m[0].lastIndexOf(specifier);
          hits.push({ file: path.relative(root, file).split(path.sep).join('/'), line: source.slice(0, at).split('\n').length, specifier });
        }
      }
      const unique = new Map(hits.map((h) => [`${h.line}\0${h.specifier}`, h]));
      found.push(...[...unique.values()].sort((a, b) => a.line - b.line));
    }
  }
  return found;
}
