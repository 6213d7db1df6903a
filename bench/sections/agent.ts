// A regional agent at work (issue 15): the real central daemon (`node src/main.ts`) with 1,000 website
// channels (`--quick`: 100) assigned to the vantage point `kz` only, and one real agent process
// (`reachwatch agent run`, with bin/reachwatch-agent's heap flags) that leases, probes loopback pages
// and pushes signed results. Measured over the window: the agent's RSS (sampled from /proc; target
// under 60 MB) and, at the central, the delay from each result's scheduled slot to its ingest
// (`vantage.receivedAt` in the stored evidence minus the probe's `due_at`), p50 and p99.

import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Agents } from '../../src/agents/registry.ts';
import { DB_FILE_NAME, openDatabase } from '../../src/store/db.ts';
import { freePort } from '../../simulators/ports.ts';
import { page, startSite } from '../../simulators/sites.ts';
import type { BenchContext, BenchOptions, BenchSection, SectionReport, Verdict } from '../lib/section.ts';
import { fmtInt, fmtMB, fmtMs, lagSummary, procCpuSeconds, renderTable, sleep } from '../lib/stats.ts';

const RSS_TARGET_BYTES = 60 * 1024 * 1024;
/** The flags bin/reachwatch-agent gives Node (kept in step with that script by a test). */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=2', '--max-old-space-size=64'];

function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function spawnLogged(args: string[], env: Record<string, string>, ready: RegExp | null): Promise<{ child: ChildProcess; logs: string[] }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        if (logs.length < 200) logs.push(l);
        if (ready?.test(l)) resolve({ child, logs });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}):\n${logs.join('\n')}`)));
    if (!ready) resolve({ child, logs });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await once(child, 'exit');
  clearTimeout(timer);
}

export const agentSection: BenchSection = {
  name: 'agent',
  title: 'A regional agent: its RSS with 1,000 channels assigned; slot-to-stored delay at the central',
  async run(opts: BenchOptions, ctx: BenchContext): Promise<SectionReport> {
    const channels = opts.quick ? 100 : 1000;
    const intervalS = opts.quick ? 2 : 10;
    const dir = mkdtempSync(path.join(tmpdir(), 'reachwatch-bench-agent-'));
    const site = await startSite({ routes: { '*': page('<title>Center</title><p>help</p>') } });
    let central: ChildProcess | null = null;
    let agent: ChildProcess | null = null;
    try {
      const registry = path.join(dir, 'centers.yaml');
      writeFileSync(
        registry,
        Array.from({ length: channels }, (_, i) => `- id: c${i}\n  name: C${i}\n  kind: rehabilitation_center\n  channels:\n    - {type: website, value: "http://127.0.0.1:${site.port}/c${i}", schedule: ${intervalS}s}\n`).join(''),
      );
      const centralConfig = path.join(dir, 'central.yaml');
      writeFileSync(
        centralConfig,
        JSON.stringify({
          registry: { file: registry, watch: false },
          canaries: { urls: [] },
          store: { flush_interval: '50ms' },
          vantage: { points: { kz: { domestic: true } }, defaults: { website: ['kz'] }, agent_rate: 1000 },
        }),
      );
      const dataDir = path.join(dir, 'central-data');
      const db = openDatabase(dataDir);
      const { token } = new Agents(db, { points: ['central', 'kz'] }).create({ name: 'bench-agent', vantage: 'kz', createdBy: 'bench' });
      db.close();
      const port = await freePort();
      ctx.progress(`agent: central with ${fmtInt(channels)} channels every ${intervalS} s, all for vantage point kz`);
      central = (await spawnLogged([path.resolve('src/main.ts')], { REACHWATCH_CONFIG: centralConfig, REACHWATCH_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, null)).child;
      // At warn the daemon prints nothing when it is up: wait for its health endpoint.
      for (let i = 0; i < 200; i++) {
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
        if (ok) break;
        await sleep(100);
      }
      const agentConfig = path.join(dir, 'agent.yaml');
      writeFileSync(
        agentConfig,
        JSON.stringify({
          agent: { central_url: `http://127.0.0.1:${port}`, data_dir: path.join(dir, 'agent-data'), concurrency: 32, lease_batch: 100, push_batch: 200, poll_interval: '500ms' },
          canaries: { urls: [] },
          website: { total_timeout: '5s' },
        }),
      );
      agent = (await spawnLogged([...AGENT_NODE_FLAGS, path.resolve('src/cli/main.ts'), 'agent', 'run'], { REACHWATCH_CONFIG: agentConfig, REACHWATCH_AGENT_TOKEN: token, LOG_LEVEL: 'warn' }, null)).child;
      const pid = agent.pid as number;

      // Warm-up: the agent is enrolled and its first results are stored, then every channel's first slot falls due.
      const firstStored = Date.now() + 120_000;
      for (;;) {
        const db0 = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
        const any = db0.prepare('SELECT 1 FROM probes WHERE agent_id IS NOT NULL LIMIT 1').get();
        db0.close();
        if (any) break;
        if (agent.exitCode !== null) throw new Error('the agent exited before its first result was stored');
        if (Date.now() > firstStored) throw new Error('no result of the agent was stored within 120 s');
        await sleep(250);
      }
      await sleep(Math.max(opts.warmupS * 1000, intervalS * 1000 + 1000));
      const windowStart = Date.now();
      const cpu0 = { agent: procCpuSeconds(pid) ?? 0, central: procCpuSeconds(central.pid as number) ?? 0 };
      const rss: number[] = [];
      const until = windowStart + opts.durationS * 1000;
      while (Date.now() < until) {
        const r = rssOf(pid);
        if (r !== null) rss.push(r);
        if (agent.exitCode !== null) throw new Error('the agent exited during the measurement');
        await sleep(250);
      }
      const windowEnd = Date.now();
      const cpuCores = {
        agent: ((procCpuSeconds(pid) ?? 0) - cpu0.agent) / ((windowEnd - windowStart) / 1000),
        central: ((procCpuSeconds(central.pid as number) ?? 0) - cpu0.central) / ((windowEnd - windowStart) / 1000),
      };
      // Results of the window's slots may still be on their way: give them a few seconds to arrive.
      await sleep(opts.quick ? 3000 : 5000);
      const cdb = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
      const rows = cdb
        .prepare(
          `SELECT due_at AS dueAt, json_extract(evidence, '$.vantage.receivedAt') AS receivedAt, outcome FROM probes
            WHERE agent_id IS NOT NULL AND due_at >= ? AND due_at < ?`,
        )
        .all(windowStart, windowEnd) as { dueAt: number; receivedAt: number; outcome: string }[];
      const slots = cdb
        .prepare(
          `SELECT count(*) AS opened, sum(done_at IS NOT NULL) AS done, sum(done_at IS NULL AND agent_id IS NULL) AS neverLeased, sum(leases > 1) AS leasedAgain
             FROM agent_jobs WHERE slot_at >= ? AND slot_at < ?`,
        )
        .get(windowStart, windowEnd) as { opened: number; done: number; neverLeased: number; leasedAgain: number };
      const assigned = (cdb.prepare('SELECT count(DISTINCT channel_ref) AS n FROM probes WHERE agent_id IS NOT NULL').get() as { n: number }).n;
      cdb.close();
      const delays = lagSummary(rows.map((r) => r.receivedAt - r.dueAt));
      const expected = Math.floor(((windowEnd - windowStart) / (intervalS * 1000)) * channels);
      const peak = rss.length ? Math.max(...rss) : null;
      const reachable = rows.filter((r) => r.outcome === 'reachable').length;

      const verdicts: Verdict[] = [
        { target: `agent RSS with ${fmtInt(channels)} channels assigned < 60 MB`, pass: peak !== null && peak < RSS_TARGET_BYTES && channels >= 1000, measured: `${fmtMB(peak)}${channels < 1000 ? ' (--quick: 100 channels; the target is judged at 1,000)' : ''}` },
      ];
      const text = [
        renderTable(
          ['channels', 'interval', 'slots due', 'opened', 'never leased', 'stored', 'reachable', 'agent RSS peak', 'last', 'slot→stored p50', 'p99', 'max', 'CPU agent', 'central'],
          [[
            fmtInt(channels), `${intervalS} s`, fmtInt(expected), fmtInt(slots.opened), fmtInt(slots.neverLeased), fmtInt(rows.length), fmtInt(reachable), fmtMB(peak), fmtMB(rss.at(-1) ?? null),
            fmtMs(delays.p50), fmtMs(delays.p99), fmtMs(delays.max), cpuCores.agent.toFixed(2), cpuCores.central.toFixed(2),
          ]],
        ),
        `One agent (concurrency 32, lease_batch 100, push_batch 200, poll 500 ms, Node ${AGENT_NODE_FLAGS.join(' ')}) over ${fmtInt(assigned)} channels with a probe; window ${((windowEnd - windowStart) / 1000).toFixed(0)} s.`,
        'slot→stored: the central\'s receipt of the result minus the slot it was scheduled for (lease poll + probe + outbox + push + ingest).',
        `Load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(', ')} on ${availableParallelism()} cores (CPU columns: cores used by each process over the window).`,
      ].join('\n');
      return {
        name: 'agent',
        text,
        verdicts,
        data: { channels, intervalS, slotsInWindow: expected, slots, cpuCores, loadavg: loadavg(), stored: rows.length, reachable, assigned, rssPeakBytes: peak, rssLastBytes: rss.at(-1) ?? null, slotToStoredMs: delays },
      };
    } finally {
      if (agent) await stopChild(agent);
      if (central) await stopChild(central);
      await site.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
