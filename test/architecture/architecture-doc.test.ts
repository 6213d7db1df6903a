// docs/architecture.md stays true to the code: every folder of src/ is on it and nothing it names is
// gone, every path it mentions exists, the functions its two walks name are where it says, and the
// import rules it states as a table hold in the real import graph. Reads the source as text.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { importEdgesOf, ROOT, sourceFiles, SRC, type ImportEdge } from './import-graph.ts';

const DOC_PATH = path.join(ROOT, 'docs/architecture.md');
const doc = readFileSync(DOC_PATH, 'utf8');
const files = sourceFiles();

/** The folders of src/ and its top-level .ts files: the units the import rules speak of. */
const UNITS = readdirSync(SRC, { withFileTypes: true })
  .filter((e) => e.isDirectory() || /\.ts$/.test(e.name))
  .map((e) => e.name)
  .sort();

/** `src/store/db.ts` → `store`; `src/main.ts` → `main.ts`; anything outside src/ keeps its path. */
export function unitOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'src' && parts.length >= 2 ? (parts[1] as string) : file;
}

/** A markdown section's body: from its `## title` line to the next `## `. */
export function section(md: string, title: string): string {
  const start = md.indexOf(`\n## ${title}`);
  if (start < 0) return '';
  const next = md.indexOf('\n## ', start + 4);
  return md.slice(start, next < 0 ? undefined : next);
}

// ---- the rules table ----------------------------------------------------------------------------

export interface ImportRule {
  unit: string;
  /** '*' is everything in src/ but the unit itself. */
  forbidden: string[] | '*';
  /** Units, files (`src/…`) or single imports (`src/a.ts → src/b.ts`) allowed all the same. */
  except: string[];
  /** Units whose types (never values) may be imported. */
  typesFrom: string[];
  line: number;
}

const ticks = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => (m[1] as string).trim());

/** The rows of the table under "## Import rules": | `unit` | forbidden | except | types from |. */
export function parseRules(md: string): ImportRule[] {
  const body = section(md, 'Import rules');
  const offset = md.slice(0, md.indexOf(body)).split('\n').length;
  const rules: ImportRule[] = [];
  body.split('\n').forEach((line, i) => {
    if (!/^\|\s*`/.test(line)) return;
    const cells = line.split('|').slice(1, -1);
    if (cells.length !== 4) throw new Error(`docs/architecture.md:${offset + i}: an import rule needs 4 cells, found ${cells.length}: ${line}`);
    const [unit, forbidden, except, typesFrom] = cells.map(ticks) as [string[], string[], string[], string[]];
    rules.push({
      unit: unit[0] as string,
      forbidden: forbidden.length === 1 && forbidden[0] === '*' ? '*' : forbidden,
      except,
      typesFrom,
      line: offset + i,
    });
  });
  return rules;
}

export interface Edge extends ImportEdge {
  from: string;
}

/** Every import that breaks a rule, as `file imports file: why`. */
export function violations(rules: ImportRule[], edges: Edge[]): string[] {
  const byUnit = new Map(rules.map((r) => [r.unit, r]));
  const out: string[] = [];
  for (const e of edges) {
    const from = unitOf(e.from);
    const to = unitOf(e.to);
    if (from === to) continue;
    const rule = byUnit.get(from);
    if (!rule) {
      out.push(`${e.from} imports ${e.to}: src/${from} has no row in the import rules`);
      continue;
    }
    const forbidden = rule.forbidden === '*' ? to !== from : rule.forbidden.includes(to);
    if (!forbidden) continue;
    if (rule.except.includes(to) || rule.except.includes(e.to) || rule.except.includes(`${e.from} → ${e.to}`)) continue;
    if (e.typeOnly && rule.typesFrom.includes(to)) continue;
    const what = rule.forbidden === '*' ? 'imports nothing but what its row excepts' : `imports nothing from ${to}`;
    out.push(`${e.from} imports ${e.to}${e.typeOnly ? ' (types)' : ''}: ${from} ${what} (docs/architecture.md:${rule.line})`);
  }
  return out;
}

/** Names in the table that are no folder, top-level file or path of the repository, and duplicate or missing rows. */
export function tableProblems(rules: ImportRule[], units: readonly string[], exists: (p: string) => boolean, edges: Edge[]): string[] {
  const out: string[] = [];
  const isUnit = (n: string) => units.includes(n);
  const seen = new Set<string>();
  for (const r of rules) {
    if (!isUnit(r.unit)) out.push(`line ${r.line}: \`${r.unit}\` is no folder or top-level file of src/`);
    if (seen.has(r.unit)) out.push(`line ${r.line}: \`${r.unit}\` has two rows`);
    seen.add(r.unit);
    for (const n of r.forbidden === '*' ? [] : r.forbidden) if (!isUnit(n)) out.push(`line ${r.line}: \`${n}\` is no folder or top-level file of src/`);
    for (const n of r.typesFrom) if (!isUnit(n)) out.push(`line ${r.line}: \`${n}\` is no folder or top-level file of src/`);
    for (const n of r.except) {
      const edge = /^(\S+) → (\S+)$/.exec(n);
      if (edge) {
        const [, a, b] = edge as unknown as [string, string, string];
        if (!exists(a) || !exists(b)) out.push(`line ${r.line}: \`${n}\` names a file that does not exist`);
        // An exception the code no longer needs must go, or the table says less than the code (a
        // type import the row's "types from" allows needs none).
        else if (!edges.some((e) => e.from === a && e.to === b && !(e.typeOnly && r.typesFrom.includes(unitOf(b))))) out.push(`line ${r.line}: \`${n}\` is no longer an import: remove the exception`);
      } else if (n.startsWith('src/')) {
        if (!exists(n)) out.push(`line ${r.line}: \`${n}\` does not exist`);
      } else if (!isUnit(n)) out.push(`line ${r.line}: \`${n}\` is no folder or top-level file of src/`);
    }
  }
  for (const u of units) if (!seen.has(u)) out.push(`src/${u} has no row in the import rules`);
  return out;
}

// ---- names and paths ----------------------------------------------------------------------------

/** Repository paths the page mentions: `src/…`, `test/…`, `docs/…`, `simulators/…`, `demo/…`, `bench/…`. */
export function pathsIn(md: string): string[] {
  const found = new Set<string>();
  for (const m of md.matchAll(/(?<![\w./-])((?:src|test|docs|simulators|demo|bench)\/[\w./-]*)/g)) {
    const p = (m[1] as string).replace(/[.]+$/, '').replace(/\/$/, '');
    if (p.includes('/')) found.add(p);
  }
  return [...found].sort();
}

/** `name` (`src/file.ts`) pairs: a function, class or method the page says lives in that file. */
export function namesWithFiles(md: string): { name: string; file: string }[] {
  return [...md.matchAll(/`([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)`,? \(`(src\/[\w./-]+\.ts)`/g)].map((m) => ({ name: m[1] as string, file: m[2] as string }));
}

const exists = (p: string): boolean => existsSync(path.join(ROOT, p));
const edges: Edge[] = files.flatMap((f) => importEdgesOf(f).map((e) => ({ ...e, from: f.rel })));
const rules = parseRules(doc);

describe('docs/architecture.md matches the code', () => {
  test('every folder of src/ and every top-level .ts file of src/ is named on the page', () => {
    const missing = UNITS.filter((u) => !new RegExp(`\`src/${u.replace('.', '\\.')}\``).test(doc));
    expect(missing, `not on docs/architecture.md (name them as \`src/<name>\` in the folder table): ${missing.join(', ')}`).toEqual([]);
    expect(UNITS.length).toBeGreaterThan(20);
  });

  test('every folder outside src/ the code is run from (simulators/, demo/, bench/) is named, and exists', () => {
    for (const top of ['simulators', 'demo', 'bench']) {
      expect(doc, `${top}/ is not on docs/architecture.md`).toContain(`\`${top}/\``);
      expect(exists(top), `${top}/ is named but does not exist`).toBe(true);
    }
  });

  test('no folder of src/ that the page names is missing', () => {
    const named = new Set([...doc.matchAll(/`src\/(\w[\w.-]*)`/g)].map((m) => m[1] as string));
    const gone = [...named].filter((n) => !UNITS.includes(n));
    expect(gone, `named on docs/architecture.md but not in src/: ${gone.join(', ')}`).toEqual([]);
  });

  test('every path the page mentions exists', () => {
    const paths = pathsIn(doc);
    expect(paths.length).toBeGreaterThan(50);
    const gone = paths.filter((p) => !exists(p));
    expect(gone, `paths on docs/architecture.md that do not exist: ${gone.join(', ')}`).toEqual([]);
  });

  test('every function, class or method a walk names beside a file is in that file', () => {
    const pairs = namesWithFiles(doc);
    expect(pairs.length).toBeGreaterThan(20);
    const wrong = pairs.filter(({ name, file }) => {
      if (!exists(file)) return true;
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      return !name.split('.').every((part) => new RegExp(`\\b${part.replace('$', '\\$')}\\b`).test(text));
    });
    expect(wrong.map((w) => `${w.name} (${w.file})`), 'named on docs/architecture.md beside a file that does not hold them').toEqual([]);
  });

  test('every code name the walks mention (`CallLedger.apply`, `probeOnce`) is a name in src/', () => {
    const walks = section(doc, 'Walk 1') + section(doc, 'Walk 2');
    const names = [...walks.matchAll(/`([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)`/g)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThan(60);
    const words = new Set(files.flatMap((f) => f.text.match(/[A-Za-z_$][\w$]*/g) ?? []));
    const unknown = [...new Set(names)].filter((n) => !n.split('.').every((part) => words.has(part)));
    expect(unknown, 'named in the walks of docs/architecture.md but found nowhere in src/').toEqual([]);
  });

  test('the import rules table names real folders and files, has one row per folder and no stale exception', () => {
    expect(rules.length).toBe(UNITS.length);
    expect(tableProblems(rules, UNITS, exists, edges)).toEqual([]);
  });

  test('the import rules it states hold in the real import graph of src/', () => {
    expect(edges.length).toBeGreaterThan(300);
    const bad = violations(rules, edges);
    expect(bad, `imports that break docs/architecture.md's rules (fix the import, or the rule if the design changed):\n${bad.join('\n')}`).toEqual([]);
  });

  test('src/ imports nothing from simulators/, demo/, bench/ or test/', () => {
    const out = edges.filter((e) => !e.to.startsWith('src/')).map((e) => `${e.from} imports ${e.to}`);
    expect(out).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const md = [
    '# x',
    '## Import rules',
    '| folder | imports nothing from | except | types from |',
    '| --- | --- | --- | --- |',
    '| `domain.ts` | `*` | | |',
    '| `store` | `api`, `daemon` | `src/api/schemas.ts` | `daemon` |',
    '| `api` | `cli` | `src/api/a.ts → src/cli/x.ts` | |',
    '## Next',
  ].join('\n');
  const r = parseRules(md);
  const edge = (from: string, to: string, typeOnly = false): Edge => ({ from, to, typeOnly });

  test('the table is read row by row, with the line of each', () => {
    expect(r.map((x) => [x.unit, x.forbidden, x.except, x.typesFrom])).toEqual([
      ['domain.ts', '*', [], []],
      ['store', ['api', 'daemon'], ['src/api/schemas.ts'], ['daemon']],
      ['api', ['cli'], ['src/api/a.ts → src/cli/x.ts'], []],
    ]);
    expect(r[0]?.line).toBe(5);
  });

  test('a forbidden import is found; an excepted file, edge or type import is not', () => {
    expect(violations(r, [edge('src/store/db.ts', 'src/api/app.ts')])).toHaveLength(1);
    expect(violations(r, [edge('src/store/db.ts', 'src/api/schemas.ts')])).toEqual([]);
    expect(violations(r, [edge('src/store/db.ts', 'src/daemon/monitor.ts', true)])).toEqual([]);
    expect(violations(r, [edge('src/store/db.ts', 'src/daemon/monitor.ts', false)])).toHaveLength(1);
    expect(violations(r, [edge('src/api/a.ts', 'src/cli/x.ts')])).toEqual([]);
    expect(violations(r, [edge('src/api/b.ts', 'src/cli/x.ts')])).toHaveLength(1);
    expect(violations(r, [edge('src/domain.ts', 'src/util/x.ts', true)])).toHaveLength(1);
    expect(violations(r, [edge('src/store/db.ts', 'src/util/x.ts')])).toEqual([]);
    expect(violations(r, [edge('src/reports/x.ts', 'src/store/db.ts')])[0]).toMatch(/no row/);
  });

  test('unknown names, missing rows and stale exceptions are reported', () => {
    const units = ['api', 'cli', 'daemon', 'domain.ts', 'store', 'util'];
    const problems = tableProblems(r, units, (p) => p !== 'src/api/schemas.ts', []);
    expect(problems).toContain('line 6: `src/api/schemas.ts` does not exist');
    expect(problems).toContain('line 7: `src/api/a.ts → src/cli/x.ts` is no longer an import: remove the exception');
    expect(problems).toContain('src/cli has no row in the import rules');
    expect(problems).toContain('src/daemon has no row in the import rules');
    const typeRule = parseRules(md.replace("| `cli` | `src/api/a.ts → src/cli/x.ts` | |", "| `cli` | `src/api/a.ts → src/cli/x.ts` | `cli` |"));
    const onlyTypes = tableProblems(typeRule, units, () => true, [edge('src/api/a.ts', 'src/cli/x.ts', true)]);
    expect(onlyTypes).toContain('line 7: `src/api/a.ts → src/cli/x.ts` is no longer an import: remove the exception');
    expect(tableProblems(typeRule, units, () => true, [edge('src/api/a.ts', 'src/cli/x.ts', false)]).filter((p) => p.includes('→'))).toEqual([]);
  });

  test('type-only imports are told from value imports', () => {
    const f = {
      abs: path.join(SRC, 'api/x.ts'),
      text: [
        "import type { A } from './a.ts';",
        "import { type B, type C } from './b.ts';",
        "import { D, type E } from './d.ts';",
        "export type { F } from './f.ts';",
        "export { G } from './g.ts';",
        "const h: import('./h.ts').H = null;",
        "const i = (await import('./i.ts')).i;",
        "const { j } = await import('./j.ts');",
        "import './k.ts';",
      ].join('\n'),
    };
    const got = Object.fromEntries(importEdgesOf(f).map((e) => [e.to, e.typeOnly]));
    expect(got).toEqual({
      'src/api/a.ts': true,
      'src/api/b.ts': true,
      'src/api/d.ts': false,
      'src/api/f.ts': true,
      'src/api/g.ts': false,
      'src/api/h.ts': true,
      'src/api/i.ts': false,
      'src/api/j.ts': false,
      'src/api/k.ts': false,
    });
  });

  test('paths and named functions are read from the text', () => {
    expect(pathsIn('see `src/store/db.ts`, src/util and docs/store.md. Also test/architecture/.')).toEqual(['docs/store.md', 'src/store/db.ts', 'src/util', 'test/architecture']);
    expect(namesWithFiles('`Outbox.enqueue` (`src/alerts/outbox.ts`, whose SQL is …) and `probeOnce` (`src/probers/probe-once.ts`)')).toEqual([
      { name: 'Outbox.enqueue', file: 'src/alerts/outbox.ts' },
      { name: 'probeOnce', file: 'src/probers/probe-once.ts' },
    ]);
  });
});
