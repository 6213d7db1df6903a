// Signed Twilio status callbacks handled per second by the real daemon: Fastify + formbody, the
// X-Twilio-Signature check (twilio.validateRequest), the attempt lookup, CallLedger.apply (one SQLite
// transaction per callback, WAL + synchronous=FULL), production logging at info to /dev/null.
// Load comes from a child process over keep-alive loopback HTTP; 1 % of it is forged.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { CallLedger } from '../../src/probers/phone/call-ledger.ts';
import type { DB } from '../../src/store/db.ts';
import { FORGED_SEQ_BASE, startCallbackLoad, type CallbackLoad, type LoadAttempt, type LoadReport } from '../lib/callback-load.ts';
import { BENCH_ACCOUNT_SID, BENCH_AUTH_TOKEN, phoneNumberOf, startPhoneBench } from '../lib/phone-daemon.ts';
import type { BenchContext, BenchOptions, BenchSection, SectionReport, Verdict } from '../lib/section.ts';
import { fmtInt, fmtMB, fmtMs, fmtPct, ProcessSampler, procCpuSeconds, renderTable, sleep } from '../lib/stats.ts';

export const CALLBACK_TARGET_PER_S = 3000;
const IN_FLIGHT = 64;
const FORGED_EVERY = 100; // 1 %
const FROM = '+15005550006';

export const callbacksSection: BenchSection = {
  name: 'callbacks',
  title: 'Signed Twilio status callbacks: signature check → ledger → SQLite (real daemon, loopback HTTP)',
  async run(opts: BenchOptions, ctx: BenchContext): Promise<SectionReport> {
    const attemptCount = opts.quick ? 200 : 2000;
    ctx.progress(`callbacks: daemon with ${attemptCount} phone channels and as many call attempts`);
    // No scheduled call methods: the daemon only answers webhooks, so its CPU is the callbacks'.
    const bench = await startPhoneBench({ channels: attemptCount, telephony: { methods: [] }, logLevel: 'info' });
    let load: CallbackLoad | null = null;
    try {
      const attempts = beginAttempts(bench.telephony.ledger, bench.daemon.db, bench.channelIds);
      load = startCallbackLoad({
        origin: bench.daemon.url,
        publicUrl: bench.publicUrl,
        authToken: BENCH_AUTH_TOKEN,
        accountSid: BENCH_ACCOUNT_SID,
        from: FROM,
        attempts,
        concurrency: IN_FLIGHT,
        forgedEvery: FORGED_EVERY,
      });
      ctx.progress(`callbacks: ${IN_FLIGHT} in flight from a child process, 1 in ${FORGED_EVERY} forged; warming up ${opts.warmupS} s`);
      await sleep(opts.warmupS * 1000);

      const sampler = new ProcessSampler();
      const genCpu0 = procCpuSeconds(load.pid);
      load.measure();
      const t0 = performance.now();
      await sleep(opts.durationS * 1000);
      const windowS = (performance.now() - t0) / 1000;
      const genCpu1 = procCpuSeconds(load.pid);
      const proc = sampler.stop();
      const report = await load.stop();

      const db = bench.daemon.db;
      const rows = (db.prepare('SELECT count(*) AS n FROM call_events').get() as { n: number }).n;
      const forgedRows = (db.prepare("SELECT count(*) AS n FROM call_events WHERE CAST(substr(key, 8) AS INTEGER) >= ?").get(FORGED_SEQ_BASE) as { n: number }).n;
      const r = summarise(report, windowS, rows, forgedRows);
      const data = {
        attempts: attemptCount,
        inFlight: IN_FLIGHT,
        forgedEvery: FORGED_EVERY,
        ...r,
        daemonCpuCores: proc.cpuCores,
        eventLoopUtilisation: proc.elu,
        eventLoopDelayP99Ms: proc.loopDelayP99Ms,
        generatorCpuCores: genCpu0 !== null && genCpu1 !== null ? (genCpu1 - genCpu0) / windowS : null,
        peakRssBytes: proc.peakRss,
        lastError: report.lastError,
      };
      const verdicts: Verdict[] = [];
      if (!opts.quick) {
        verdicts.push({ target: `≥ ${fmtInt(CALLBACK_TARGET_PER_S)} signed status callbacks/s with signature checks on`, pass: r.callbacksPerS >= CALLBACK_TARGET_PER_S, measured: `${fmtInt(r.callbacksPerS)}/s` });
      }
      verdicts.push(
        {
          target: 'every signed callback answered 2xx and stored once (call_events rows = accepted)',
          pass: r.valid > 0 && r.accepted === r.valid && rows === r.accepted,
          measured: `${fmtInt(r.accepted)} of ${fmtInt(r.valid)} accepted, ${fmtInt(rows)} rows`,
        },
        {
          target: 'every forged callback refused with 403, none stored',
          pass: r.forged > 0 && r.forgedRefused === r.forged && forgedRows === 0,
          measured: `${fmtInt(r.forgedRefused)} of ${fmtInt(r.forged)} got 403, ${fmtInt(forgedRows)} stored`,
        },
      );
      const text = [
        `${fmtInt(attemptCount)} call attempts; each callback a new (attempt, SequenceNumber), ~${fmtInt(r.totalSent / attemptCount)} per attempt over the run. ` +
          `Log level info (Fastify's request lines) to /dev/null; SQLite WAL + synchronous=FULL, one transaction per callback.`,
        '',
        table(data),
      ].join('\n');
      return { name: this.name, text, verdicts, data };
    } finally {
      load?.kill();
      await bench.close();
    }
  },
};

/** Records one answered call attempt per channel, as the call prober does before and after calls.create. */
function beginAttempts(ledger: CallLedger, db: DB, channelIds: string[]): LoadAttempt[] {
  const out: LoadAttempt[] = [];
  const now = Date.now();
  // One transaction: 2,000 autocommits would each wait for an fsync.
  db.transaction(() => {
    channelIds.forEach((channelId, i) => {
      const id = ledger.newAttemptId();
      const to = phoneNumberOf(i);
      if (!ledger.begin({ id, channelId, number: to, dueAt: now, startedAt: now, estimatedCost: 0.25 })) throw new Error(`no channel ${channelId}`);
      const callSid = `CA${randomBytes(16).toString('hex')}`;
      ledger.setCallSid(id, callSid);
      out.push({ id, callSid, to });
    });
  })();
  return out;
}

function summarise(report: LoadReport, windowS: number, rows: number, forgedRows: number) {
  const sum = (by: Record<string, number>, pick: (status: string) => boolean): number => Object.entries(by).reduce((s, [k, n]) => (pick(k) ? s + n : s), 0);
  const is2xx = (s: string): boolean => /^2\d\d$/.test(s);
  const w = report.window;
  const t = report.total;
  return {
    windowS,
    callbacksPerS: sum(w.validByStatus, is2xx) / windowS,
    requestsPerS: (w.valid + w.forged) / windowS,
    latencyMs: w.latencyMs,
    windowShare2xx: w.valid > 0 ? sum(w.validByStatus, is2xx) / w.valid : null,
    windowStatuses: w.validByStatus,
    totalSent: t.valid + t.forged,
    valid: t.valid,
    accepted: sum(t.validByStatus, is2xx),
    forged: t.forged,
    forgedRefused: t.forgedByStatus['403'] ?? 0,
    forgedStatuses: t.forgedByStatus,
    rows,
    forgedRows,
  };
}

function table(d: ReturnType<typeof summarise> & { inFlight: number; daemonCpuCores: number; eventLoopUtilisation: number; eventLoopDelayP99Ms: number; generatorCpuCores: number | null; peakRssBytes: number }): string {
  const statuses = (by: Record<string, number>): string => Object.entries(by).map(([k, n]) => `${k} × ${fmtInt(n)}`).join(', ') || '—';
  const rows: [string, string][] = [
    ['signed callbacks applied/s (2xx)', fmtInt(d.callbacksPerS)],
    ['requests/s incl. forged', fmtInt(d.requestsPerS)],
    ['latency p50 / p95 / p99 / max', `${fmtMs(d.latencyMs.p50)} / ${fmtMs(d.latencyMs.p95)} / ${fmtMs(d.latencyMs.p99)} / ${fmtMs(d.latencyMs.max)}`],
    ['2xx share of signed callbacks (window)', `${fmtPct(d.windowShare2xx)} (${statuses(d.windowStatuses)})`],
    ['whole run: signed sent / accepted / call_events rows', `${fmtInt(d.valid)} / ${fmtInt(d.accepted)} / ${fmtInt(d.rows)}`],
    ['whole run: forged sent / 403 / stored', `${fmtInt(d.forged)} / ${fmtInt(d.forgedRefused)} / ${fmtInt(d.forgedRows)}`],
    ['requests in flight (keep-alive connections)', fmtInt(d.inFlight)],
    ['CPU: daemon / load generator (cores)', `${d.daemonCpuCores.toFixed(2)} / ${d.generatorCpuCores?.toFixed(2) ?? '—'}`],
    ['event-loop utilisation / delay p99', `${fmtPct(d.eventLoopUtilisation)} / ${fmtMs(d.eventLoopDelayP99Ms)}`],
    ['peak RSS in window (daemon)', fmtMB(d.peakRssBytes)],
  ];
  return renderTable([`measured over ${d.windowS.toFixed(1)} s`, 'value'], rows);
}
