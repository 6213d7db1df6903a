// The token store on a real SQLite file: secrets shown once and stored hashed, revocation, the
// legacy environment token, and last_used_at written at most once a minute.

import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { LEGACY_TOKEN_ID, LEGACY_TOKEN_NAME, TokenInputError, Tokens } from '../../src/auth/tokens.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

let db: DB;
let cleanup: () => void;
let now = Date.parse('2026-05-01T10:00:00Z');

beforeAll(() => {
  const t = tempDir();
  cleanup = t.remove;
  db = openDatabase(path.join(t.dir, 'data'));
});
afterAll(() => {
  db.close();
  cleanup();
});

const lastUsed = (id: string) => (db.prepare('SELECT last_used_at FROM api_tokens WHERE id = ?').get(id) as { last_used_at: number | null }).last_used_at;

test('a created token verifies as its holder; only a SHA-256 of the secret is stored', () => {
  const tokens = new Tokens(db, { now: () => now });
  const { token, secret } = tokens.create({ name: '  a.researcher ', role: 'operator', createdBy: 'cli (root)' });
  expect(secret).toMatch(/^rw_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  expect(token).toMatchObject({ id: `tok_${secret.slice(3, 19)}`, name: 'a.researcher', role: 'operator', createdBy: 'cli (root)', revokedAt: null, lastUsedAt: null });
  expect(tokens.verify(secret)).toEqual({ tokenId: token.id, name: 'a.researcher', role: 'operator' });
  const dump = JSON.stringify(db.prepare('SELECT * FROM api_tokens').all());
  expect(dump).not.toContain(secret.slice(20));
  expect(dump).toContain(createHash('sha256').update(secret).digest('hex'));
  expect(JSON.stringify(tokens.list())).not.toContain(secret.slice(20));
});

test('forged, truncated, or foreign secrets do not verify', () => {
  const tokens = new Tokens(db, { now: () => now });
  const { secret } = tokens.create({ name: 'x', role: 'admin', createdBy: 't' });
  for (const s of [`${secret}x`, secret.slice(0, -1), secret.replace(/_[^_]+$/, `_${'A'.repeat(43)}`), '', 'rw__', `Bearer ${secret}`, secret.toUpperCase()]) {
    expect(tokens.verify(s), s).toBeNull();
  }
});

test('last_used_at is written on first use, then at most once a minute', () => {
  const tokens = new Tokens(db, { now: () => now });
  const { token, secret } = tokens.create({ name: 'y', role: 'auditor', createdBy: 't' });
  const writes = () => db.prepare('SELECT total_changes() AS n').get() as { n: number };
  tokens.verify(secret);
  expect(lastUsed(token.id)).toBe(now);
  const first = now;
  const before = writes().n;
  for (let i = 0; i < 50; i++) {
    now += 1000;
    expect(tokens.verify(secret)).not.toBeNull();
  }
  expect(lastUsed(token.id)).toBe(first);
  expect(writes().n).toBe(before); // 50 requests in 50 s: not one write
  now += 10_000;
  tokens.verify(secret);
  expect(lastUsed(token.id)).toBe(now);
});

test('a revoked token fails at once, also in a store opened before the revocation (another process)', () => {
  const daemonSide = new Tokens(db, { now: () => now });
  const cliSide = new Tokens(db, { now: () => now });
  const { token, secret } = cliSide.create({ name: 'z', role: 'operator', createdBy: 't' });
  expect(daemonSide.verify(secret)).not.toBeNull();
  expect(cliSide.revoke(token.id)).toMatchObject({ result: 'revoked' });
  expect(daemonSide.verify(secret)).toBeNull();
  expect(cliSide.revoke(token.id)).toMatchObject({ result: 'already_revoked' });
  expect(cliSide.revoke('tok_0000000000000000')).toEqual({ result: 'not_found' });
  expect(cliSide.list().map((t) => t.id)).not.toContain(token.id);
  expect(cliSide.list({ includeRevoked: true }).find((t) => t.id === token.id)?.revokedAt).toBe(now);
});

test('REACHWATCH_OPERATOR_TOKEN is an operator named after the variable; without it nothing else is accepted', () => {
  const tokens = new Tokens(db, { legacyOperatorToken: 'legacy-secret' });
  expect(tokens.hasLegacyToken).toBe(true);
  expect(tokens.verify('legacy-secret')).toEqual({ tokenId: LEGACY_TOKEN_ID, name: LEGACY_TOKEN_NAME, role: 'operator' });
  expect(tokens.verify('legacy-secretx')).toBeNull();
  expect(new Tokens(db).verify('legacy-secret')).toBeNull();
  expect(new Tokens(db, { legacyOperatorToken: '' }).hasLegacyToken).toBe(false);
});

test('bad names and roles are refused, and the CHECK constraint backs the role', () => {
  const tokens = new Tokens(db);
  expect(() => tokens.create({ name: '', role: 'operator', createdBy: 't' })).toThrow(TokenInputError);
  expect(() => tokens.create({ name: 'a\u0007b', role: 'operator', createdBy: 't' })).toThrow(/control characters/);
  expect(() => tokens.create({ name: 'x'.repeat(101), role: 'operator', createdBy: 't' })).toThrow(TokenInputError);
  expect(() => tokens.create({ name: 'ok', role: 'root', createdBy: 't' })).toThrow(/operator, auditor, admin/);
  expect(() => db.prepare("INSERT INTO api_tokens (id, name, role, hash, created_at, created_by) VALUES ('tok_x', 'n', 'root', 'h', 1, 't')").run()).toThrow(/CHECK/);
});
