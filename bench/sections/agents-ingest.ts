// Agents' results ingested at the central (issue 15): signed batches of 500 results pushed over real
// HTTP on 127.0.0.1 by four agents at once, each result's and each batch's Ed25519 signature checked,
// classified by the central's classifier and stored through the ProbeWriter (hash chain, rollups,
// per-point state, the slot closed). The peer figure, in the same run: the same records written
// straight into the ProbeWriter of a fresh database, without HTTP, JSON or signatures.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { buildApp } from '../../src/api/app.ts';
import { AgentJobs, type SlotOpening } from '../../src/store/agent-jobs.ts';
import { batchPayload, generateAgentKeys, resultPayload, signPayload, verifyPayload, publicKeyFromRaw, type AgentKeyPair, type AgentResult, type ResultsRequest } from '../../src/agents/protocol.ts';
import { Agents } from '../../src/agents/registry.ts';
import { classify } from '../../src/classifier/classifier.ts';
import { buildConfig, type Config } from '../../src/config/config.ts';
import { Monitor } from '../../src/daemon/monitor.ts';
import type { ProbeRecord } from '../../src/domain.ts';
import { loadRegistry } from '../../src/registry/load.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import type { BenchContext, BenchOptions, BenchSection, SectionReport, Verdict } from '../lib/section.ts';
import { fmtInt, renderTable } from '../lib/stats.ts';

const TARGET_PER_S = 5_000;
const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;
const BATCH = 500;
const AGENTS = 4;
const CHANNELS = 1000;
const EVIDENCE = {
  method: 'http',
  v: 1,
  url: 'https://c1.example.kz/',
  hops: [{ url: 'https://c1.example.kz/', status: 200, timings: { dnsMs: 1.2, connectMs: 3.4, tlsMs: 12.1, ttfbMs: 40.2, totalMs: 48.9 } }],
  title: 'Center',
  bodySha256: 'ab'.repeat(32),
};

interface Pusher {
  id: string;
  token: string;
  keys: AgentKeyPair;
  batches: ResultsRequest[];
}

function setUp(dir: string, name: string): { config: Config; db: DB; registryFile: string } {
  const registryFile = path.join(dir, `${name}-centers.yaml`);
  writeFileSync(
    registryFile,
    Array.from({ length: CHANNELS }, (_, i) => `- id: c${i}\n  name: C${i}\n  kind: rehabilitation_center\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: website, value: "https://c${i}.example.kz/"}\n`).join(''),
  );
  const dataDir = path.join(dir, `${name}-data`);
  const config = buildConfig(
    { registry: { file: registryFile, watch: false }, canaries: { urls: [] }, vantage: { points: { kz: { domestic: true } }, agent_rate: 100_000 } },
    { PORT: '0', HOST: '127.0.0.1', REACHWATCH_DATA_DIR: dataDir },
    null,
    (k) => k.join('.'),
    dir,
  );
  return { config, db: openDatabase(dataDir), registryFile };
}

export const agentsIngestSection: BenchSection = {
  name: 'agents-ingest',
  title: "Agents' results ingested at the central, signatures checked (results/s)",
  async run(opts: BenchOptions, ctx: BenchContext): Promise<SectionReport> {
    const total = opts.quick ? 4 * BATCH * 2 : 4 * BATCH * 50; // 4,000 or 100,000 results
    const dir = mkdtempSync(path.join(tmpdir(), 'reachwatch-bench-agents-'));
    const log = pino({ level: 'silent' });
    try {
      // --- the central: the real app and Monitor (not started: it probes nothing itself) ---
      const { config, db, registryFile } = setUp(dir, 'central');
      const monitor = new Monitor(db, config, log);
      monitor.applyRegistry(loadRegistry(registryFile));
      const app = await buildApp({ db, monitor, logger: log, vantage: config.vantage, http: { ...config.http, rateLimit: { max: 0, windowMs: 60_000 } } });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const channelIds = (db.prepare("SELECT id FROM channels WHERE type = 'website' ORDER BY ref").all() as { id: string }[]).map((r) => r.id);

      // --- the agents, their slots and their signed batches, prepared before measuring ---
      ctx.progress(`agents-ingest: opening ${fmtInt(total)} slots and signing ${fmtInt(total / BATCH)} batches`);
      const registry = new Agents(db, { points: ['kz'] });
      const jobs = new AgentJobs(db);
      const base = Date.now() - 86_400_000;
      const perAgent = total / AGENTS;
      const pushers: Pusher[] = [];
      const allRecords: { channelId: string; slotAt: number; agent: string; signature: string }[] = [];
      for (let a = 0; a < AGENTS; a++) {
        const { agent, token } = registry.create({ name: `bench-${a}`, vantage: 'kz', createdBy: 'bench' });
        const keys = generateAgentKeys();
        const enrolled = await fetch(`${url}/agent/v1/enroll`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ publicKey: keys.publicKey, capabilities: ['website'], version: 'bench', agentTime: Date.now() }),
        });
        if (enrolled.status !== 200) throw new Error(`enrollment failed: ${enrolled.status} ${await enrolled.text()}`);
        const p: Pusher = { id: agent.id, token, keys, batches: [] };
        const slots: SlotOpening[] = [];
        let results: AgentResult[] = [];
        for (let i = 0; i < perAgent; i++) {
          const n = a * perAgent + i;
          const channelId = channelIds[n % CHANNELS] as string;
          // Each result its own slot: agent a's i-th result of a channel is slot ⌊n / channels⌋.
          const slotAt = base + Math.floor(n / CHANNELS) * 60_000;
          const jobId = `${channelId}#http@kz`;
          slots.push({ jobId, channelId, method: 'http', vantage: 'kz', slotAt, expiresAt: slotAt + 86_400_000 * 2, nextSlotAt: slotAt + 60_000 });
          const unsigned = { jobId, channelId, method: 'http', slotAt, startedAt: slotAt + 1_500, durationMs: 48.9, evidence: EVIDENCE };
          const signature = signPayload(keys.privateKey, resultPayload(agent.id, unsigned));
          results.push({ ...unsigned, signature });
          allRecords.push({ channelId, slotAt, agent: agent.id, signature });
          if (results.length === BATCH) {
            const b = { batchId: `bench-${a}-${p.batches.length + 1}`, seq: p.batches.length + 1, sentAt: 0, results };
            p.batches.push({ ...b, signature: '' });
            results = [];
          }
        }
        for (let i = 0; i < slots.length; i += 5000) jobs.openSlots(slots.slice(i, i + 5000));
        pushers.push(p);
      }

      // --- measured: four agents push their batches at once, each in sequence (its seq grows) ---
      ctx.progress(`agents-ingest: ${AGENTS} agents pushing ${fmtInt(total)} results over HTTP`);
      let stored = 0;
      let other = 0;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await Promise.all(
        pushers.map(async (p) => {
          for (const b of p.batches) {
            // Signed as it leaves (its clock is sentAt), as the agent does when it persists the batch.
            b.sentAt = Date.now();
            b.signature = signPayload(p.keys.privateKey, batchPayload(p.id, b));
            const res = await fetch(`${url}/agent/v1/results`, { method: 'POST', headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' }, body: JSON.stringify(b) });
            if (res.status !== 200) throw new Error(`batch ${b.batchId}: ${res.status} ${await res.text()}`);
            const reply = (await res.json()) as { results: { verdict: string }[] };
            for (const r of reply.results) r.verdict === 'stored' ? stored++ : other++;
          }
        }),
      );
      const ingestS = (performance.now() - t0) / 1000;
      const ingestCpuS = cpuSeconds(process.cpuUsage(c0));
      const closed = (db.prepare('SELECT count(*) AS n FROM agent_jobs WHERE done_at IS NOT NULL AND probe_id IS NOT NULL').get() as { n: number }).n;
      await app.close();
      monitor.writer.close();
      db.close();

      // --- the signatures alone: verifying every result's signature once, in this process ---
      const key = publicKeyFromRaw((pushers[0] as Pusher).keys.publicKey);
      const sample = (pushers[0] as Pusher).batches.flatMap((b) => b.results);
      const s0 = performance.now();
      for (const r of sample) verifyPayload(key as NonNullable<typeof key>, resultPayload((pushers[0] as Pusher).id, r), r.signature);
      const verifyPerS = sample.length / ((performance.now() - s0) / 1000);

      // --- the peer: the same records straight into the ProbeWriter of a fresh database ---
      ctx.progress(`agents-ingest: the same ${fmtInt(total)} records straight into the ProbeWriter`);
      const peer = setUp(dir, 'peer');
      const { syncRegistry } = await import('../../src/registry/sync.ts');
      syncRegistry(peer.db, loadRegistry(peer.registryFile).centers, peer.registryFile, 'bench');
      const writer = new ProbeWriter(peer.db, { rules: { confirmations: 3 }, batchMaxRows: BATCH, flushIntervalMs: 50, defaultTz: 'Asia/Almaty' });
      const p0 = performance.now();
      const pc0 = process.cpuUsage();
      for (let i = 0; i < allRecords.length; i += BATCH) {
        const writes: Promise<unknown>[] = [];
        for (const r of allRecords.slice(i, i + BATCH)) {
          const rec: ProbeRecord = {
            channelId: r.channelId, jobId: `${r.channelId}#http@kz`, dueAt: r.slotAt, startedAt: r.slotAt + 1_500, durationMs: 48.9, evidence: EVIDENCE,
            classification: classify(EVIDENCE),
            vantage: { point: 'kz', agentId: r.agent, receivedAt: Date.now(), signature: r.signature },
          };
          writes.push(writer.add(rec));
        }
        writer.flush();
        await Promise.all(writes);
      }
      const peerS = (performance.now() - p0) / 1000;
      const peerCpuS = cpuSeconds(process.cpuUsage(pc0));
      writer.close();
      peer.db.close();

      const data = {
        results: total, agents: AGENTS, batchSize: BATCH, ingestS, ingestPerS: total / ingestS, ingestCpuS, ingestPerCpuS: total / ingestCpuS, peerCpuS, peerPerCpuS: total / peerCpuS, stored, notStored: other, slotsClosed: closed, verifyPerS, peerS, peerPerS: total / peerS };
      const verdicts: Verdict[] = [
        { target: 'every result stored once and its slot closed', pass: stored === total && other === 0 && closed === total, measured: `${fmtInt(stored)} stored, ${fmtInt(other)} not, ${fmtInt(closed)} slots closed` },
        ...(opts.quick ? [] : [{ target: `ingest ≥ ${fmtInt(TARGET_PER_S)} results/s with signatures checked`, pass: data.ingestPerS >= TARGET_PER_S, measured: `${fmtInt(data.ingestPerS)}/s` }]),
      ];
      const rows: string[][] = [
        [`ingest over HTTP: ${AGENTS} agents, batches of ${BATCH}, both signatures checked`, `${fmtInt(total)} in ${ingestS.toFixed(2)} s: ${fmtInt(data.ingestPerS)} results/s`],
        ['peer: the same records straight into the ProbeWriter (no HTTP, no signatures)', `${peerS.toFixed(2)} s: ${fmtInt(data.peerPerS)} results/s`],
        ['CPU time of this process (central and pushing agents, all threads): ingest / peer', `${ingestCpuS.toFixed(1)} s / ${peerCpuS.toFixed(1)} s: ${fmtInt(data.ingestPerCpuS)} / ${fmtInt(data.peerPerCpuS)} results per CPU-second`],
        ['load average when it ended (the machine is shared)', loadavg().map((l) => l.toFixed(1)).join(' ')],
        ['Ed25519 verification alone, one thread', `${fmtInt(verifyPerS)} signatures/s`],
      ];
      return { name: this.name, text: renderTable(['measured', 'value'], rows), verdicts, data };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
