// Evidence for auditors, measured: writing probes into the hash chain, `verify` speed, evidence
// export throughput, and a quarter's availability report for 1,000 centers from rollups.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { exportEvidence } from '../../src/export/evidence.ts';
import { loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { DB_FILE_NAME, openDatabase } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { verifyDatabase } from '../../src/store/verify.ts';
import type { ProbeRecord } from '../../src/domain.ts';
import type { BenchContext, BenchOptions, BenchSection, SectionReport, Verdict } from '../lib/section.ts';
import { fmtInt, renderTable } from '../lib/stats.ts';
import { quarterReport } from '../lib/report-bench.ts';

const TARGETS = { verifyPerS: 500_000, reportS: 1 };

export const evidenceSection: BenchSection = {
  name: 'evidence',
  title: 'Evidence for auditors: the hash chain, verify, export and a quarter report',
  async run(opts: BenchOptions, ctx: BenchContext): Promise<SectionReport> {
    const probes = opts.quick ? 50_000 : 2_000_000;
    const dir = mkdtempSync(path.join(tmpdir(), 'reachwatch-bench-evidence-'));
    try {
      // --- write probes through the real writer (hash chain, rollups, channel state) ---
      const registryFile = path.join(dir, 'centers.yaml');
      const centers = 1000;
      writeFileSync(
        registryFile,
        Array.from({ length: centers }, (_, i) => `- id: c${i}\n  name: C${i}\n  kind: rehabilitation_center\n  tz_iana: Asia/Almaty\n  channels:\n    - {type: website, value: "https://c${i}.example.kz/"}\n`).join(''),
      );
      const dataDir = path.join(dir, 'data');
      const db = openDatabase(dataDir);
      syncRegistry(db, loadRegistry(registryFile).centers, registryFile, 'bench');
      const writer = new ProbeWriter(db, { rules: { confirmations: 3 }, batchMaxRows: 5000, flushIntervalMs: 50, defaultTz: 'Asia/Almaty' });
      const evidence = { method: 'http', v: 1, url: 'https://c1.example.kz/', hops: [{ url: 'https://c1.example.kz/', status: 200, timings: { dnsMs: 1.2, connectMs: 3.4, tlsMs: 12.1, ttfbMs: 40.2, totalMs: 48.9 } }], title: 'Center', bodySha256: 'ab'.repeat(32) };
      const start = Date.now() - 91 * 86_400_000;
      const step = (91 * 86_400_000) / (probes / centers);
      ctx.progress(`evidence: writing ${fmtInt(probes)} probes through the ProbeWriter (chain + rollups)`);
      const t0 = performance.now();
      for (let i = 0; i < probes; i += 5000) {
        const batch: Promise<unknown>[] = [];
        for (let j = i; j < Math.min(probes, i + 5000); j++) {
          const at = Math.round(start + Math.floor(j / centers) * step);
          const outcome = j % 97 === 0 ? 'unavailable' : 'reachable';
          const rec: ProbeRecord = {
            channelId: `c${j % centers}--web-c${j % centers}-example-kz`, jobId: null, dueAt: at, startedAt: at, durationMs: 48.9, evidence,
            classification: { outcome, reason: outcome === 'reachable' ? 'ok' : 'http_5xx', detail: '', flags: [] },
          };
          batch.push(writer.add(rec));
        }
        writer.flush();
        await Promise.all(batch);
      }
      const writeS = (performance.now() - t0) / 1000;
      writer.close();
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      const file = path.join(dataDir, DB_FILE_NAME);

      // --- verify ---
      ctx.progress('evidence: verify (worker threads), then single-threaded');
      const v0 = performance.now();
      const reports = await verifyDatabase(file);
      const verifyS = (performance.now() - v0) / 1000;
      const records = reports.reduce((s, r) => s + r.records, 0);
      const v1 = performance.now();
      await verifyDatabase(file, { workers: 0 });
      const verify1S = (performance.now() - v1) / 1000;

      // --- export ---
      ctx.progress('evidence: exporting a bundle of every probe');
      const rdb = new Database(file, { readonly: true });
      const e0 = performance.now();
      const manifest = await exportEvidence(rdb, { from: 0, to: Date.now() + 1 }, path.join(dir, 'bundle'));
      const exportS = (performance.now() - e0) / 1000;
      rdb.close();
      const exportBytes = manifest.files.reduce((s, f) => s + f.bytes, 0);

      // --- a quarter's report from rollups of 10 million probes ---
      ctx.progress('evidence: a quarter report for 1,000 centers from rollups of 10 million probes');
      const report = await quarterReport(dir, opts.quick ? 100 : 1000, opts.quick ? 1_000_000 : 10_000_000);

      const data = {
        probes, writeS, writePerS: probes / writeS, records, verifyS, verifyPerS: records / verifyS, verifySingleS: verify1S, verifySinglePerS: records / verify1S,
        allOk: reports.every((r) => r.ok), exportS, exportBytes, exportMBPerS: exportBytes / 1048576 / exportS, report,
      };
      const verdicts: Verdict[] = [
        { target: 'the chain verifies', pass: data.allOk, measured: data.allOk ? 'ok' : 'BAD' },
        ...(opts.quick
          ? []
          : [
              { target: `verify ≥ ${fmtInt(TARGETS.verifyPerS)} records/s`, pass: data.verifyPerS >= TARGETS.verifyPerS, measured: `${fmtInt(data.verifyPerS)}/s` },
              { target: `quarter report for 1,000 centers < ${TARGETS.reportS} s`, pass: report.medianS < TARGETS.reportS, measured: `${report.medianS.toFixed(3)} s` },
            ]),
      ];
      const rows: string[][] = [
        ['probes written through the ProbeWriter (chain + rollups + state)', `${fmtInt(probes)} in ${writeS.toFixed(1)} s (${fmtInt(data.writePerS)}/s)`],
        ['verify, worker threads (all chains)', `${fmtInt(records)} records in ${verifyS.toFixed(2)} s: ${fmtInt(data.verifyPerS)} records/s`],
        ['verify, one thread', `${verify1S.toFixed(2)} s: ${fmtInt(data.verifySinglePerS)} records/s`],
        ['evidence export (NDJSON + manifest)', `${(exportBytes / 1048576).toFixed(1)} MB in ${exportS.toFixed(2)} s: ${data.exportMBPerS.toFixed(1)} MB/s`],
        ['quarter report (JSON), 1,000 centers, rollups of 10 M probes: median / max of 5', `${report.medianS.toFixed(3)} s / ${report.maxS.toFixed(3)} s (${fmtInt(report.channelHours)} channel-hours)`],
      ];
      return { name: this.name, text: renderTable(['measured', 'value'], rows), verdicts, data };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
