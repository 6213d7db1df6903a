// kill -9 on both sides, end to end: a central and two agents as real processes; one agent talks to
// the central through a TCP proxy. First the proxy holds the central's answers while that agent
// pushes, and the agent is killed with SIGKILL waiting for one (its batch may or may not be stored);
// it restarts and sends the same batch again. Then the central is killed with SIGKILL while both
// agents keep pushing every second, and restarted on its port. Afterwards: every result an agent
// finished is stored (nothing lost), once per agent × channel × slot (nothing doubled), no result is
// left in an outbox, and `reachwatch verify` passes.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { startTcpProxy, type TcpProxy } from '../../simulators/tcp-proxy.ts';
import { assertRunning } from '../helpers/agent-process.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { agentFor, agentProbes, center, centralConfig, centralDb, createAgent, outboxOf, startCentral, verifyChains, websiteChannel, type AgentHandle, type Central } from '../helpers/vantage-e2e.ts';

const t = tempDir('rw-e2e-kill9-');
let central: Central;
let site: LoopbackSite;
let proxy: TcpProxy;
let viaProxy: AgentHandle;
let direct: AgentHandle;
const CHANNELS = ['k1-web', 'k2-web', 'k3-web'];

beforeAll(async () => {
  site = await startSite({ routes: { '*': page('<title>Center</title>ok') } });
  const url = `http://127.0.0.1:${site.port}`;
  central = await startCentral({
    dir: t.dir,
    registry: CHANNELS.map((id, i) => center(`k${i + 1}`, websiteChannel(id, `${url}/${id}`, '1s', ['kz', 'abroad']))).join(''),
    config: centralConfig(t.dir),
  });
  proxy = await startTcpProxy(central.port);
  viaProxy = agentFor(t.dir, await createAgent(central, 'almaty-1', 'kz'), `http://127.0.0.1:${proxy.port}`, { localAddress: '127.0.0.2', agent: { push_batch: 3 } });
  direct = agentFor(t.dir, await createAgent(central, 'frankfurt-1', 'abroad'), central.url, { localAddress: '127.0.0.3', agent: { push_batch: 3 } });
  viaProxy.start();
  direct.start();
}, 120_000);

afterAll(async () => {
  for (const a of [viaProxy, direct]) if (a && a.proc.child.exitCode === null && a.proc.child.signalCode === null) a.proc.child.kill('SIGKILL');
  await central?.stop();
  await proxy?.close();
  await site?.close();
  t.remove();
});

const storedBy = (agentId: string) => agentProbes(central).filter((p) => p.agentId === agentId).length;

test(
  'kill -9 of an agent waiting for its push answer, then of the central while agents push: nothing lost, nothing doubled, the chain verifies',
  async () => {
    const alive = () => assertRunning(viaProxy.proc, direct.proc);
    await until('both agents have results stored', () => alive() && storedBy(viaProxy.created.id) >= 3 && storedBy(direct.created.id) >= 3, 120_000);

    // 1. The agent behind the proxy pushes; the central's answer never reaches it; it is killed waiting.
    proxy.holdAnswers('POST /agent/v1/results');
    const pushesBefore = proxy.requestsStartingWith('POST /agent/v1/results');
    await until('a push sent while answers are held', () => alive() && proxy.requestsStartingWith('POST /agent/v1/results') > pushesBefore, 60_000);
    viaProxy.proc.child.kill('SIGKILL');
    await viaProxy.proc.exited;
    proxy.heal();
    const keptAcrossKill = outboxOf(viaProxy).results.length;
    expect(keptAcrossKill).toBeGreaterThan(0); // the unacknowledged batch is still in the outbox
    viaProxy.start();
    await until('the restarted agent emptied what it kept', () => assertRunning(viaProxy.proc) && outboxOf(viaProxy).results.length === 0, 90_000);

    // 2. The central is killed while both agents push, and comes back on its port.
    const beforeCentralKill = storedBy(viaProxy.created.id) + storedBy(direct.created.id);
    await until('more results flowing', () => alive() && storedBy(viaProxy.created.id) + storedBy(direct.created.id) >= beforeCentralKill + 4, 60_000);
    await central.kill9();
    // The agents keep probing what they leased; pushes fail until the central is back.
    await central.restart();
    const afterRestart = { a: storedBy(viaProxy.created.id), b: storedBy(direct.created.id) };
    await until('both agents stored more after the restart', () => alive() && storedBy(viaProxy.created.id) >= afterRestart.a + 3 && storedBy(direct.created.id) >= afterRestart.b + 3, 120_000);

    // 3. A clean stop of the agents: their last push goes out, their outboxes are empty.
    for (const a of [viaProxy, direct]) a.proc.child.kill('SIGTERM');
    expect(await viaProxy.proc.exited).toBe(0);
    expect(await direct.proc.exited).toBe(0);

    const probes = agentProbes(central);
    for (const a of [viaProxy, direct]) {
      const box = outboxOf(a);
      expect(box.results).toEqual([]);
      // Nothing lost: every slot the agent finished is stored, by it.
      const done = box.leases.filter((l) => l.state === 'done');
      expect(done.length).toBeGreaterThan(3);
      for (const l of done) {
        const channel = l.job_id.split('#')[0];
        expect(probes.filter((p) => p.agentId === a.created.id && p.channel === channel && p.dueAt === l.slot_at), `${a.created.name} ${l.job_id} @ ${l.slot_at}`).toHaveLength(1);
      }
    }
    // Nothing doubled: one probe per agent × channel × method × slot.
    const keys = probes.map((p) => `${p.agentId}|${p.channel}|${p.method}|${p.dueAt}`);
    expect(new Set(keys).size).toBe(keys.length);
    // And every stored probe of an agent came from a slot it finished (no invented ones).
    for (const a of [viaProxy, direct]) {
      const done = new Set(outboxOf(a).leases.filter((l) => l.state === 'done').map((l) => `${l.job_id.split('#')[0]}|${l.slot_at}`));
      for (const p of probes.filter((x) => x.agentId === a.created.id)) expect(done.has(`${p.channel}|${p.dueAt}`)).toBe(true);
    }
    // The ingested batches are unique per agent and id.
    const batches = centralDb(central, (db) => db.prepare('SELECT agent_id, batch_id, count(*) AS n FROM agent_batches GROUP BY agent_id, batch_id HAVING n > 1').all());
    expect(batches).toEqual([]);
    await central.stop();
    const v = await verifyChains(central);
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
  },
  480_000,
);
