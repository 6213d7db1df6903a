// Every integer or number parameter of every operation in the served OpenAPI document, given a value
// that is not a plain decimal number in its range, gets a 4xx that names the parameter; never a 500,
// never a silent reading (0x10 as 16, 1e309 as Infinity). The routes are walked from /docs/json, so a
// route added later is covered without touching this file. Real SQLite file, real socket, an admin
// token created as `reachwatch token create` does.

import { Agents } from '../../src/agents/registry.ts';
import { generateAgentKeys } from '../../src/agents/protocol.ts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { App } from '../../src/api/app.ts';
import { buildTestApp, type TestApp } from '../helpers/api-app.ts';

type Schema = {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
  default?: unknown;
  examples?: unknown[];
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
};
type Param = { in: 'query' | 'path' | 'header'; name: string; required?: boolean; schema: Schema };
type Op = { parameters?: Param[]; requestBody?: { content: Record<string, { schema: Schema; example?: unknown; examples?: unknown }> } };

let app: App;
let base: string;
let admin: string;
let agentToken: string;
let built: TestApp;
let doc: { paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, Schema> } };

beforeAll(async () => {
  built = await buildTestApp();
  app = built.app;
  admin = app.tokens.create({ name: 'walker', role: 'admin', createdBy: 'test' }).secret;
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  // The agent endpoints take an enrolled agent's token, never an API token.
  agentToken = new Agents(built.db, { points: ['kz'] }).create({ name: 'walker-agent', vantage: 'kz', createdBy: 'test' }).token;
  const enrolled = await fetch(`${base}/agent/v1/enroll`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agentToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ publicKey: generateAgentKeys().publicKey, capabilities: ['website'], version: 'test', agentTime: Date.now() }),
  });
  expect(enrolled.status).toBe(200);
  doc = (await (await fetch(`${base}/docs/json`)).json()) as typeof doc;
});
afterAll(async () => {
  await built.close();
});

const NINES = '9'.repeat(400);
const BAD = ['Infinity', '-Infinity', '1e309', NINES, '0x10', '-1', '1.5', ''];

const resolve = (s: Schema): Schema => (s.$ref ? (doc.components.schemas[s.$ref.split('/').pop() as string] ?? s) : s);
const typesOf = (s: Schema): string[] => {
  const r = resolve(s);
  return [...(Array.isArray(r.type) ? r.type : r.type ? [r.type] : []), ...[...(r.anyOf ?? []), ...(r.oneOf ?? [])].flatMap(typesOf)];
};
const numericType = (s: Schema): 'integer' | 'number' | null => {
  const t = typesOf(s);
  // A parameter that also takes any string has no numeric syntax to enforce.
  if (t.includes('string')) return null;
  return t.includes('integer') ? 'integer' : t.includes('number') ? 'number' : null;
};

/** Whether `raw` is a value the parameter should accept: plain decimal syntax, finite, safe, within bounds. */
function acceptable(raw: string, s: Schema, kind: 'integer' | 'number'): boolean {
  const syntax = kind === 'integer' ? /^-?\d+$/ : /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
  if (!syntax.test(raw)) return false;
  const n = Number(raw);
  if (kind === 'integer' ? !Number.isSafeInteger(n) : !Number.isFinite(n)) return false;
  if (s.minimum !== undefined && n < s.minimum) return false;
  if (s.maximum !== undefined && n > s.maximum) return false;
  if (s.exclusiveMinimum !== undefined && n <= s.exclusiveMinimum) return false;
  if (s.exclusiveMaximum !== undefined && n >= s.exclusiveMaximum) return false;
  return true;
}

/** A valid value for a parameter that is not under test, so that only the tested one can be wrong. */
function filler(s: Schema): string {
  const r = resolve(s);
  if (r.examples?.length) return String(r.examples[0]);
  if (r.default !== undefined) return String(r.default);
  if (r.enum?.length) return String(r.enum[0]);
  if (r.const !== undefined) return String(r.const);
  const alt = [...(r.anyOf ?? []), ...(r.oneOf ?? [])][0];
  if (alt) return filler(alt);
  if (r.format === 'date-time') return '2026-11-01T00:00:00Z';
  const t = typesOf(r);
  if (t.includes('integer') || t.includes('number')) return String(r.minimum ?? 1);
  if (t.includes('boolean')) return 'true';
  return 'x';
}

function url(path: string, params: Param[], tested: Param, value: string): string {
  let p = path;
  const q = new URLSearchParams();
  for (const x of params) {
    const v = x === tested ? value : filler(x.schema);
    if (x.in === 'path') p = p.replace(`{${x.name}}`, encodeURIComponent(v));
    else if (x.in === 'query' && (x === tested || x.required)) q.set(x.name, v);
  }
  const qs = q.toString();
  return qs ? `${p}?${qs}` : p;
}

test('every integer or number parameter refuses non-decimal, non-finite and out-of-range values with a 4xx naming it', async () => {
  const failures: string[] = [];
  let tried = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = op.parameters ?? [];
      for (const param of params) {
        const kind = numericType(param.schema);
        if (!kind || param.in === 'header') continue;
        const s = resolve(param.schema);
        for (const value of BAD) {
          if (acceptable(value, s, kind)) continue;
          const target = url(path, params, param, value);
          const init: RequestInit = { method: method.toUpperCase(), headers: { authorization: `Bearer ${admin}` } };
          if (op.requestBody) Object.assign(init, { body: '{}', headers: { ...init.headers, 'content-type': 'application/json' } });
          const res = await fetch(base + target, init);
          const text = await res.text();
          tried++;
          const name = `${method.toUpperCase()} ${target.slice(0, 120)} (${param.in} ${param.name}=${value.slice(0, 12)})`;
          // The router refuses a path segment longer than its limit (414) before any route, and so any
          // parameter name, is known.
          if (param.in === 'path' && value.length > 100) {
            if (res.status !== 414) failures.push(`${name}: ${res.status}, expected 414`);
            continue;
          }
          if (res.status < 400 || res.status >= 500) {
            failures.push(`${name}: ${res.status} ${text.slice(0, 100)}`);
            continue;
          }
          const message = (JSON.parse(text) as { message?: string }).message ?? '';
          const where = param.in === 'query' ? 'querystring' : 'params';
          if (!message.includes(where) || !message.includes(`"${param.name}"`)) failures.push(`${name}: ${res.status} does not name ${where} "${param.name}": ${message}`);
        }
      }
    }
  }
  expect(failures).toEqual([]);
  // Seven routes with a limit, before/after, page, days and numeric path ids: the walk must have found them.
  expect(tried).toBeGreaterThan(80);
});

test('a JSON body with a number beyond double range is refused with a 4xx naming the field, for every numeric body field', async () => {
  const failures: string[] = [];
  let tried = 0;
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const media = op.requestBody?.content['application/json'];
      if (!media) continue;
      const schema = resolve(media.schema);
      const example = (media.example ?? schema.examples?.[0] ?? {}) as Record<string, unknown>;
      for (const [field, fs] of Object.entries(schema.properties ?? {})) {
        if (!typesOf(fs).some((t) => t === 'integer' || t === 'number')) continue;
        for (const raw of ['1e309', '-1e309', NINES]) {
          const p = path.replace(/\{[^}]+\}/g, 'x');
          // Telegram is the channel that takes chat_id; the other fields come from the documented example.
          const base_ = field === 'chat_id' ? { ...example, channel: 'telegram', url: undefined } : example;
          const json = JSON.stringify({ ...base_, [field]: 0 }).replace(`"${field}":0`, `"${field}":${raw}`);
          const token = p.startsWith('/agent/') ? agentToken : admin;
          const res = await fetch(base + p, { method: method.toUpperCase(), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: json });
          const text = await res.text();
          tried++;
          const name = `${method.toUpperCase()} ${p} body ${field}=${raw.slice(0, 12)}`;
          if (res.status < 400 || res.status >= 500) failures.push(`${name}: ${res.status} ${text.slice(0, 100)}`);
          else if (!text.includes(field)) failures.push(`${name}: ${res.status} does not name "${field}": ${text.slice(0, 200)}`);
        }
      }
    }
  }
  expect(failures).toEqual([]);
  expect(tried).toBeGreaterThan(0);
});
