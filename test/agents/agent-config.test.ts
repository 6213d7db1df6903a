// The `agent` section and `website.local_address`: each problem names the file, line and key and
// nothing starts; the token comes from the environment only; the source address really is used.

import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { websiteProberFor } from '../../src/probers/from-config.ts';
import { NODE } from '../helpers/daemon.ts';
import { CLI } from '../helpers/agent-process.ts';
import { tempDir } from '../helpers/tmp.ts';
import { spawn } from 'node:child_process';

const t = tempDir();
afterAll(t.remove);

function load(yaml: string, env: Record<string, string> = {}) {
  const file = path.join(t.dir, `a-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  try {
    return { config: loadConfig(env, file), problems: [] as string[] };
  } catch (err) {
    if (err instanceof ConfigError) return { config: null, problems: err.problems.map((p) => p.replace(file, 'FILE')) };
    throw err;
  }
}

test('without the section nothing is an agent, and the daemon is as before', () => {
  const { config } = load('log:\n  level: warn\n');
  expect(config?.agent.centralUrl).toBeNull();
  expect(config?.agent.token).toBeNull();
  expect(config?.website.localAddress).toBeNull();
});

test('an https central, a CA file and the limits; the token only from REACHWATCH_AGENT_TOKEN', () => {
  const ca = path.join(t.dir, 'ca.pem');
  writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
  const { config, problems } = load(`agent:\n  central_url: https://central.example.org/\n  ca_file: ${ca}\n  data_dir: agent-state\n  concurrency: 3\n  poll_interval: 2s\n`, { REACHWATCH_AGENT_TOKEN: 'rwa_x' });
  expect(problems).toEqual([]);
  expect(config?.agent).toMatchObject({ centralUrl: 'https://central.example.org', insecure: false, caFile: ca, dataDir: path.join(t.dir, 'agent-state'), concurrency: 3, pollIntervalMs: 2000, token: 'rwa_x' });
  // Plain http is for this machine only, and marked so the agent warns.
  expect(load('agent:\n  central_url: http://127.0.0.1:8080\n').config?.agent).toMatchObject({ centralUrl: 'http://127.0.0.1:8080', insecure: true });
});

test('every wrong agent key is named with its file and line, and none starts', () => {
  const { problems } = load('agent:\n  central_url: http://central.example.org\n  ca_file: missing.pem\n  concurrency: 0\n  push_batch: 900\n  pollinterval: 1s\n');
  expect(problems).toEqual([
    'FILE:6 agent.pollinterval: unknown key "pollinterval" in agent; known keys are central_url, ca_file, data_dir, concurrency, lease_batch, push_batch, poll_interval, request_timeout, stop_grace.',
    expect.stringMatching(/^FILE:2 agent\.central_url: plain http would send the agent's token in clear; use https/),
    expect.stringMatching(/^FILE:3 agent\.ca_file: .*missing\.pem does not exist\.$/),
    'FILE:4 agent.concurrency: must be a whole number from 1 to 256, not 0.',
    'FILE:5 agent.push_batch: must be a whole number from 1 to 500, not 900.',
  ]);
  expect(load('agent:\n  central_url: ftp://x\n').problems).toEqual([expect.stringMatching(/^FILE:2 agent\.central_url: must be the central daemon's https URL/)]);
  expect(load('website:\n  local_address: eth0\n').problems).toEqual([expect.stringMatching(/^FILE:2 website\.local_address: must be an IP address .*not "eth0"\.$/)]);
});

test('website.local_address is the source address of website probes', async () => {
  const seen: string[] = [];
  const site = createServer((req, res) => {
    seen.push(req.socket.remoteAddress ?? '');
    res.end('ok');
  });
  site.listen(0, '127.0.0.1');
  await once(site, 'listening');
  const url = `http://127.0.0.1:${(site.address() as { port: number }).port}/`;
  try {
    const channel = { id: 'c--web', centerId: 'c', type: 'website' as const, value: url, target: url, unprobeableReason: null, options: {}, line: 1 };
    for (const address of ['127.0.0.2', '127.0.0.3']) {
      const { config } = load(`website:\n  local_address: ${address}\n  total_timeout: 20s\n`);
      const evidence = await websiteProberFor(config as NonNullable<typeof config>).probe(channel, { signal: AbortSignal.timeout(30_000) });
      expect(evidence.error).toBeUndefined();
    }
    expect(seen).toEqual(['127.0.0.2', '127.0.0.3']);
  } finally {
    site.close();
  }
});

async function runAgentCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(NODE, [CLI, 'agent', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stderr };
}

test('reachwatch agent run refuses to start, in one sentence, without a central or a token; agent data is not created', async () => {
  const file = path.join(t.dir, 'cli.yaml');
  writeFileSync(file, `agent:\n  data_dir: ${path.join(t.dir, 'never')}\n`);
  const noCentral = await runAgentCli(['run'], { REACHWATCH_CONFIG: file, REACHWATCH_AGENT_TOKEN: 'rwa_x' });
  expect(noCentral).toMatchObject({ code: 78 });
  expect(noCentral.stderr).toMatch(/agent\.central_url is not set/);
  const noToken = await runAgentCli(['run', '--central', 'http://127.0.0.1:9'], { REACHWATCH_CONFIG: file, REACHWATCH_AGENT_TOKEN: '' });
  expect(noToken).toMatchObject({ code: 78 });
  expect(noToken.stderr).toMatch(/REACHWATCH_AGENT_TOKEN is not set/);
  const badCentral = await runAgentCli(['enroll', '--central', 'http://central.example.org'], { REACHWATCH_CONFIG: file, REACHWATCH_AGENT_TOKEN: 'rwa_x' });
  expect(badCentral).toMatchObject({ code: 78 });
  expect(badCentral.stderr).toMatch(/--central: plain http would send/);
  expect(existsSync(path.join(t.dir, 'never'))).toBe(false);
  const usage = await runAgentCli(['fly'], { REACHWATCH_CONFIG: file });
  expect(usage.code).toBe(64);
  expect(usage.stderr).toMatch(/unknown subcommand "fly"/);
});
