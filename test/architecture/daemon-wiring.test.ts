// Static properties of the code's shape that a review would otherwise have to re-check by hand:
// src/daemon/ only wires (no SQL), the monitor knows probers only through their contract, and every
// channel status change is written by the store's status writer.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';

const SRC = path.resolve('src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** The code without comments, so a comment may explain what the code must not do. */
function codeOf(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** String and template literals of the code. */
function stringsOf(code: string): string[] {
  return [...code.matchAll(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]);
}

const SQL = /\b(SELECT\s+[\w*]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)|ALTER\s+TABLE|DROP\s+TABLE|PRAGMA\s|wal_checkpoint)/i;
const DB_CALLS = /\.(prepare|exec|pragma|transaction)\(/;

test('src/daemon/ holds no SQL: no statements, no pragmas, no transactions, no SQL in strings', () => {
  const files = filesUnder(path.join(SRC, 'daemon'));
  expect(files.length).toBeGreaterThan(3);
  const found: string[] = [];
  for (const f of files) {
    const code = codeOf(f);
    const rel = path.relative(SRC, f);
    const call = code.match(DB_CALLS);
    if (call) found.push(`${rel}: ${call[0]}`);
    for (const s of stringsOf(code)) if (SQL.test(s)) found.push(`${rel}: ${s.slice(0, 80)}`);
  }
  expect(found).toEqual([]);
});

test('the monitor names no kind of prober: no method, channel type or provider, no import of a particular prober', () => {
  const file = path.join(SRC, 'daemon', 'monitor.ts');
  const code = codeOf(file);
  const literals = stringsOf(code).filter((s) => /^['"`](call|lookup|http|manual|phone|website|sip)['"`]$/.test(s));
  expect(literals).toEqual([]);
  expect(code).not.toMatch(/twilio|telephony|ledger|callingBlocked|\bcall(s|ing)?\b/i);
  expect(code).not.toMatch(/\.type\s*===/);
  const imports = [...code.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1] as string);
  expect(imports.filter((i) => /probers\/(phone|website)|classifier\/(phone|website)/.test(i))).toEqual([]);
  // It still wires through the contract (a guard against this test passing on an empty file).
  expect(code).toMatch(/prober\.gate\?\.\(/);
  expect(code).toMatch(/\.recover\b/);
});

test('channel status is changed only by the store: status changes are linked in one file, channel_state updated only under src/store', () => {
  const offenders: string[] = [];
  for (const f of filesUnder(SRC)) {
    const rel = path.relative(SRC, f);
    const code = codeOf(f);
    if (/INSERT\s+INTO\s+status_changes/i.test(code) && rel !== path.join('store', 'channel-status.ts')) offenders.push(`${rel}: inserts status_changes`);
    if (/UPDATE\s+channel_state\b/i.test(code) && !rel.startsWith(`store${path.sep}`)) offenders.push(`${rel}: updates channel_state`);
    // Creating a channel's state row (its first status) is the registry's; changing it is not.
    if (/INTO\s+channel_state\b[^`]*DO\s+UPDATE/i.test(code) && !rel.startsWith(`store${path.sep}`)) offenders.push(`${rel}: upserts channel_state`);
  }
  expect(offenders).toEqual([]);
});
