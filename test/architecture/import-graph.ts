// The import graph of src/, read as text (no module is loaded): shared by the architecture tests
// that check its shape (no SQL outside the store, no cycles, the rules docs/architecture.md states).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SRC = path.join(ROOT, 'src');

export function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return /\.(ts|mts|cts)$/.test(e.name) ? [p] : [];
  });
}

/** A path relative to the repository, with forward slashes (`src/store/db.ts`). */
export const rel = (p: string): string => path.relative(ROOT, p).split(path.sep).join('/');

export interface SourceFile {
  abs: string;
  rel: string;
  text: string;
}

export function sourceFiles(dir: string = SRC): SourceFile[] {
  return walk(dir).map((abs) => ({ abs, rel: rel(abs), text: readFileSync(abs, 'utf8') }));
}

/** Every relative import, value or type, static or dynamic (`import('./x.ts')` in types included). */
export function importsOf(file: { abs: string; text: string }): string[] {
  return [...new Set(importEdgesOf(file).map((e) => e.to))];
}

export interface ImportEdge {
  /** The imported file, relative to the repository. */
  to: string;
  /**
   * Only types cross this import: `import type …`, `export type … from`, an import whose every
   * name is marked `type`, or `import('…')` in a type position (not awaited or called).
   */
  typeOnly: boolean;
}

const STATIC = /\b(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const BARE = /\bimport\s+['"](\.{1,2}\/[^'"]+)['"]/g;
const DYNAMIC = /(\bawait\s+|\(\s*)?\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Each relative import with whether only types cross it; a file imported both ways counts as a value import. */
export function importEdgesOf(file: { abs: string; text: string }): ImportEdge[] {
  const found = new Map<string, boolean>();
  const add = (spec: string, typeOnly: boolean): void => {
    const to = rel(path.resolve(path.dirname(file.abs), spec));
    found.set(to, (found.get(to) ?? true) && typeOnly);
  };
  for (const m of file.text.matchAll(STATIC)) {
    const clause = (m[3] as string).trim();
    // `import { type A, type B } from` brings no value either.
    const names = /^\{([\s\S]*)\}$/.exec(clause)?.[1];
    const allTypes = names !== undefined && names.split(',').map((n) => n.trim()).filter(Boolean).every((n) => n.startsWith('type '));
    add(m[4] as string, m[2] !== undefined || allTypes);
  }
  for (const m of file.text.matchAll(BARE)) add(m[1] as string, false);
  for (const m of file.text.matchAll(DYNAMIC)) {
    // `await import('./x.ts')` or `(await import(...))`/`.then` loads a module; `import('./x.ts').T` names a type.
    const after = file.text.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 1);
    add(m[2] as string, m[1] === undefined && after === '.' && !/^\.then\b/.test(file.text.slice((m.index ?? 0) + m[0].length)));
  }
  return [...found].map(([to, typeOnly]) => ({ to, typeOnly }));
}

/** Cycles of the import graph, each as the list of files around it (Tarjan's strongly connected components). */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      for (;;) {
        const w = stack.pop() as string;
        on.delete(w);
        scc.push(w);
        if (w === v) break;
      }
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}
