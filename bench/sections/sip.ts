// SIP probes one process sustains: the real sip prober (one baresip per call, driven over ctrl_tcp)
// calling a SIPp callee world on 127.0.0.1, N calls at a time. Two kinds of call: a failure after
// ringing (signalling only: 180, then 486 with its Q.850 cause) and an answered call with 4 s of
// audio recorded, kept as an A-law clip and analysed (tones, fingerprint, matched against a label of
// that announcement, so the call is classified by the label as in production). Figures: calls/s, the
// wall time of a call, and CPU per call: this process plus its baresip children (reaped, so counted
// in our cutime/cstime), from /proc.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Announcements } from '../../src/audio/labels.ts';
import { classify } from '../../src/classifier/classifier.ts';
import type { Channel } from '../../src/domain.ts';
import { CallLedger } from '../../src/probers/phone/call-ledger.ts';
import { createSipProber } from '../../src/probers/sip/prober.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase } from '../../src/store/db.ts';
import { calleeAudio, startCallee, type CalleeOptions } from '../../simulators/sip/callee.ts';
import type { BenchContext, BenchOptions, BenchSection, SectionReport } from '../lib/section.ts';
import { fmtInt, percentile, renderTable } from '../lib/stats.ts';

/** CPU seconds of this process and of its children that ended, from /proc/self/stat. */
function cpuWithChildren(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime: fields 14 to 17 (USER_HZ 100).
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}

interface SipRun {
  kind: string;
  concurrency: number;
  calls: number;
  wallS: number;
  callsPerS: number;
  cpuMsPerCall: number;
  p50CallMs: number | null;
  p95CallMs: number | null;
  /** Calls whose class was not the expected one (a sign of overload: a late answer, a lost key). */
  wrong: number;
  /** Their outcomes and reasons, to say what went wrong. */
  wrongAs: string[];
}

export const sipSection: BenchSection = {
  name: 'sip',
  title: 'SIP probes: concurrent calls through baresip against SIPp (one process)',
  async run(opts: BenchOptions, ctx: BenchContext): Promise<SectionReport> {
    const dir = mkdtempSync(path.join(tmpdir(), 'reachwatch-bench-sip-'));
    try {
      const db = openDatabase(path.join(dir, 'data'));
      const channels = 64;
      const reg = Array.from({ length: channels }, (_, i) => `- id: c${i}\n  name: C${i}\n  kind: hotline\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: phone, value: "+7717200${String(1000 + i)}", methods: [sip]}\n`).join('');
      writeFileSync(path.join(dir, 'centers.yaml'), reg);
      const centers = assertLoadable(parseRegistry(reg, 'centers.yaml'));
      syncRegistry(db, centers, 'centers.yaml', 'bench');
      const chans: Channel[] = centers.map((c) => c.channels[0] as Channel);
      const audio = await calleeAudio(dir);
      const labels = (
        await (async () => {
          const a = new Announcements(db, path.join(dir, 'data'));
          await a.label({ name: 'bench: switched off (ru)', outcome: 'unavailable', reason: 'switched_off', wav: readFileSync(audio.switchedOffRu), source: 'bench', by: 'bench' });
          return a;
        })()
      ).labels();

      const runOne = async (kind: string, callee: CalleeOptions, expected: string, concurrency: number, calls: number): Promise<SipRun> => {
        const c = await startCallee(callee);
        try {
          const prober = createSipProber({
            trunk: { name: 'bench', proxy: c.proxy, domain: '127.0.0.1', transport: 'udp', user: 'bench', password: null, caFile: null },
            baresip: '/usr/bin/baresip',
            listen: '127.0.0.1:0',
            netInterface: '127.0.0.1',
            dataDir: path.join(dir, 'data'),
            ledger: new CallLedger(db),
            rules: { window: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '23:59' }, perNumberPerDay: 1e6, perNumberPerWeek: 1e6, estimatedCallCost: 0, monthlySpendCap: 1e9 },
            callsPerSecond: 1000,
            maxConcurrentCalls: concurrency,
            ringTimeoutMs: 10_000,
            listenMs: 6000,
            menuWaitMs: 6000,
            clipCapMs: 30_000,
            labels: () => labels,
            speech: null,
            menu: false,
            tzOf: () => 'Asia/Almaty',
            followUpMs: 3_600_000,
          });
          ctx.progress(`sip: ${calls} calls (${kind}), ${concurrency} at a time`);
          const durations: number[] = [];
          let wrong = 0;
          const wrongAs: string[] = [];
          let next = 0;
          const cpu0 = cpuWithChildren();
          const t0 = performance.now();
          await Promise.all(
            Array.from({ length: concurrency }, async () => {
              for (let i = next++; i < calls; i = next++) {
                const s = performance.now();
                const e = await prober.probe(chans[i % chans.length] as Channel, { signal: AbortSignal.timeout(60_000) });
                durations.push(performance.now() - s);
                const v = classify(e);
                if (v.outcome !== expected) {
                  wrong++;
                  wrongAs.push(`${v.outcome}/${v.reason}: ${v.detail}`);
                }
              }
            }),
          );
          const wallS = (performance.now() - t0) / 1000;
          const cpuS = cpuWithChildren() - cpu0;
          durations.sort((a, b) => a - b);
          return { kind, concurrency, calls, wallS, callsPerS: calls / wallS, cpuMsPerCall: (cpuS * 1000) / calls, p50CallMs: percentile(durations, 50), p95CallMs: percentile(durations, 95), wrong, wrongAs };
        } finally {
          await c.stop();
        }
      };

      const runs: SipRun[] = [];
      const busy: CalleeOptions = { scenario: 'reject', values: { code: '486', reason: 'Busy Here', cause: '17', text: 'User busy' } };
      const answered: CalleeOptions = { scenario: 'answer-announce-bye', audio: { 'announcement.wav': [audio.switchedOffRu] } };
      for (const concurrency of opts.quick ? [4] : [1, 8, 16, 32]) {
        runs.push(await runOne('486 after ringing', busy, 'busy', concurrency, opts.quick ? 8 : Math.max(20, concurrency * 4)));
      }
      for (const concurrency of opts.quick ? [4] : [8, 16, 32]) {
        runs.push(await runOne('answered, 4 s of audio kept and analysed', answered, 'unavailable', concurrency, opts.quick ? 4 : concurrency * 3));
      }
      db.close();
      const rows = runs.map((r) => [
        r.kind,
        String(r.concurrency),
        fmtInt(r.calls),
        r.callsPerS.toFixed(2),
        `${fmtInt(r.p50CallMs)} / ${fmtInt(r.p95CallMs)}`,
        fmtInt(r.cpuMsPerCall),
        String(r.wrong),
      ]);
      const misses = runs.flatMap((r) => r.wrongAs.map((w) => `  ${r.kind}, ${r.concurrency} at a time: ${w}`));
      const text = (misses.length ? (x: string) => `${x}\nmisclassified calls:\n${misses.join('\n')}` : (x: string) => x)(renderTable(['calls', 'at a time', 'calls', 'calls/s', 'call wall ms p50 / p95', 'CPU ms per call (us + baresip)', 'misclassified'], rows));
      return {
        name: this.name,
        text,
        verdicts: [{ target: 'every SIP call classified as the callee behaved', pass: runs.every((r) => r.wrong === 0), measured: `${runs.reduce((s, r) => s + r.wrong, 0)} wrong` }],
        data: { runs },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
