// The OpenAPI document at /docs covers every route: each has a summary, says which token it needs
// when it needs one, and shows an example of what it takes or returns.

import { afterAll, beforeAll, expect, test } from 'vitest';
import type { App } from '../../src/api/app.ts';
import { buildTestApp, type TestApp } from '../helpers/api-app.ts';

type Schema = { $ref?: string; examples?: unknown[]; example?: unknown; properties?: Record<string, Schema>; items?: Schema; allOf?: Schema[]; anyOf?: Schema[]; oneOf?: Schema[] };
type Media = { schema: Schema; example?: unknown; examples?: unknown };
type Op = { summary?: string; description?: string; security?: unknown[]; requestBody?: { content: Record<string, Media> }; responses: Record<string, { content?: Record<string, Media> }> };
let app: App;
let built: TestApp;
let doc: { paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, Schema> } };

beforeAll(async () => {
  built = await buildTestApp({ operatorToken: 'x' });
  app = built.app;
  doc = (await app.inject('/docs/json')).json();
});
afterAll(async () => {
  await built.close();
});

function hasExample(s: Schema | undefined, seen = new Set<string>()): boolean {
  if (!s) return false;
  if (s.examples?.length || s.example !== undefined) return true;
  if (s.$ref) {
    if (seen.has(s.$ref)) return false;
    seen.add(s.$ref);
    const name = s.$ref.split('/').pop() as string;
    return hasExample(doc.components.schemas[name], seen);
  }
  return [...Object.values(s.properties ?? {}), ...(s.items ? [s.items] : []), ...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? [])].some((x) => hasExample(x, seen));
}

test('every route is documented with a summary, its role, and an example', () => {
  const missing: string[] = [];
  let count = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      count++;
      const name = `${method.toUpperCase()} ${path}`;
      if (!op.summary) missing.push(`${name}: no summary`);
      if (op.security?.length && !/operator|auditor|admin|agent token/i.test(`${op.summary} ${op.description ?? ''}`)) missing.push(`${name}: needs a token but does not say which role`);
      const json = [op.requestBody?.content['application/json'], ...Object.entries(op.responses).filter(([code]) => code.startsWith('2')).map(([, r]) => r.content?.['application/json'])].filter(
        (x): x is Media => x !== undefined,
      );
      // HTML pages, CSV, NDJSON and the Prometheus text have no JSON body to show; a 202/204 with
      // nothing to return needs none either.
      const shown = (m: Media) => m.example !== undefined || m.examples !== undefined || hasExample(m.schema);
      if (json.length > 0 && !json.some(shown)) missing.push(`${name}: no example`);
    }
  }
  expect(missing).toEqual([]);
  expect(count).toBeGreaterThan(30);
});
