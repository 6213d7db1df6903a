// The pieces of the multi-process tests of regional agents (test/agents/e2e-*.test.ts): the real
// central daemon (`node src/main.ts`) with vantage points, restartable on its port; agents created
// through its admin API and run as real `reachwatch agent run` processes; and read-only looks into
// the central's database and the agents' outboxes.

import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Tokens } from '../../src/auth/tokens.ts';
import { AGENT_OUTBOX_FILE } from '../../src/store/agent-outbox.ts';
import { DB_FILE_NAME, openDatabase } from '../../src/store/db.ts';
import { startAgentProcess, writeAgentConfig, type RunningAgent } from './agent-process.ts';
import { freePort, MAIN, NODE, type RunningDaemon } from './daemon.ts';

export interface Central {
  url: string;
  port: number;
  dataDir: string;
  adminToken: string;
  proc: RunningDaemon;
  /** Starts it again on the same port and data folder (after kill9 or stop). */
  restart(): Promise<void>;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export interface CentralOptions {
  dir: string;
  /** The registry's text (centers.yaml). */
  registry: string;
  /** The config file's sections as an object (written as JSON, which is YAML); merged over the defaults here. */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
}

/** Defaults for a fast, loopback-only central with points `kz` (domestic) and `abroad`. */
export function centralConfig(dir: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    registry: { file: path.join(dir, 'centers.yaml'), watch: false },
    scheduler: { jitter: '10ms' },
    website: { total_timeout: '3s' },
    canaries: { urls: [] },
    store: { flush_interval: '20ms' },
    centers: { dark_after: 0, sweep_interval: '200ms' },
    vantage: { points: { kz: { domestic: true }, abroad: {} }, lease_margin: '2s' },
    ...over,
  };
}

function spawnCentral(file: string, dataDir: string, port: number, env: Record<string, string>): Promise<RunningDaemon> {
  const child = spawn(NODE, [MAIN], {
    env: { ...process.env, REACHWATCH_CONFIG: file, REACHWATCH_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        logs.push(l);
        if (/reachwatch is running/.test(l)) resolve({ child, url: `http://127.0.0.1:${port}`, logs, exited });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`the central exited (${code}) before it was ready:\n${logs.join('\n')}${buf}`)));
  });
}

export async function startCentral(opts: CentralOptions): Promise<Central> {
  writeFileSync(path.join(opts.dir, 'centers.yaml'), opts.registry);
  const file = path.join(opts.dir, 'central.yaml');
  writeFileSync(file, JSON.stringify(opts.config ?? centralConfig(opts.dir)));
  const dataDir = path.join(opts.dir, 'central-data');
  // An admin token made the way `reachwatch token create` makes it, on the database, before the start.
  const db = openDatabase(dataDir);
  const { secret } = new Tokens(db).create({ name: 'e2e-admin', role: 'admin', createdBy: 'test' });
  db.close();
  const port = await freePort();
  const env = opts.env ?? {};
  const central: Central = {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    adminToken: secret,
    proc: await spawnCentral(file, dataDir, port, env),
    restart: async () => {
      central.proc = await spawnCentral(file, dataDir, port, env);
    },
    kill9: async () => {
      central.proc.child.kill('SIGKILL');
      await central.proc.exited;
    },
    stop: async () => {
      if (central.proc.child.exitCode !== null || central.proc.child.signalCode !== null) return;
      central.proc.child.kill('SIGTERM');
      await central.proc.exited;
    },
  };
  return central;
}

export interface CreatedAgent {
  id: string;
  name: string;
  token: string;
}

/** An agent and its token, through the admin API (what `reachwatch agents create` does on the database). */
export async function createAgent(central: Central, name: string, vantage: string): Promise<CreatedAgent> {
  const res = await fetch(`${central.url}/api/v1/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${central.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, vantage }),
  });
  const body = (await res.json()) as { agent?: { id: string; name: string }; token?: string };
  if (res.status !== 201 || !body.agent || !body.token) throw new Error(`creating agent ${name}: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.agent.id, name: body.agent.name, token: body.token };
}

export async function revokeAgent(central: Central, id: string): Promise<void> {
  const res = await fetch(`${central.url}/api/v1/agents/${id}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${central.adminToken}` } });
  if (res.status !== 200) throw new Error(`revoking agent ${id}: ${res.status} ${await res.text()}`);
}

export interface AgentHandle {
  created: CreatedAgent;
  dataDir: string;
  config: string;
  proc: RunningAgent;
  start(): RunningAgent;
}

/**
 * A regional agent process for `created`, probing from `localAddress`, talking to `centralUrl` (the
 * central, or a proxy in front of it).
 */
export function agentFor(dir: string, created: CreatedAgent, centralUrl: string, opts: { localAddress?: string; agent?: Record<string, unknown>; website?: Record<string, unknown> } = {}): AgentHandle {
  const dataDir = path.join(dir, `agent-${created.name}`);
  const cfgDir = path.join(dir, `cfg-${created.name}`);
  // One config file per agent: writeAgentConfig writes agent.yaml in the folder it is given.
  mkdirSync(cfgDir, { recursive: true });
  const website = { total_timeout: '3s', ...(opts.localAddress ? { local_address: opts.localAddress } : {}), ...opts.website };
  const config = writeAgentConfig(cfgDir, { central_url: centralUrl, data_dir: dataDir, poll_interval: '300ms', push_batch: 20, concurrency: 4, ...opts.agent }, `website: ${JSON.stringify(website)}\n`);
  const handle: AgentHandle = {
    created,
    dataDir,
    config,
    proc: undefined as unknown as RunningAgent,
    start: () => {
      handle.proc = startAgentProcess({ config, token: created.token, env: { LOG_LEVEL: 'info' } });
      return handle.proc;
    },
  };
  return handle;
}

/** A read-only look at the central's database while it runs (WAL lets a reader in beside the writer). */
export function centralDb<T>(central: Central, fn: (db: Database.Database) => T): T {
  const db = new Database(path.join(central.dataDir, DB_FILE_NAME), { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export interface StoredAgentProbe {
  id: number;
  agentId: string;
  vantage: string;
  channel: string;
  method: string;
  dueAt: number;
  startedAt: number;
  outcome: string;
  evidence: string;
}

export function agentProbes(central: Central): StoredAgentProbe[] {
  return centralDb(central, (db) =>
    db
      .prepare(
        `SELECT p.id, p.agent_id AS agentId, p.vantage, c.id AS channel, p.method, p.due_at AS dueAt, p.started_at AS startedAt, p.outcome, p.evidence
           FROM probes p JOIN channels c ON c.ref = p.channel_ref WHERE p.agent_id IS NOT NULL ORDER BY p.id`,
      )
      .all() as StoredAgentProbe[],
  );
}

export function channelState(central: Central, channelId: string): { status: string; vantage_flags: string | null; status_reason: string | null } | undefined {
  return centralDb(central, (db) =>
    db.prepare('SELECT s.status, s.vantage_flags, s.status_reason FROM channel_state s JOIN channels c ON c.ref = s.channel_ref WHERE c.id = ?').get(channelId) as
      | { status: string; vantage_flags: string | null; status_reason: string | null }
      | undefined,
  );
}

/** What an agent's outbox holds: its leases by state, and the results still waiting (with their signed JSON). */
export function outboxOf(agent: AgentHandle): { leases: { job_id: string; slot_at: number; state: string }[]; results: { job_id: string; slot_at: number; started_at: number }[] } {
  const db = new Database(path.join(agent.dataDir, AGENT_OUTBOX_FILE), { readonly: true });
  try {
    return {
      leases: db.prepare('SELECT job_id, slot_at, state FROM leases ORDER BY slot_at').all() as { job_id: string; slot_at: number; state: string }[],
      results: db.prepare('SELECT job_id, slot_at, started_at FROM results ORDER BY id').all() as { job_id: string; slot_at: number; started_at: number }[],
    };
  } finally {
    db.close();
  }
}

/** `reachwatch verify` on the central's data folder (through the bin, as an auditor runs it). */
export async function verifyChains(central: Central): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(NODE, [path.resolve('src/cli/main.ts'), 'verify'], { env: { ...process.env, REACHWATCH_DATA_DIR: central.dataDir, REACHWATCH_CONFIG: '' } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { status, stdout, stderr };
}

/** A website channel line for the registry. */
export function websiteChannel(id: string, url: string, schedule: string, vantage: string[]): string {
  return `    - {type: website, id: ${id}, value: "${url}", schedule: ${schedule}, vantage: [${vantage.join(', ')}]}\n`;
}

export function center(id: string, channels: string): string {
  return `- id: ${id}\n  name: Center ${id}\n  kind: rehabilitation_center\n  region_normalized: Almaty\n  city: Almaty\n  channels:\n${channels}`;
}

/** Each point's own view of a channel (vantage_state). */
export function vantageStates(central: Central, channelId: string): { vantage: string; status: string; last_outcome: string | null }[] {
  return centralDb(central, (db) =>
    db
      .prepare('SELECT v.vantage, v.status, v.last_outcome FROM vantage_state v JOIN channels c ON c.ref = v.channel_ref WHERE c.id = ? ORDER BY v.vantage')
      .all(channelId) as { vantage: string; status: string; last_outcome: string | null }[],
  );
}
