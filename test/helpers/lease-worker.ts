// A worker thread that leases slots through its own connection to a database file, for the test that
// two agents leasing at the same moment never get the same slot (test/store/agent-jobs.test.ts). It
// waits on a shared flag so both workers start together, leases one slot at a time until none is
// left, and posts what it got.

import { parentPort, workerData } from 'node:worker_threads';
import { AgentJobs } from '../../src/store/agent-jobs.ts';
import { openDatabase } from '../../src/store/db.ts';

const { dir, agentId, vantage, now, start } = workerData as { dir: string; agentId: string; vantage: string; now: number; start: SharedArrayBuffer };
const db = openDatabase(dir, { busyTimeoutMs: 60_000 });
const jobs = new AgentJobs(db);
const flag = new Int32Array(start);
Atomics.add(flag, 1, 1);
Atomics.wait(flag, 0, 0);
const got: string[] = [];
for (;;) {
  const leased = jobs.lease({ agentId, vantage, methods: ['http'], shortCodes: false, max: 1, now, leaseMs: { http: 90_000 } });
  if (leased.length === 0) break;
  for (const j of leased) got.push(`${j.jobId}/${j.slotAt}`);
}
db.close();
parentPort?.postMessage(got);
