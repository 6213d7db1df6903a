// The central's side of agents' jobs (issue 15): how fast it opens the slots of a vantage point's jobs
// (the monitor opens each scheduler tick's slots in one transaction) and how fast agents lease them
// over real HTTP on 127.0.0.1 (four agents of one point asking at once, 100 jobs per request, each
// request also a heartbeat). With it, how many channels one central can hand to agents: a channel
// probed every 5 minutes from one point is one slot opened and one leased per 300 s.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { buildApp } from '../../src/api/app.ts';
import { leaseDurations } from '../../src/agents/leasing.ts';
import { generateAgentKeys } from '../../src/agents/protocol.ts';
import { Agents } from '../../src/agents/registry.ts';
import { buildConfig } from '../../src/config/config.ts';
import { loadRegistry, registryOptionsFor } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { AgentJobs, type SlotOpening } from '../../src/store/agent-jobs.ts';
import { openDatabase } from '../../src/store/db.ts';
import type { BenchOptions, BenchSection, SectionReport, Verdict } from '../lib/section.ts';
import { fmtInt, percentile, renderTable } from '../lib/stats.ts';

const AGENTS = 4;
const PER_REQUEST = 100;
/** Slots opened per transaction: what one scheduler tick of a large registry opens at once. */
const TICK = 500;
/** The interval the "channels served" figure assumes. */
const EVERY_S = 300;

export const agentsLeaseSection: BenchSection = {
  name: 'agents-lease',
  title: "Slots of agents' jobs opened and leased at the central (slots/s)",
  async run(opts: BenchOptions): Promise<SectionReport> {
    const channels = opts.quick ? 1_000 : 10_000;
    const rounds = opts.quick ? 1 : 5;
    const dir = mkdtempSync(path.join(tmpdir(), 'reachwatch-bench-lease-'));
    const log = pino({ level: 'silent' });
    try {
      const registryFile = path.join(dir, 'centers.yaml');
      writeFileSync(registryFile, Array.from({ length: channels }, (_, i) => `- id: c${i}\n  name: C${i}\n  kind: hotline\n  channels:\n    - {type: website, value: "https://c${i}.example.kz/"}\n`).join(''));
      const config = buildConfig(
        { registry: { file: registryFile, watch: false }, vantage: { points: { kz: { domestic: true } }, defaults: { website: ['kz'] }, agent_rate: 100_000 } },
        {},
        null,
        (k) => k.join('.'),
        dir,
      );
      const db = openDatabase(path.join(dir, 'data'));
      const load = loadRegistry(registryFile, registryOptionsFor(config));
      syncRegistry(db, load.centers, registryFile, 'bench');
      const channelIds = load.centers.flatMap((c) => c.channels.map((ch) => ch.id));
      const app = await buildApp({ db, monitor: null, logger: log, vantage: config.vantage, leaseDurations: leaseDurations(config), http: { ...config.http, rateLimit: { max: 0, windowMs: 60_000 } } });
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const registry = new Agents(db, { points: ['kz'] });
      const tokens: string[] = [];
      for (let a = 0; a < AGENTS; a++) {
        const { token } = registry.create({ name: `lease-${a}`, vantage: 'kz', createdBy: 'bench' });
        const res = await fetch(`${url}/agent/v1/enroll`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ publicKey: generateAgentKeys().publicKey, capabilities: ['website'], version: 'bench', agentTime: Date.now() }),
        });
        if (res.status !== 200) throw new Error(`enrollment failed: ${res.status} ${await res.text()}`);
        tokens.push(token);
      }
      const jobs = new AgentJobs(db);

      let openS = 0;
      let leaseS = 0;
      let leased = 0;
      const latencies: number[] = [];
      for (let round = 0; round < rounds; round++) {
        // One slot per channel, as when every channel's job comes due within one interval.
        const slotAt = Date.now() - 1000 + round;
        const slots: SlotOpening[] = channelIds.map((id) => ({ jobId: `${id}#http@kz`, channelId: id, method: 'http', vantage: 'kz', slotAt, expiresAt: slotAt + 3_600_000, nextSlotAt: slotAt + 3_600_000 }));
        const o0 = performance.now();
        for (let i = 0; i < slots.length; i += TICK) jobs.openSlots(slots.slice(i, i + TICK));
        openS += (performance.now() - o0) / 1000;

        const l0 = performance.now();
        await Promise.all(
          tokens.map(async (token) => {
            for (;;) {
              const q0 = performance.now();
              const res = await fetch(`${url}/agent/v1/lease`, {
                method: 'POST',
                headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
                body: JSON.stringify({ max: PER_REQUEST, queueDepth: 0, oldestQueuedAt: null, agentTime: Date.now() }),
              });
              if (res.status !== 200) throw new Error(`lease: ${res.status} ${await res.text()}`);
              const got = ((await res.json()) as { jobs: unknown[] }).jobs.length;
              latencies.push(performance.now() - q0);
              leased += got;
              if (got === 0) return;
            }
          }),
        );
        leaseS += (performance.now() - l0) / 1000;
      }
      const total = channels * rounds;
      const counts = db.prepare(`SELECT count(*) AS slots, sum(leases = 1) AS once, count(DISTINCT job_id || '@' || slot_at) AS distinctSlots FROM agent_jobs`).get() as { slots: number; once: number; distinctSlots: number };
      await app.close();
      db.close();

      latencies.sort((a, b) => a - b);
      const openPerS = total / openS;
      const leasePerS = total / leaseS;
      // Each channel probed every EVERY_S from one point costs one slot opened and one leased per EVERY_S.
      const servedChannels = Math.floor(Math.min(openPerS, leasePerS) * EVERY_S);
      const data = {
        channels,
        rounds,
        slots: total,
        leased,
        leasedOnce: counts.once,
        openPerS,
        leasePerS,
        leaseRequestMs: { n: latencies.length, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
        channelsServedAt5m: servedChannels,
      };
      const verdicts: Verdict[] = [
        {
          target: 'every slot opened once and leased exactly once by one of the four agents',
          pass: counts.slots === total && counts.distinctSlots === total && counts.once === total && leased === total,
          measured: `${fmtInt(counts.slots)} slots, ${fmtInt(counts.once)} leased once, ${fmtInt(leased)} jobs handed out`,
        },
      ];
      const rows: string[][] = [
        [`slots opened, ${TICK} per transaction`, `${fmtInt(total)} in ${openS.toFixed(2)} s: ${fmtInt(openPerS)} slots/s`],
        [`leased over HTTP: ${AGENTS} agents at once, ${PER_REQUEST} per request`, `${fmtInt(total)} in ${leaseS.toFixed(2)} s: ${fmtInt(leasePerS)} slots/s`],
        ['one lease request (p50 / p99)', `${(data.leaseRequestMs.p50 ?? 0).toFixed(1)} ms / ${(data.leaseRequestMs.p99 ?? 0).toFixed(1)} ms`],
        [`channels one point's agents can be handed, each every ${EVERY_S / 60} min (the slower of the two)`, fmtInt(servedChannels)],
      ];
      return { name: this.name, text: renderTable(['measured', 'value'], rows), verdicts, data };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
