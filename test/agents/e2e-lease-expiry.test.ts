// A lease that expires while its agent is dead, end to end: two agents of the point `kz` (real
// processes, told apart by their source addresses 127.0.0.2 and 127.0.0.3) share its jobs; the site
// never answers the first request, so the agent that leased that slot hangs in its probe, and is
// killed with SIGKILL there. After the lease ends the other agent leases the same slot and does it:
// exactly one probe is stored for the slot, by the living agent, and the dead one, restarted, never
// probes or sends it (its outbox remembers the slot as started).

import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { handler, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { assertRunning } from '../helpers/agent-process.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { agentFor, agentProbes, center, centralConfig, centralDb, createAgent, outboxOf, startCentral, websiteChannel, type AgentHandle, type Central } from '../helpers/vantage-e2e.ts';

const t = tempDir('rw-e2e-lease-');
let central: Central;
let site: LoopbackSite;
const agents: AgentHandle[] = [];
/** Source address of each request to the site, in order; the first is never answered. */
const seen: string[] = [];

beforeAll(async () => {
  site = await startSite({
    routes: {
      '*': handler((req: IncomingMessage, res) => {
        seen.push(req.socket.remoteAddress ?? '');
        if (seen.length === 1) return; // hangs: the agent that took this slot is stuck in its probe
        res.end('<title>Center</title>ok');
      }),
    },
  });
  // A 30 s grid: the slot stays open (until the next one) well past a 10 s lease (3 s + 5 s deadline, + 2 s margin).
  central = await startCentral({ dir: t.dir, registry: center('lx', websiteChannel('lx-web', `http://127.0.0.1:${site.port}/`, '30s', ['kz'])), config: centralConfig(t.dir) });
  const a = await createAgent(central, 'almaty-1', 'kz');
  const b = await createAgent(central, 'almaty-2', 'kz');
  // The agents' own budget is long: the probe hangs until its job's deadline, and the test kills it before.
  agents.push(agentFor(t.dir, a, central.url, { localAddress: '127.0.0.2', website: { total_timeout: '60s', headers_timeout: '60s' } }));
  agents.push(agentFor(t.dir, b, central.url, { localAddress: '127.0.0.3', website: { total_timeout: '60s', headers_timeout: '60s' } }));
  for (const h of agents) h.start();
}, 120_000);

afterAll(async () => {
  for (const a of agents) if (a.proc.child.exitCode === null && a.proc.child.signalCode === null) a.proc.child.kill('SIGKILL');
  await central?.stop();
  await site?.close();
  t.remove();
});

test(
  "a dead agent's expired lease is done by the other agent of the point, exactly once for that slot",
  async () => {
    await until('the first probe hangs at the site', () => assertRunning(...agents.map((a) => a.proc)) && seen.length >= 1, 90_000);
    const stuck = seen[0] === '127.0.0.2' ? (agents[0] as AgentHandle) : (agents[1] as AgentHandle);
    const other = stuck === agents[0] ? (agents[1] as AgentHandle) : (agents[0] as AgentHandle);
    stuck.proc.child.kill('SIGKILL');
    await stuck.proc.exited;
    // The dead agent had started the slot: its outbox says so (not done, nothing waiting to be sent).
    const started = outboxOf(stuck).leases.filter((l) => l.state === 'probing');
    expect(started).toHaveLength(1);
    const slot = started[0] as { job_id: string; slot_at: number };
    expect(outboxOf(stuck).results).toEqual([]);

    await until(
      'the slot stored by the other agent',
      () => assertRunning(other.proc) && agentProbes(central).some((p) => p.channel === 'lx-web' && p.dueAt === slot.slot_at),
      90_000,
    );
    const forSlot = agentProbes(central).filter((p) => p.channel === 'lx-web' && p.dueAt === slot.slot_at);
    expect(forSlot.map((p) => p.agentId)).toEqual([other.created.id]);
    expect(seen[1]).toBe(other === agents[0] ? '127.0.0.2' : '127.0.0.3');
    const job = centralDb(central, (db) => db.prepare('SELECT agent_id, leases, done_at FROM agent_jobs WHERE job_id = ? AND slot_at = ?').get(slot.job_id, slot.slot_at)) as { agent_id: string; leases: number; done_at: number | null };
    expect(job).toMatchObject({ agent_id: other.created.id, leases: 2 });
    expect(job.done_at).not.toBeNull();

    // The dead agent comes back: it never probes nor sends that slot (it may lease later slots).
    const again = stuck.start();
    await until('the restarted agent running and leasing', () => assertRunning(again) && again.logs.some((l) => /agent running/.test(l)), 60_000);
    await until('a later slot of the channel stored', () => assertRunning(again, other.proc) && agentProbes(central).some((p) => p.channel === 'lx-web' && p.dueAt > slot.slot_at), 90_000);
    expect(agentProbes(central).filter((p) => p.channel === 'lx-web' && p.dueAt === slot.slot_at)).toHaveLength(1);
    expect(outboxOf(stuck).leases.find((l) => l.job_id === slot.job_id && l.slot_at === slot.slot_at)?.state).toBe('probing');
  },
  300_000,
);
