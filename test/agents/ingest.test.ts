// Ingest of agents' results at the central: the real daemon (in process, real SQLite file, real
// sockets) takes signed batches over HTTP. Every batch-level refusal (forged batch or result
// signature, replayed or repeated batch, revoked agent, clock beyond refuse_clock_offset) stores
// nothing at all; accepted results are classified by the central from their raw evidence, stored
// once per (agent, channel, method, slot) with their vantage block, and close their job's slot.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateAgentKeys, type AgentKeyPair } from '../../src/agents/protocol.ts';
import { buildConfig } from '../../src/config/config.ts';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.ts';
import { AgentJobs } from '../../src/store/agent-jobs.ts';
import { page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { signBatch, signResult, type UnsignedResult } from './ingest-helpers.ts';

let daemon: Daemon;
let site: LoopbackSite;
let cleanup: () => void;
let admin: string;
let jobs: AgentJobs;
let WEB: string; // alpha's website
let BETA: string; // beta's website
/** Real website evidence, as the central's own prober wrote it for alpha. */
let evidence: Record<string, unknown>;

interface Agent {
  id: string;
  token: string;
  keys: AgentKeyPair;
  seq: number;
}
let kz: Agent;
let eu: Agent;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.remove;
  site = await startSite({ routes: { 'alpha.example.kz/*': page('<title>Alpha</title>'), 'beta.example.kz/*': page('<title>Beta</title>') } });
  writeFileSync(
    path.join(t.dir, 'centers.yaml'),
    `- id: alpha
  name: Alpha
  kind: rehabilitation_center
  channels:
    - {type: website, value: "${site.url('alpha.example.kz')}"}
- id: beta
  name: Beta
  kind: rehabilitation_center
  channels:
    - {type: website, value: "${site.url('beta.example.kz')}"}
`,
  );
  const config = buildConfig(
    {
      registry: { file: 'centers.yaml', watch: false },
      scheduler: { defaults: { website: '1h' } },
      website: { resolve: { 'alpha.example.kz': '127.0.0.1', 'beta.example.kz': '127.0.0.1' } },
      canaries: { urls: [] },
      store: { flush_interval: '20ms' },
      vantage: { points: { kz: { domestic: true }, eu: {} }, agent_rate: 1000 },
    },
    { PORT: '0', HOST: '127.0.0.1', REACHWATCH_DATA_DIR: path.join(t.dir, 'data') },
    null,
    (k) => k.join('.'),
    t.dir,
  );
  daemon = await startDaemon(config, pino({ level: process.env.TEST_LOG ?? 'silent' }));
  admin = daemon.app.tokens.create({ name: 'the admin', role: 'admin', createdBy: 'test' }).secret;
  jobs = new AgentJobs(daemon.db);
  const ids = daemon.db.prepare("SELECT id FROM channels WHERE type = 'website' ORDER BY id").all() as { id: string }[];
  WEB = ids.find((c) => c.id.startsWith('alpha'))?.id as string;
  BETA = ids.find((c) => c.id.startsWith('beta'))?.id as string;
  expect((await post(`/api/v1/channels/${encodeURIComponent(WEB)}/probe-now`, admin, {})).status).toBeLessThan(300);
  const row = await until('the central probed alpha', () => daemon.db.prepare('SELECT evidence FROM probes p JOIN channels c ON c.ref = p.channel_ref WHERE c.id = ?').get(WEB) as { evidence: string } | undefined, 60_000);
  evidence = JSON.parse(row.evidence) as Record<string, unknown>;
  kz = await newAgent('almaty-1', 'kz');
  eu = await newAgent('frankfurt-1', 'eu');
}, 90_000);

afterAll(async () => {
  await daemon?.stop();
  await site?.close();
  cleanup?.();
});

async function post(url: string, token: string, body: unknown): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${daemon.url}${url}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
}

async function newAgent(name: string, vantage: string): Promise<Agent> {
  const created = await post('/api/v1/agents', admin, { name, vantage });
  expect(created.status).toBe(201);
  const keys = generateAgentKeys();
  const enrolled = await post('/agent/v1/enroll', created.body.token as string, { publicKey: keys.publicKey, capabilities: ['website'], version: 'test', agentTime: Date.now() });
  expect(enrolled.status).toBe(200);
  return { id: (created.body.agent as { id: string }).id, token: created.body.token as string, keys, seq: 0 };
}

let slotClock = Date.now() - 3_600_000;
/** Opens a fresh slot of a channel's job for a point, as the scheduler does. */
function openSlot(channelId: string, vantage: string): { jobId: string; slotAt: number } {
  const slotAt = (slotClock += 60_000);
  const jobId = `${channelId}#http@${vantage}`;
  expect(jobs.openSlot({ jobId, channelId, method: 'http', vantage, slotAt, expiresAt: slotAt + 3_600_000, nextSlotAt: slotAt + 3_600_000 })).toBe('opened');
  return { jobId, slotAt };
}

function result(channelId: string, slot: { jobId: string; slotAt: number }, over: Partial<UnsignedResult> = {}): UnsignedResult {
  return { jobId: slot.jobId, channelId, method: 'http', slotAt: slot.slotAt, startedAt: slot.slotAt + 1_000, durationMs: 120, evidence, ...over };
}

/** What a refused batch must leave as it was. */
function snapshot() {
  const n = (sql: string) => (daemon.db.prepare(sql).get() as { n: number }).n;
  return {
    probes: n('SELECT count(*) AS n FROM probes'),
    batches: n('SELECT count(*) AS n FROM agent_batches'),
    done: n('SELECT count(*) AS n FROM agent_jobs WHERE done_at IS NOT NULL'),
    seqs: daemon.db.prepare('SELECT id, last_batch_seq FROM agents ORDER BY id').all(),
  };
}

const push = (a: Agent, results: UnsignedResult[], over: { seq?: number; sentAt?: number; batchId?: string } = {}) =>
  signBatch(a.id, a.keys, { seq: over.seq ?? ++a.seq, ...(over.sentAt !== undefined ? { sentAt: over.sentAt } : {}), ...(over.batchId ? { batchId: over.batchId } : {}), results: results.map((r) => signResult(a.id, a.keys, r)) });

describe('an accepted batch', () => {
  test('each result is classified by the central, stored once with its vantage, and closes its slot; the batch is recorded', async () => {
    const s1 = openSlot(WEB, 'kz');
    const s2 = openSlot(BETA, 'kz');
    const batch = push(kz, [result(WEB, s1), result(BETA, s2, { evidence: { ...evidence, url: 'x' } })]);
    const r = await post('/agent/v1/results', kz.token, batch);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const verdicts = r.body.results as { verdict: string; probeId?: number }[];
    expect(verdicts.map((v) => v.verdict)).toEqual(['stored', 'stored']);
    const probe = daemon.db.prepare('SELECT * FROM probes WHERE id = ?').get(verdicts[0]?.probeId) as Record<string, unknown>;
    expect(probe).toMatchObject({ due_at: s1.slotAt, started_at: s1.slotAt + 1_000, method: 'http', outcome: 'reachable', vantage: 'kz', agent_id: kz.id });
    // The chained evidence is the agent's, with the vantage block naming who saw it and its signature.
    const stored = JSON.parse(probe.evidence as string) as Record<string, unknown>;
    expect(stored.vantage).toMatchObject({ point: 'kz', agentId: kz.id, signature: batch.results[0]?.signature });
    expect({ ...stored, vantage: undefined }).toEqual({ ...evidence, vantage: undefined });
    const job = jobs.get(s1.jobId, s1.slotAt);
    expect(job).toMatchObject({ probe_id: verdicts[0]?.probeId });
    expect(job?.done_at).not.toBeNull();
    expect(daemon.db.prepare('SELECT * FROM agent_batches WHERE batch_id = ?').get(batch.batchId)).toMatchObject({ agent_id: kz.id, seq: batch.seq, results: 2, stored: 2, duplicates: 0 });
    expect((daemon.db.prepare('SELECT last_batch_seq AS s FROM agents WHERE id = ?').get(kz.id) as { s: number }).s).toBe(batch.seq);
  });

  test('the same results in a later batch are duplicates of the stored probes, not new ones', async () => {
    const s = openSlot(WEB, 'kz');
    const first = await post('/agent/v1/results', kz.token, push(kz, [result(WEB, s)]));
    const id = (first.body.results as { probeId: number }[])[0]?.probeId;
    const before = snapshot();
    const again = await post('/agent/v1/results', kz.token, push(kz, [result(WEB, s), result(WEB, s)]));
    expect(again.status).toBe(200);
    expect(again.body.results).toEqual([
      { verdict: 'duplicate', probeId: id },
      { verdict: 'duplicate', probeId: id },
    ]);
    expect(snapshot().probes).toBe(before.probes);
  });

  test('a result of an unknown job or of another point is refused with its reason; the rest of the batch is stored', async () => {
    const mine = openSlot(BETA, 'kz');
    const theirs = openSlot(BETA, 'eu');
    const r = await post('/agent/v1/results', kz.token, push(kz, [result(BETA, { jobId: `${BETA}#http@kz`, slotAt: 12_345 }), result(BETA, theirs, { jobId: theirs.jobId }), result(BETA, mine)]));
    expect(r.status).toBe(200);
    const v = r.body.results as { verdict: string; reason?: string }[];
    expect(v[0]).toMatchObject({ verdict: 'refused' });
    expect(v[0]?.reason).toMatch(/^job_unknown: /);
    expect(v[1]).toMatchObject({ verdict: 'refused' });
    expect(v[1]?.reason).toMatch(/^job_not_for_this_agent: /);
    expect(v[2]).toMatchObject({ verdict: 'stored' });
    expect(jobs.get(theirs.jobId, theirs.slotAt)?.done_at).toBeNull();
  });

  test('a clock beyond max_clock_offset is corrected: stored times are central time, flagged, the agent time kept', async () => {
    const s = openSlot(WEB, 'kz');
    const ahead = 30_000;
    const r = await post('/agent/v1/results', kz.token, push(kz, [result(WEB, s, { startedAt: s.slotAt + 1_000 + ahead })], { sentAt: Date.now() + ahead }));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const id = (r.body.results as { probeId: number }[])[0]?.probeId;
    const probe = daemon.db.prepare('SELECT started_at, flags, evidence FROM probes WHERE id = ?').get(id) as { started_at: number; flags: string; evidence: string };
    const block = (JSON.parse(probe.evidence) as { vantage: { clockOffsetMs: number; agentStartedAt: number } }).vantage;
    expect(block.agentStartedAt).toBe(s.slotAt + 1_000 + ahead);
    expect(block.clockOffsetMs).toBeGreaterThan(ahead - 10_000);
    expect(block.clockOffsetMs).toBeLessThanOrEqual(ahead);
    // Low by the request's transit time at most.
    expect(probe.started_at).toBeGreaterThanOrEqual(s.slotAt + 1_000);
    expect(probe.started_at).toBeLessThan(s.slotAt + 1_000 + 10_000);
    expect(probe.flags).toContain('clock_corrected');
  });
});

test('the same batch delivered twice at once (a retry racing a slow answer) is stored once', async () => {
  const slots = [openSlot(WEB, 'kz'), openSlot(BETA, 'kz'), openSlot(WEB, 'kz')];
  const batch = push(kz, slots.map((s, i) => result(i === 1 ? BETA : WEB, s)));
  const [a, b] = await Promise.all([post('/agent/v1/results', kz.token, batch), post('/agent/v1/results', kz.token, batch)]);
  const statuses = [a.status, b.status].sort();
  // One is stored; the other is told it was (409) or that it is being stored (503, retry).
  expect(statuses[0]).toBe(200);
  expect([409, 503]).toContain(statuses[1]);
  const other = a.status === 200 ? b : a;
  expect(other.body.code).toBe(other.status === 409 ? 'batch_already_ingested' : 'batch_in_progress');
  if (other.status === 503) expect(other.headers.get('retry-after')).toBe('1');
  for (const s of slots) {
    const n = (daemon.db.prepare('SELECT count(*) AS n FROM probes WHERE agent_id = ? AND due_at = ?').get(kz.id, s.slotAt) as { n: number }).n;
    expect(n).toBe(1);
  }
  expect((daemon.db.prepare('SELECT count(*) AS n FROM agent_batches WHERE batch_id = ?').get(batch.batchId) as { n: number }).n).toBe(1);
});

describe('a refused batch stores nothing', () => {
  test('a batch whose id was ingested already: 409 batch_already_ingested', async () => {
    const s = openSlot(WEB, 'kz');
    const batch = push(kz, [result(WEB, s)]);
    expect((await post('/agent/v1/results', kz.token, batch)).status).toBe(200);
    const before = snapshot();
    const r = await post('/agent/v1/results', kz.token, batch);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('batch_already_ingested');
    expect(snapshot()).toEqual(before);
  });

  test('an unknown batch id at or below the last seq: 409 batch_replayed', async () => {
    const s = openSlot(WEB, 'kz');
    const before = snapshot();
    const r = await post('/agent/v1/results', kz.token, push(kz, [result(WEB, s)], { seq: kz.seq }));
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('batch_replayed');
    expect(snapshot()).toEqual(before);
    expect(jobs.get(s.jobId, s.slotAt)?.done_at).toBeNull();
  });

  test('one forged result poisons its batch: 400 signature_invalid naming it', async () => {
    const s1 = openSlot(WEB, 'kz');
    const s2 = openSlot(BETA, 'kz');
    const good = signResult(kz.id, kz.keys, result(WEB, s1));
    const forged = { ...signResult(kz.id, kz.keys, result(BETA, s2)), evidence: { ...evidence, status: 500 } };
    const before = snapshot();
    const r = await post('/agent/v1/results', kz.token, signBatch(kz.id, kz.keys, { seq: ++kz.seq, results: [good, forged] }));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('signature_invalid');
    expect(r.body.message).toMatch(/^results\[1\] /);
    expect(snapshot()).toEqual(before);
  });

  test('a batch signed by another key: 400 signature_invalid', async () => {
    const s = openSlot(WEB, 'kz');
    const before = snapshot();
    const other = generateAgentKeys();
    const r = await post('/agent/v1/results', kz.token, signBatch(kz.id, other, { seq: ++kz.seq, results: [signResult(kz.id, other, result(WEB, s))] }));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('signature_invalid');
    expect(snapshot()).toEqual(before);
  });

  test('a clock beyond refuse_clock_offset: 422 agent_clock_off', async () => {
    const s = openSlot(WEB, 'kz');
    const before = snapshot();
    const r = await post('/agent/v1/results', kz.token, push(kz, [result(WEB, s)], { sentAt: Date.now() - 10 * 60_000 }));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('agent_clock_off');
    expect(r.body.message).toMatch(/behind the central's, beyond vantage.refuse_clock_offset/);
    expect(snapshot()).toEqual(before);
  });

  test('a revoked agent: 403 agent_revoked, even for a batch signed as before', async () => {
    const gone = await newAgent('soon-gone', 'eu');
    const s = openSlot(BETA, 'eu');
    const batch = push(gone, [result(BETA, s)]);
    expect((await post(`/api/v1/agents/${gone.id}/revoke`, admin, {})).status).toBe(200);
    const before = snapshot();
    const r = await post('/agent/v1/results', gone.token, batch);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('agent_revoked');
    expect(snapshot()).toEqual(before);
  });

  test('a body past 4 MB: 413 with a sentence', async () => {
    const s = openSlot(WEB, 'eu');
    const big = push(eu, [result(WEB, s, { evidence: { ...evidence, padding: 'x'.repeat(4.2 * 1024 * 1024) } })]);
    const before = snapshot();
    const r = await post('/agent/v1/results', eu.token, big);
    expect(r.status).toBe(413);
    expect(r.body.message).toMatch(/larger than 4194304 bytes, the limit of agent requests/);
    expect(snapshot()).toEqual(before);
  });
});
