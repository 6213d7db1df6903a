// `reachwatch token create|list|revoke` as an admin runs them: through the package's bin, on the
// database of the configured data dir, while the daemon runs on the same file (WAL). A created token
// works against the running daemon at once, and a revoked one is refused at the next request.

import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { runBin, writeConfig } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/tmp.ts';

let dir: string;
let env: Record<string, string>;
let daemon: Daemon;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  writeFileSync(path.join(dir, 'centers.yaml'), '- id: alpha\n  name: Alpha\n  kind: hotline\n  channels:\n    - {type: phone, value: "114"}\n');
  const config = writeConfig(dir, 'registry: {file: centers.yaml, watch: false}\ncanaries: {urls: []}\nhttp: {host: 127.0.0.1, port: 0}\n');
  env = { REACHWATCH_CONFIG: config, REACHWATCH_DATA_DIR: path.join(dir, 'data') };
  daemon = await startDaemon(loadConfig(env), pino({ level: process.env.TEST_LOG ?? 'silent' }));
}, 30_000);

afterAll(async () => {
  await daemon?.stop();
  cleanup?.();
});


const run = (args: string[], extraEnv: Record<string, string> = {}) => runBin(args, { ...env, ...extraEnv });

const api = async (p: string, secret: string, init: RequestInit = {}) => {
  const res = await fetch(`${daemon.url}${p}`, { ...init, headers: { authorization: `Bearer ${secret}`, ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  const text = await res.text();
  return { status: res.status, body: (text.startsWith('{') && !text.includes('\n{') ? JSON.parse(text) : text) as Record<string, unknown> };
};

const secretOf = (stdout: string) => stdout.match(/^rw_[0-9a-f]{16}_[A-Za-z0-9_-]{43,}$/m)?.[0] as string;

describe('reachwatch token', () => {
  test('create prints the secret once, which then works against the running daemon, for its role only', async () => {
    const r = await run(['token', 'create', '--role', 'auditor', '--name', 'a.auditor']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const secret = secretOf(r.stdout);
    expect(secret).toBeDefined();
    expect(r.stdout).toMatch(/cannot be shown again/);
    expect(r.stdout).toContain(`tok_${secret.slice(3, 19)}`);
    expect((await api('/api/v1/history/probes', secret)).status).toBe(200);
    expect((await api('/api/v1/outbox', secret)).status).toBe(403);
  });

  test('an admin token from the CLI manages tokens through the API; list shows both, never a secret or hash', async () => {
    const created = await run(['token', 'create', '--role', 'admin', '--name', 'a.admin']);
    expect(created.status).toBe(0);
    const admin = secretOf(created.stdout);
    const viaApi = await api('/api/v1/tokens', admin, { method: 'POST', body: JSON.stringify({ name: 'o.operator', role: 'operator' }) });
    expect(viaApi.status).toBe(201);
    expect(viaApi.body.createdBy).toBe('a.admin');

    const list = await run(['token', 'list']);
    expect(list.status).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^id\s+role\s+created\s+created by\s+last used\s+state\s+name$/);
    expect(list.stdout).toMatch(new RegExp(`tok_${admin.slice(3, 19)}\\s+admin\\s+\\S+\\s+cli \\(.+\\)\\s+\\S+\\s+active\\s+a\\.admin`));
    expect(list.stdout).toMatch(/tok_[0-9a-f]{16}\s+operator\s+\S+\s+a\.admin\s+never\s+active\s+o\.operator/);
    expect(list.stdout).not.toContain(admin);
    expect(list.stdout).not.toContain(admin.slice(20));
    const hashes = (daemon.db.prepare('SELECT hash FROM api_tokens').all() as { hash: string }[]).map((h) => h.hash);
    for (const h of hashes) expect(list.stdout).not.toContain(h);
  });

  test('revoke refuses the token at its next request; list hides it unless --all', async () => {
    const secret = secretOf((await run(['token', 'create', '--role', 'operator', '--name', 'leaving.soon'])).stdout);
    const id = `tok_${secret.slice(3, 19)}`;
    expect((await api('/api/v1/outbox', secret)).status).toBe(200);
    const r = await run(['token', 'revoke', id]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Revoked ${id} ("leaving.soon", operator)`);
    expect((await api('/api/v1/outbox', secret)).status).toBe(401);
    expect((await run(['token', 'list'])).stdout).not.toContain(id);
    expect((await run(['token', 'list', '--all'])).stdout).toMatch(new RegExp(`${id}\\s+operator.*revoked \\S+\\s+leaving\\.soon`));
    const again = await run(['token', 'revoke', id]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already revoked/);
  });

  test.each([
    [['token', 'create', '--role', 'root', '--name', 'x'], 64, /unknown role "root"; the roles are operator, auditor, admin/],
    [['token', 'create', '--name', 'x'], 64, /give --role; the roles are operator, auditor, admin/],
    [['token', 'create', '--role', 'operator'], 64, /give --name/],
    [['token', 'create', '--role', 'operator', '--name', 'bell\u0007'], 64, /control characters/],
    [['token', 'create', '--role', 'operator', '--name', 'x', '--color', 'red'], 64, /Unknown option '--color'/],
    [['token', 'revoke'], 64, /name one token id/],
    [['token', 'revoke', 'tok_0000000000000000'], 1, /no token tok_0000000000000000/],
    [['token', 'frobnicate'], 64, /unknown subcommand "frobnicate"/],
    [['token'], 64, /name a subcommand/],
  ])('%j exits %i with a clear message', async (args, code, message) => {
    const r = await run(args);
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toMatch(/^rw_/m);
  });

  test('a broken configuration stops it with exit 78 before the database is touched', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'http: {rate_limit: {max: lots}}\n');
    const r = await run(['token', 'list'], { REACHWATCH_CONFIG: bad });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/bad\.yaml:1 http\.rate_limit\.max/);
  });

  test('list and revoke on a data dir without a database say so and create nothing', async () => {
    const empty = path.join(dir, 'empty');
    const list = await run(['token', 'list'], { REACHWATCH_DATA_DIR: empty });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/No database in .*empty yet, so no tokens/);
    const revoke = await run(['token', 'revoke', 'tok_0000000000000000'], { REACHWATCH_DATA_DIR: empty });
    expect(revoke.status).toBe(1);
    expect(existsSync(empty)).toBe(false);
  });
});
