// The real agent process (`reachwatch agent run`) against a loopback stand-in that speaks the agent
// protocol, for the faults of the road between them: 429 with Retry-After, 503, a connection cut with
// no answer, an answer lost after the batch was stored, kill -9 of the agent while a push waits and a
// probe hangs, and a refusal (403). The real central is tested in the e2e-*.test.ts files; here only
// the agent's side is under test: it resends the identical batch until acknowledged, never probes a
// slot twice, loses nothing, and stops pushing (keeping its rows) when refused.

import Database from 'better-sqlite3';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { batchPayload, publicKeyFromRaw, resultPayload, verifyPayload, type AgentResult, type LeasedJob, type ResultsRequest } from '../../src/agents/protocol.ts';
import { AGENT_OUTBOX_FILE } from '../../src/store/agent-outbox.ts';
import { assertRunning, startAgentProcess, writeAgentConfig, type RunningAgent } from '../helpers/agent-process.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';

const AGENT_ID = 'agt_0123456789abcdef';
const TOKEN = `rwa_0123456789abcdef_${'x'.repeat(43)}`;

interface Push {
  body: ResultsRequest;
  at: number;
}

/** The protocol stand-in: enrolls, hands out the jobs the test queues, and lets the test answer pushes. */
class StandIn {
  server!: Server;
  url = '';
  publicKey: string | null = null;
  offered: LeasedJob[] = [];
  leaseRequests = 0;
  pushes: Push[] = [];
  /** job@slot -> times stored. */
  stored = new Map<string, number>();
  ingested = new Set<string>();
  badSignatures = 0;
  /** How to answer a push; returns true when it answered (or chose never to). */
  onPush: (p: Push, res: ServerResponse, store: () => void) => void = (_p, res, store) => {
    store();
    this.json(res, 200, { batchId: _p.body.batchId, results: _p.body.results.map(() => ({ verdict: 'stored' })), serverTime: Date.now() });
  };
  private sockets = new Set<Socket>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.close();
  }

  json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  /** Stores a batch as the central would: once per batch id, once per (job, slot). */
  storeBatch(body: ResultsRequest): void {
    if (this.ingested.has(body.batchId)) return;
    this.ingested.add(body.batchId);
    for (const r of body.results) this.stored.set(`${r.jobId}@${r.slotAt}`, (this.stored.get(`${r.jobId}@${r.slotAt}`) ?? 0) + 1);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return this.json(res, 401, { code: 'agent_token_invalid', message: 'bad token' });
    const body = JSON.parse(text) as Record<string, unknown>;
    switch (req.url) {
      case '/agent/v1/enroll':
        this.publicKey = body.publicKey as string;
        return this.json(res, 200, { agent: { id: AGENT_ID, name: 'almaty-1', vantage: 'kz' }, protocol: 1, serverTime: Date.now() });
      case '/agent/v1/lease': {
        this.leaseRequests++;
        const jobs = this.offered.splice(0, body.max as number);
        return this.json(res, 200, { jobs, serverTime: Date.now(), retryAfterMs: 0 });
      }
      case '/agent/v1/heartbeat':
        return this.json(res, 200, { serverTime: Date.now(), stale: false });
      case '/agent/v1/results': {
        const b = body as unknown as ResultsRequest;
        const key = publicKeyFromRaw(this.publicKey as string);
        const ok = key !== null && verifyPayload(key, batchPayload(AGENT_ID, b), b.signature) && b.results.every((r: AgentResult) => verifyPayload(key, resultPayload(AGENT_ID, r), r.signature));
        if (!ok) {
          this.badSignatures++;
          return this.json(res, 400, { code: 'signature_invalid', message: 'bad signature' });
        }
        const push = { body: b, at: Date.now() };
        this.pushes.push(push);
        if (this.ingested.has(b.batchId)) return this.json(res, 409, { code: 'batch_already_ingested', message: 'already stored' });
        return this.onPush(push, res, () => this.storeBatch(b));
      }
      default:
        return this.json(res, 404, { message: 'no such route' });
    }
  }
}

let t: ReturnType<typeof tempDir>;
let central: StandIn;
let site: Server;
let siteUrl = '';
/** Requests per path reaching the site; a path under /hang/ is never answered. */
const siteHits = new Map<string, number>();
const agents: RunningAgent[] = [];

beforeEach(async () => {
  t = tempDir('rw-agent-transport-');
  central = new StandIn();
  await central.start();
  siteHits.clear();
  site = createServer((req, res) => {
    siteHits.set(req.url ?? '', (siteHits.get(req.url ?? '') ?? 0) + 1);
    if (req.url?.startsWith('/hang/')) return; // accepted, never answered
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<title>center</title>ok');
  });
  site.listen(0, '127.0.0.1');
  await once(site, 'listening');
  siteUrl = `http://127.0.0.1:${(site.address() as { port: number }).port}`;
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') for (const a of agents) console.error(`agent logs:\n${a.logs.join('\n')}`);
  for (const a of agents.splice(0)) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
  await central.close();
  site.closeAllConnections();
  site.close();
  t.remove();
});

function job(n: number, pathPart = `/page/${n}`, leaseMs = 120_000, deadlineMs = 70_000): LeasedJob {
  const slotAt = 1_800_000_000_000 + n * 1000;
  return {
    jobId: `c${n}--web#http@kz`,
    method: 'http',
    slotAt,
    leaseUntil: Date.now() + leaseMs,
    deadlineMs,
    channel: { id: `c${n}--web`, centerId: `c${n}`, type: 'website', value: `${siteUrl}${pathPart}`, target: `${siteUrl}${pathPart}`, options: {}, tz: 'Asia/Almaty' },
  };
}

function agent(extra: Record<string, unknown> = {}): RunningAgent {
  const config = writeAgentConfig(t.dir, { central_url: central.url, data_dir: path.join(t.dir, 'agent'), poll_interval: '200ms', push_batch: 2, concurrency: 4, ...extra }, 'website: {total_timeout: 60s, headers_timeout: 60s}\n');
  const a = startAgentProcess({ config, token: TOKEN });
  agents.push(a);
  return a;
}

function outboxRows(): { results: number; batches: number; leases: Record<string, number> } {
  const db = new Database(path.join(t.dir, 'agent', AGENT_OUTBOX_FILE), { readonly: true });
  try {
    const results = (db.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n;
    const batches = (db.prepare('SELECT count(*) AS n FROM batches').get() as { n: number }).n;
    const leases = Object.fromEntries((db.prepare('SELECT state, count(*) AS n FROM leases GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
    return { results, batches, leases };
  } finally {
    db.close();
  }
}

/** Every try of one batch id carried the same seq and the same signed results. */
function expectIdenticalRetries(pushes: Push[]): void {
  const byId = new Map<string, Push[]>();
  for (const p of pushes) byId.set(p.body.batchId, [...(byId.get(p.body.batchId) ?? []), p]);
  for (const tries of byId.values()) {
    const first = tries[0] as Push;
    for (const p of tries) {
      expect(p.body.seq).toBe(first.body.seq);
      expect(p.body.results).toEqual(first.body.results);
    }
  }
}

test(
  'through 429, 503, a cut connection and a lost answer, every result arrives once, each retry is the identical batch, and the outbox ends empty',
  async () => {
    const faults = ['429', '503', 'cut', 'lost'];
    central.onPush = (p, res, store) => {
      const fault = faults.shift();
      if (fault === '429') return central.json(res, 429, { code: 'agent_rate_limited', message: 'slow down' }, { 'retry-after': '2' });
      if (fault === '503') return central.json(res, 503, { message: 'busy' });
      if (fault === 'cut') return res.socket?.destroy();
      if (fault === 'lost') {
        store();
        return res.socket?.destroy();
      }
      store();
      central.json(res, 200, { batchId: p.body.batchId, results: p.body.results.map(() => ({ verdict: 'stored' })), serverTime: Date.now() });
    };
    central.offered = [1, 2, 3, 4, 5, 6].map((n) => job(n));
    const a = agent();
    await until('six results stored', () => assertRunning(a) && central.stored.size === 6, 90_000);
    await until('the outbox emptied', () => outboxRows().results === 0 && outboxRows().batches === 0, 60_000);
    expect([...central.stored.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(central.badSignatures).toBe(0);
    expectIdenticalRetries(central.pushes);
    // The lost answer was acknowledged by the 409 of the next try of the same batch.
    expect(central.pushes.some((p, i) => central.pushes.findIndex((q) => q.body.batchId === p.body.batchId) < i)).toBe(true);
    // Retry-After: 2 was respected (a lower bound: the retry did not come early).
    const rateLimited = central.pushes[0] as Push;
    const next = central.pushes[1] as Push;
    expect(next.at - rateLimited.at).toBeGreaterThanOrEqual(1900);
    // Each page was fetched once: no slot probed twice.
    for (const n of [1, 2, 3, 4, 5, 6]) expect(siteHits.get(`/page/${n}`)).toBe(1);
    expect(outboxRows().leases).toEqual({ done: 6 });
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  },
  180_000,
);

test(
  'kill -9 while a push waits for its answer and a probe hangs: after a restart the same batch is sent again, nothing is lost, and no slot is probed twice',
  async () => {
    let hold = true;
    const held: ServerResponse[] = [];
    central.onPush = (p, res, store) => {
      store();
      if (hold) return void held.push(res); // stored, answer never sent
      central.json(res, 200, { batchId: p.body.batchId, results: p.body.results.map(() => ({ verdict: 'stored' })), serverTime: Date.now() });
    };
    const jobs = [job(1), job(2), job(3, '/hang/3')];
    central.offered = [...jobs];
    const first = agent();
    await until('a push held and the hanging probe in flight', () => assertRunning(first) && held.length > 0 && siteHits.get('/hang/3') === 1, 60_000);
    const heldBatch = (central.pushes[0] as Push).body;
    first.child.kill('SIGKILL');
    await first.exited;
    hold = false;
    // The central leases the same slots again (as after an expired lease): the agent must not probe them again.
    central.offered = jobs.map((j) => ({ ...j, leaseUntil: Date.now() + 120_000 }));
    const second = agent();
    await until('slots 1 and 2 stored and the outbox empty', () => assertRunning(second) && central.stored.size === 2 && outboxRows().results === 0, 90_000);
    await until('the re-offered leases taken', () => central.offered.length === 0 && central.leaseRequests > 4, 30_000);
    expect(central.stored.get(`${jobs[0]?.jobId}@${jobs[0]?.slotAt}`)).toBe(1);
    expect(central.stored.get(`${jobs[1]?.jobId}@${jobs[1]?.slotAt}`)).toBe(1);
    // The held batch came again, identical, and was acknowledged by its 409.
    const retries = central.pushes.filter((p) => p.body.batchId === heldBatch.batchId);
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expectIdenticalRetries(central.pushes);
    // Probed once each: the hanging slot too (left 'probing' by the crash, never started again).
    expect(siteHits.get('/page/1')).toBe(1);
    expect(siteHits.get('/page/2')).toBe(1);
    expect(siteHits.get('/hang/3')).toBe(1);
    expect(outboxRows().leases).toEqual({ done: 2, probing: 1 });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    for (const r of held) r.socket?.destroy();
  },
  180_000,
);

test(
  'a refused agent (403 agent_revoked) stops pushing, says so loudly, and keeps its results',
  async () => {
    central.onPush = (_p, res) => central.json(res, 403, { code: 'agent_revoked', message: 'this agent was revoked' });
    central.offered = [job(1), job(2)];
    const a = agent();
    await until('the refusal logged', () => assertRunning(a) && a.logs.some((l) => /the central refuses this agent/.test(l) && /agent_revoked/.test(l)), 60_000);
    const pushesAtRefusal = central.pushes.length;
    // Progress elsewhere (the lease loop keeps polling), then look again: no more pushes, rows kept.
    const leases = central.leaseRequests;
    await until('more lease polls', () => central.leaseRequests >= leases + 5, 30_000);
    expect(central.pushes.length).toBe(pushesAtRefusal);
    expect(outboxRows().results).toBe(2);
    expect(a.logs.some((l) => /"level":50/.test(l) && /refuses this agent/.test(l))).toBe(true);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(outboxRows().results).toBe(2);
  },
  120_000,
);

test(
  'a lease too short for its probe is not started (the slot is left to expire for another agent), and one long enough is',
  async () => {
    // Ends in 2 s, but the probe may take 5: starting it could race another agent for the slot.
    central.offered = [job(1, '/page/short', 2000, 5000), job(2, '/page/long', 120_000, 5000)];
    const a = agent();
    await until('the long lease stored', () => assertRunning(a) && central.stored.size === 1, 60_000);
    await until('the short lease skipped', () => outboxRows().leases.skipped === 1, 30_000);
    expect(siteHits.get('/page/short')).toBeUndefined();
    expect(siteHits.get('/page/long')).toBe(1);
    expect([...central.stored.keys()]).toEqual([`c2--web#http@kz@${job(2).slotAt}`]);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  },
  120_000,
);
