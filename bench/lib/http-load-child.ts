// A GET load generator in its own process (so its CPU is not the daemon's): a closed loop of
// `concurrency` keep-alive requests over the given paths, warm-up first, then a measured window.

import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { HttpLoadReport, HttpLoadSpec } from './http-load.ts';
import { lagSummary } from './stats.ts';

process.once('message', (m: { type: 'start'; spec: HttpLoadSpec }) => {
  void run(m.spec).then((report) => process.send?.({ type: 'done', report }));
});

async function run(spec: HttpLoadSpec): Promise<HttpLoadReport> {
  const pool = new Pool(spec.origin, { connections: spec.concurrency, pipelining: 1 });
  const latencies: number[] = [];
  const byStatus: Record<string, number> = {};
  let measuring = false;
  let stopping = false;
  let next = 0;
  let lastError: string | null = null;
  const worker = async (): Promise<void> => {
    while (!stopping) {
      const path = spec.paths[next++ % spec.paths.length] as string;
      const t0 = performance.now();
      let status = 'error';
      try {
        const res = await pool.request({ path, method: 'GET' });
        await res.body.dump();
        status = String(res.statusCode);
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
      if (measuring) {
        latencies.push(performance.now() - t0);
        byStatus[status] = (byStatus[status] ?? 0) + 1;
      }
    }
  };
  const workers = Array.from({ length: spec.concurrency }, () => worker());
  await new Promise((r) => setTimeout(r, spec.warmupMs));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, spec.durationMs));
  measuring = false;
  const windowS = (performance.now() - t0) / 1000;
  stopping = true;
  await Promise.all(workers);
  await pool.close();
  const ok = Object.entries(byStatus).reduce((s, [k, n]) => (k.startsWith('2') ? s + n : s), 0);
  return { windowS, requests: latencies.length, ok, perS: ok / windowS, byStatus, latencyMs: lagSummary(latencies), lastError };
}
