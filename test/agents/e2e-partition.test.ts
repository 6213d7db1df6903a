// A partition, end to end: a central and two agents as real processes; the agent of `kz` reaches the
// central through a TCP proxy that the test black-holes for a while (connections accepted, bytes
// dropped: no answer, no reset) and then heals. While cut off, the agent finishes the probes it had
// leased and keeps their results. Outcome: no center alert (an NGO's webhook subscribed to center
// events gets nothing), the operator hears once that the agent is stale and once that it is back,
// and every result it buffered arrives with its original probe time.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../simulators/receivers/webhook-receiver.ts';
import { handler, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { startTcpProxy, type TcpProxy } from '../../simulators/tcp-proxy.ts';
import { assertRunning } from '../helpers/agent-process.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { agentFor, agentProbes, center, centralConfig, centralDb, createAgent, outboxOf, startCentral, verifyChains, websiteChannel, type AgentHandle, type Central } from '../helpers/vantage-e2e.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const t = tempDir('rw-e2e-partition-');
let central: Central;
let site: LoopbackSite;
let proxy: TcpProxy;
let ngo: WebhookReceiver;
let ops: WebhookReceiver;
let cut: AgentHandle;
let steady: AgentHandle;
const CHANNELS = ['p1-web', 'p2-web', 'p3-web'];

beforeAll(async () => {
  site = await startSite({
    routes: {
      // The cut agent's probes take a while, so it holds leases in flight when the proxy cuts it off.
      '*': handler((req, res) => {
        const answer = () => res.end('<title>Center</title>ok');
        if (req.socket.remoteAddress === '127.0.0.2') setTimeout(answer, 1500);
        else answer();
      }),
    },
  });
  ngo = await startWebhookReceiver({ secret: SECRET });
  ops = await startWebhookReceiver({ secret: SECRET });
  const url = `http://127.0.0.1:${site.port}`;
  const webhook = (id: string, to: string, events: string[]) => ({ id, channel: 'webhook', url: to, secret: SECRET, language: 'en', events });
  central = await startCentral({
    dir: t.dir,
    registry: CHANNELS.map((id, i) => center(`p${i + 1}`, websiteChannel(id, `${url}/${id}`, '1s', ['kz', 'abroad']))).join(''),
    config: centralConfig(t.dir, {
      vantage: { points: { kz: { domestic: true }, abroad: {} }, lease_margin: '2s', stale_after: '3s' },
      alerts: {
        retry: ['300ms'],
        poll_interval: '100ms',
        webhook: { allow_private_addresses: true },
        subscriptions: [webhook('ngo', ngo.url, ['went_dark', 'partly_reachable', 'recovered', 'still_dark', 'channel_closed']), webhook('operator', ops.url, ['self_check'])],
      },
    }),
  });
  proxy = await startTcpProxy(central.port);
  cut = agentFor(t.dir, await createAgent(central, 'almaty-1', 'kz'), `http://127.0.0.1:${proxy.port}`, { localAddress: '127.0.0.2' });
  steady = agentFor(t.dir, await createAgent(central, 'frankfurt-1', 'abroad'), central.url, { localAddress: '127.0.0.3' });
  cut.start();
  steady.start();
}, 120_000);

afterAll(async () => {
  for (const a of [cut, steady]) if (a && a.proc.child.exitCode === null && a.proc.child.signalCode === null) a.proc.child.kill('SIGKILL');
  await central?.stop();
  await proxy?.close();
  await site?.close();
  await ngo?.close();
  await ops?.close();
  t.remove();
});

const storedBy = (id: string) => agentProbes(central).filter((p) => p.agentId === id);
const noticesAbout = (id: string, state: string) => ops.received.filter((h) => JSON.stringify(h.body).includes(`"id":"${id}"`) && JSON.stringify(h.body).includes(`"state":"${state}"`));

test(
  'an agent cut off and reconnected: no center alert, one operator alert, every buffered result stored with its original probe time',
  async () => {
    const alive = () => assertRunning(cut.proc, steady.proc);
    await until('both agents have results stored', () => alive() && storedBy(cut.created.id).length >= 3 && storedBy(steady.created.id).length >= 3, 120_000);
    // Cut while the agent holds a lease it is still probing (its probes take 1.5 s at the site).
    await until(
      'a lease of the kz agent in flight',
      () => alive() && centralDb(central, (db) => db.prepare('SELECT 1 FROM agent_jobs WHERE agent_id = ? AND done_at IS NULL AND lease_until > ?').get(cut.created.id, Date.now())) !== undefined,
      60_000,
    );
    proxy.blackhole();
    const cutAt = Date.now();

    await until('the operator told the kz agent is stale', () => alive() && noticesAbout(cut.created.id, 'stale').length >= 1, 90_000);
    await until('results buffered in the cut agent', () => alive() && outboxOf(cut).results.length >= 1, 60_000);
    const buffered = outboxOf(cut).results;
    // What it buffered, it probed while cut off (or just before): its probe time is before the heal.
    proxy.heal();
    const healAt = Date.now();
    for (const r of buffered) expect(r.started_at).toBeLessThan(healAt);

    await until(
      'every buffered result stored',
      () => alive() && buffered.every((r) => storedBy(cut.created.id).some((p) => p.channel === r.job_id.split('#')[0] && p.dueAt === r.slot_at)),
      120_000,
    );
    const stored = storedBy(cut.created.id);
    for (const r of buffered) {
      const p = stored.find((x) => x.channel === r.job_id.split('#')[0] && x.dueAt === r.slot_at);
      // Its original probe time, not the time it arrived (same machine, same clock: nothing to correct).
      expect(p?.startedAt).toBe(r.started_at);
    }
    expect(buffered.some((r) => r.started_at >= cutAt - 2000)).toBe(true);
    await until('the operator told the kz agent is back', () => alive() && noticesAbout(cut.created.id, 'back').length >= 1, 90_000);

    // Progress after the heal before judging "nothing else happened": more probes from both agents, outboxes drained.
    const after = { a: storedBy(cut.created.id).length, b: storedBy(steady.created.id).length };
    await until('more probes from both agents', () => alive() && storedBy(cut.created.id).length >= after.a + 3 && storedBy(steady.created.id).length >= after.b + 3, 120_000);
    await until('the cut agent outbox drained', () => alive() && outboxOf(cut).results.length === 0, 60_000);
    await until('the operator notices delivered', () => centralDb(central, (db) => (db.prepare("SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')").get() as { n: number }).n === 0), 60_000);

    expect(centralDb(central, (db) => (db.prepare("SELECT count(*) AS n FROM outbox WHERE event != 'self_check'").get() as { n: number }).n)).toBe(0);
    expect(ngo.received).toEqual([]);
    expect(new Set(noticesAbout(cut.created.id, 'stale').map((h) => h.id)).size).toBe(1);
    expect(new Set(noticesAbout(cut.created.id, 'back').map((h) => h.id)).size).toBe(1);
    // The steady agent was never stale.
    expect(noticesAbout(steady.created.id, 'stale')).toEqual([]);
    const v = await verifyChains(central);
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
  },
  480_000,
);
