// Words have one home: the board, the reports, the alerts and the call prompts take theirs from
// src/i18n, never from each other, and src/i18n depends on no module that speaks (only on types).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';

const SRC = path.join(import.meta.dirname, '../../src');
const files = (dir: string): string[] =>
  readdirSync(path.join(SRC, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
const imports = (file: string): { from: string; typeOnly: boolean }[] =>
  [...readFileSync(path.join(SRC, file), 'utf8').matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)].map((m) => ({ from: path.join(path.dirname(file), m[2] ?? ''), typeOnly: Boolean(m[1]) }));

test('reports/ takes no words from board/, board/ none from alerts/', () => {
  for (const f of files('reports')) expect(imports(f).map((i) => i.from).filter((p) => p.startsWith('board/')), f).toEqual([]);
  for (const f of files('board')) expect(imports(f).map((i) => i.from).filter((p) => p.startsWith('alerts/')), f).toEqual([]);
});

test('the old word lists are gone', () => {
  const all = files('.');
  expect(all).not.toContain('board/i18n.ts');
  expect(all).not.toContain('reports/words.ts');
  expect(readFileSync(path.join(SRC, 'alerts/messages.ts'), 'utf8')).not.toMatch(/[\u0400-\u04FF]/);
  expect(readFileSync(path.join(SRC, 'probers/phone/ivr.ts'), 'utf8')).not.toMatch(/[\u0400-\u04FF]/);
  expect(readFileSync(path.join(SRC, 'api/routes/twilio-webhooks.ts'), 'utf8')).not.toMatch(/[\u0400-\u04FF]/);
});

test('src/i18n imports only types from outside itself', () => {
  for (const f of files('i18n')) {
    for (const i of imports(f)) if (!i.from.startsWith('i18n/')) expect(i.typeOnly, `${f} imports ${i.from}`).toBe(true);
  }
});
