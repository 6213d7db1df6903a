// `reachwatch agents create|list|revoke` as an admin runs them: through the package's bin, on the
// database of the configured data dir, while the daemon runs on the same file (WAL). A created agent
// enrolls with the running daemon at once; a revoked one is refused at its next request.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateAgentKeys } from '../../src/agents/protocol.ts';
import { loadConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { runBin, writeConfig } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/tmp.ts';

let env: Record<string, string>;
let daemon: Daemon;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  writeFileSync(path.join(t.dir, 'centers.yaml'), '- id: alpha\n  name: Alpha\n  kind: hotline\n  channels:\n    - {type: phone, value: "114"}\n');
  const config = writeConfig(t.dir, 'registry: {file: centers.yaml, watch: false}\ncanaries: {urls: []}\nhttp: {host: 127.0.0.1, port: 0}\nvantage:\n  points:\n    kz: {domestic: true}\n');
  env = { REACHWATCH_CONFIG: config, REACHWATCH_DATA_DIR: path.join(t.dir, 'data') };
  daemon = await startDaemon(loadConfig(env), pino({ level: process.env.TEST_LOG ?? 'silent' }));
}, 30_000);

afterAll(async () => {
  await daemon?.stop();
  cleanup?.();
});

const run = (args: string[]) => runBin(args, env);
const enroll = (token: string) =>
  fetch(`${daemon.url}/agent/v1/enroll`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ publicKey: generateAgentKeys().publicKey, capabilities: ['website'], version: 'test', agentTime: Date.now() }),
  });

test('create prints the token once; the agent enrolls with the running daemon; list shows it; revoke by name refuses it', async () => {
  const created = await run(['agents', 'create', '--name', 'almaty-1', '--vantage', 'kz']);
  expect(created.stderr).toBe('');
  expect(created.status).toBe(0);
  const token = created.stdout.match(/^rwa_[0-9a-f]{16}_[A-Za-z0-9_-]{43,}$/m)?.[0] as string;
  expect(token).toBeDefined();
  expect((await enroll(token)).status).toBe(200);

  const listed = await run(['agents', 'list']);
  expect(listed.status).toBe(0);
  expect(listed.stdout).toMatch(/almaty-1\s+kz\s+fresh/);
  expect(listed.stdout).not.toContain(token);

  const revoked = await run(['agents', 'revoke', 'almaty-1']);
  expect(revoked.stderr).toBe('');
  expect(revoked.status).toBe(0);
  const refused = await enroll(token);
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { code: string }).code).toBe('agent_revoked');
  expect((await run(['agents', 'list'])).stdout).not.toContain('almaty-1');
  expect((await run(['agents', 'list', '--all'])).stdout).toMatch(/almaty-1\s+kz\s+revoked/);
  const again = await run(['agents', 'revoke', 'almaty-1']);
  expect(again.status).toBe(1);
  expect(again.stderr).toMatch(/was already revoked/);
}, 120_000);

test('an unknown point or a missing flag is refused with a sentence and creates nothing', async () => {
  const unknown = await run(['agents', 'create', '--name', 'x-1', '--vantage', 'mars']);
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toBe('reachwatch agents create: "mars" is not a vantage point; the configured points are kz.\n');
  const missing = await run(['agents', 'create', '--name', 'x-2']);
  expect(missing.status).toBe(2);
  expect(missing.stderr).toMatch(/give --name <unique name> and --vantage <point>/);
  expect((await run(['agents', 'list', '--all'])).stdout).not.toMatch(/x-1|x-2/);
}, 120_000);
