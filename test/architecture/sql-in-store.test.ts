// The shape of src/: SQL lives only in src/store/ (behind typed repositories, so a second storage
// engine is one more folder there), and the import graph has no cycles among the modules that
// once formed them. Reads the source as text: no module is loaded.

import path from 'node:path';
import { expect, test } from 'vitest';
import { cyclesOf, importsOf, sourceFiles, SRC } from './import-graph.ts';

const files = sourceFiles();

/**
 * A statement prepared, a pragma set, or SQL run with exec. RegExp#exec is told apart by its
 * receiver (a regular expression literal or a *_RE / *Re constant) and by its argument: db.exec
 * takes SQL text, RegExp#exec the string to match.
 */
const SQL_CALLS: { what: string; re: RegExp }[] = [
  { what: '.prepare(', re: /\.prepare\s*(<[^>]*>)?\s*\(/ },
  { what: '.pragma(', re: /\.pragma\s*\(/ },
  { what: '.exec( on a database', re: /\b\w*(db|Db|DB|database|Database|copy|conn)\s*\.exec\s*\(|\.exec\s*\(\s*['"`]/ },
  // A repository runs its own transactions (or offers a callback): a transaction opened on the
  // connection elsewhere is SQLite's API outside the store.
  { what: '.transaction( on a database', re: /\b\w*(db|Db|DB)\s*\.transaction\s*\(/ },
];

export function sqlOutsideStore(list: { rel: string; text: string }[]): string[] {
  const found: string[] = [];
  for (const f of list) {
    if (f.rel.startsWith('src/store/')) continue;
    f.text.split('\n').forEach((line, i) => {
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
      for (const c of SQL_CALLS) if (c.re.test(line)) found.push(`${f.rel}:${i + 1}: ${c.what}  ${line.trim().slice(0, 100)}`);
    });
  }
  return found;
}

test('SQL (.prepare, .pragma, db.exec, db.transaction) appears only under src/store/', () => {
  const offending = sqlOutsideStore(files);
  expect(offending, `SQL outside src/store/ — put it behind a repository in src/store/:\n${offending.join('\n')}`).toEqual([]);
});

test('the SQL detector finds what it should and ignores regular expressions', () => {
  const probe = (text: string) => sqlOutsideStore([{ rel: 'src/x/y.ts', text }]);
  expect(probe(`const s = db.prepare<[string], Row>('SELECT 1');`)).toHaveLength(1);
  expect(probe(`this.db\n  .prepare('SELECT 1')`)).toHaveLength(1);
  expect(probe(`copy.pragma('journal_mode = DELETE');`)).toHaveLength(1);
  expect(probe(`db.exec('BEGIN');`)).toHaveLength(1);
  expect(probe('this.db.exec(`COMMIT`);')).toHaveLength(1);
  expect(probe(`this.db.transaction(() => {`)).toHaveLength(1);
  expect(probe(`store.transaction(() => {`)).toEqual([]);
  expect(probe(`const m = /^a(b)$/.exec(s);`)).toEqual([]);
  expect(probe(`const m = SECRET_RE.exec(secret);`)).toEqual([]);
  expect(probe(`const cookie = /lang=(ru)/.exec(req.headers.cookie ?? '')?.[1];`)).toEqual([]);
  expect(probe(`const s = db.prepare('SELECT 1');`.replace('src/x', 'src/store'))).toHaveLength(1);
  expect(sqlOutsideStore([{ rel: 'src/store/z.ts', text: `db.prepare('SELECT 1')` }])).toEqual([]);
});

// ---- import cycles (the graph walker is in import-graph.ts) ----------------------------------

const graph = new Map(files.map((f) => [f.rel, importsOf(f)]));

test('the import graph has no cycle through src/api/app.ts and src/api/auth.ts, nor through src/store/db.ts and src/store/chain.ts', () => {
  const cycles = cyclesOf(graph);
  const bad = cycles.filter((c) => (c.includes('src/api/app.ts') && c.includes('src/api/auth.ts')) || (c.includes('src/store/db.ts') && c.includes('src/store/chain.ts')));
  expect(bad, `import cycles:\n${bad.map((c) => c.join(' <-> ')).join('\n')}`).toEqual([]);
});

test('no import cycle runs through src/store/: the storage layer sits below everything that uses it', () => {
  const cycles = cyclesOf(graph).filter((c) => c.some((f) => f.startsWith('src/store/')));
  expect(cycles, `cycles through src/store/:\n${cycles.map((c) => c.join(' <-> ')).join('\n')}`).toEqual([]);
});

test('src/ has no import cycle at all (there was none left once the two above were broken)', () => {
  const cycles = cyclesOf(graph);
  expect(cycles, `import cycles:\n${cycles.map((c) => c.join(' <-> ')).join('\n')}`).toEqual([]);
});

test('the cycle finder finds a two-file cycle and a type-only one', () => {
  expect(cyclesOf(new Map([['a', ['b']], ['b', ['a']], ['c', ['a']]]))).toEqual([['a', 'b']]);
  const typeOnly = { abs: path.join(SRC, 'api/auth.ts'), text: `import type { App } from './app.ts';\nconst x: import('./types.ts').T = 1;` };
  expect(importsOf(typeOnly).sort()).toEqual(['src/api/app.ts', 'src/api/types.ts']);
});
