// Forged, replayed and revoked-agent batches against the real central (a child process), crafted
// with the protocol's own helpers by a test that plays an enrolled agent: each is refused with its
// code and stores nothing (no probe, no batch row, no closed slot). A well-formed batch is stored
// first, so the refusals are of the defect and not of the crafting. Tokens stay in their lanes.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { batchPayload, generateAgentKeys, resultPayload, signPayload, type AgentKeyPair, type AgentResult, type LeaseReply, type LeasedJob, type ResultsRequest } from '../../src/agents/protocol.ts';
import { channelOfJob } from '../../src/agent/agent.ts';
import { createWebsiteProber } from '../../src/probers/website/http.ts';
import { page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { center, centralConfig, centralDb, createAgent, revokeAgent, startCentral, websiteChannel, type Central, type CreatedAgent } from '../helpers/vantage-e2e.ts';

const t = tempDir('rw-e2e-sec-');
let central: Central;
let site: LoopbackSite;
let agent: CreatedAgent;
let keys: AgentKeyPair;

beforeAll(async () => {
  site = await startSite({ routes: { '*': page('<title>ok</title>ok') } });
  central = await startCentral({
    dir: t.dir,
    registry: center('sec', websiteChannel('sec-web', `http://127.0.0.1:${site.port}/`, '1s', ['kz'])),
    config: centralConfig(t.dir),
  });
  agent = await createAgent(central, 'almaty-1', 'kz');
  keys = generateAgentKeys();
  const enrolled = await post('/agent/v1/enroll', agent.token, { publicKey: keys.publicKey, capabilities: ['website'], version: 'test', agentTime: Date.now() });
  expect(enrolled.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await central?.stop();
  await site?.close();
  t.remove();
});

async function post(route: string, token: string, body: unknown): Promise<{ status: number; body: { code?: string; message?: string } & Record<string, unknown> }> {
  const res = await fetch(`${central.url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { code?: string } & Record<string, unknown> };
}

function result(job: LeasedJob, key: AgentKeyPair = keys): AgentResult {
  const evidence = evidenceOf.get(job.jobId + job.slotAt) as Record<string, unknown>;
  const unsigned = { jobId: job.jobId, channelId: job.channel.id, method: job.method, slotAt: job.slotAt, startedAt: Date.now(), durationMs: 12, evidence };
  return { ...unsigned, signature: signPayload(key.privateKey, resultPayload(agent.id, unsigned)) };
}

/** Real evidence of each leased job, from the website prober the agent uses. */
const evidenceOf = new Map<string, Record<string, unknown>>();
async function probe(jobs: LeasedJob[]): Promise<void> {
  const prober = createWebsiteProber({ connectTimeoutMs: 10_000, tlsTimeoutMs: 10_000, headersTimeoutMs: 10_000, totalTimeoutMs: 20_000, maxRedirects: 5, userAgent: 'test' });
  for (const j of jobs) evidenceOf.set(j.jobId + j.slotAt, (await prober.probe(channelOfJob(j), { signal: AbortSignal.timeout(30_000) })) as unknown as Record<string, unknown>);
}

function batch(results: AgentResult[], seq: number, batchId = `b_${Math.random().toString(16).slice(2, 14)}`, key: AgentKeyPair = keys): ResultsRequest {
  const envelope = { batchId, seq, sentAt: Date.now(), results };
  return { ...envelope, signature: signPayload(key.privateKey, batchPayload(agent.id, envelope)) };
}

async function leaseSome(n: number): Promise<LeasedJob[]> {
  const jobs: LeasedJob[] = [];
  await until(
    `${n} leased jobs`,
    async () => {
      const r = await post('/agent/v1/lease', agent.token, { max: n - jobs.length, queueDepth: 0, oldestQueuedAt: null, agentTime: Date.now() });
      expect(r.status).toBe(200);
      jobs.push(...(r.body as unknown as LeaseReply).jobs);
      return jobs.length >= n;
    },
    60_000,
  );
  return jobs;
}

const stored = () =>
  centralDb(central, (db) => ({
    probes: (db.prepare('SELECT count(*) AS n FROM probes WHERE agent_id = ?').get(agent.id) as { n: number }).n,
    batches: (db.prepare('SELECT count(*) AS n FROM agent_batches WHERE agent_id = ?').get(agent.id) as { n: number }).n,
    done: (db.prepare('SELECT count(*) AS n FROM agent_jobs WHERE agent_id = ? AND done_at IS NOT NULL').get(agent.id) as { n: number }).n,
  }));

test(
  'forged, tampered, replayed and revoked-agent batches are refused with their codes and store nothing; tokens work only in their own lane',
  async () => {
    const jobs = await leaseSome(4);
    const [j1, j2, j3, j4] = jobs as [LeasedJob, LeasedJob, LeasedJob, LeasedJob];
    await probe(jobs);

    // A well-formed batch is stored: the crafting is right.
    const good = batch([result(j1)], 1);
    const ok = await post('/agent/v1/results', agent.token, good);
    expect(ok.status).toBe(200);
    expect((ok.body.results as { verdict: string }[]).map((r) => r.verdict)).toEqual(['stored']);
    const before = stored();
    expect(before).toEqual({ probes: 1, batches: 1, done: 1 });

    // A result signed by another key poisons its whole batch, the honest result beside it included.
    const intruder = generateAgentKeys();
    const forged = await post('/agent/v1/results', agent.token, batch([result(j2), result(j3, intruder)], 2));
    expect(forged).toMatchObject({ status: 400, body: { code: 'signature_invalid' } });
    // Evidence changed after signing (a "reachable" made up on the way): the signature no longer covers it.
    const honest = result(j2);
    const tampered = await post('/agent/v1/results', agent.token, batch([{ ...honest, evidence: { ...honest.evidence, hops: [] } }], 2));
    expect(tampered).toMatchObject({ status: 400, body: { code: 'signature_invalid' } });
    // A batch signed by another key.
    const wrongBatchKey = await post('/agent/v1/results', agent.token, batch([result(j2)], 2, undefined, intruder));
    expect(wrongBatchKey).toMatchObject({ status: 400, body: { code: 'signature_invalid' } });
    expect(stored()).toEqual(before);

    // Replays: the stored batch again is acknowledged, not stored twice; an old seq with a new id is refused.
    const again = await post('/agent/v1/results', agent.token, good);
    expect(again).toMatchObject({ status: 409, body: { code: 'batch_already_ingested' } });
    const replayed = await post('/agent/v1/results', agent.token, batch([result(j1)], 1));
    expect(replayed).toMatchObject({ status: 409, body: { code: 'batch_replayed' } });
    expect(stored()).toEqual(before);

    // Tokens stay in their lanes: the admin's API token is no agent token, and the agent's opens no API route.
    expect((await post('/agent/v1/results', central.adminToken, batch([result(j2)], 3))).status).toBe(401);
    const apiWithAgentToken = await fetch(`${central.url}/api/v1/agents`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(apiWithAgentToken.status).toBe(401);
    expect(stored()).toEqual(before);

    // Revoked: its next batch, however well signed, is refused and stores nothing.
    await revokeAgent(central, agent.id);
    const revoked = await post('/agent/v1/results', agent.token, batch([result(j2), result(j4)], 3));
    expect(revoked).toMatchObject({ status: 403, body: { code: 'agent_revoked' } });
    expect((await post('/agent/v1/lease', agent.token, { max: 1, queueDepth: 0, oldestQueuedAt: null, agentTime: Date.now() })).status).toBe(403);
    expect(stored()).toEqual(before);
  },
  180_000,
);
