// geo_restricted, end to end: a website served on loopback answers the source address of the agent
// of the domestic point `kz` (127.0.0.2) and resets the connections of the agent of the point
// `abroad` (127.0.0.3). The central (a real process) combines the two points' views: the channel is
// reachable, flagged geo_restricted, never down, and no center alert is sent.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { handler, page, startSite, type LoopbackSite } from '../../simulators/sites.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../simulators/receivers/webhook-receiver.ts';
import { assertRunning } from '../helpers/agent-process.ts';
import { tempDir } from '../helpers/tmp.ts';
import { until } from '../helpers/wait.ts';
import { agentFor, agentProbes, center, centralConfig, centralDb, channelState, createAgent, vantageStates, startCentral, verifyChains, websiteChannel, type AgentHandle, type Central } from '../helpers/vantage-e2e.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const t = tempDir('rw-e2e-geo-');
let central: Central;
let site: LoopbackSite;
let ngo: WebhookReceiver;
const agents: AgentHandle[] = [];

beforeAll(async () => {
  site = await startSite({
    routes: {
      '*': handler((req, res) => {
        // Answers the country's own addresses; resets everyone else's, as a geo-blocking firewall does.
        if (req.socket.remoteAddress === '127.0.0.2') return void res.end('<title>Center</title>Помощь');
        req.socket.destroy();
      }),
      '/ok': page('<title>Everywhere</title>ok'),
    },
  });
  ngo = await startWebhookReceiver({ secret: SECRET });
  const url = (p: string) => `http://127.0.0.1:${site.port}${p}`;
  const cfg = centralConfig(t.dir, {
    alerts: {
      retry: ['300ms'],
      poll_interval: '100ms',
      webhook: { allow_private_addresses: true },
      subscriptions: [{ id: 'ngo', channel: 'webhook', url: ngo.url, secret: SECRET, language: 'en', events: ['went_dark', 'partly_reachable', 'recovered', 'still_dark', 'channel_closed'] }],
    },
  });
  central = await startCentral({
    dir: t.dir,
    registry: center('geo', websiteChannel('geo-web', url('/'), '1s', ['kz', 'abroad'])) + center('open', websiteChannel('open-web', url('/ok'), '1s', ['kz', 'abroad'])),
    config: cfg,
  });
  const kz = await createAgent(central, 'almaty-1', 'kz');
  const abroad = await createAgent(central, 'frankfurt-1', 'abroad');
  agents.push(agentFor(t.dir, kz, central.url, { localAddress: '127.0.0.2' }), agentFor(t.dir, abroad, central.url, { localAddress: '127.0.0.3' }));
  // The domestic agent first, until its point has a verdict: by the combination rule a point without
  // one does not count, so an abroad verdict alone would (rightly) decide the channel meanwhile.
  (agents[0] as AgentHandle).start();
  await until('the kz point reached a verdict', () => vantageStates(central, 'geo-web').some((v) => v.vantage === 'kz' && v.status === 'reachable'), 90_000);
  (agents[1] as AgentHandle).start();
}, 180_000);

afterAll(async () => {
  for (const a of agents) if (a.proc.child.exitCode === null) a.proc.child.kill('SIGKILL');
  await central?.stop();
  await site?.close();
  await ngo?.close();
  t.remove();
});

test(
  'answered at home and reset abroad: reachable with geo_restricted, never down; each point saw what it saw; no center alert; the chain verifies',
  async () => {
    const [kz, abroad] = agents as [AgentHandle, AgentHandle];
    // Progress, not a sleep: three probes of the channel from each point.
    await until(
      'three probes of geo-web from each point',
      () => {
        assertRunning(kz.proc, abroad.proc);
        const p = agentProbes(central).filter((x) => x.channel === 'geo-web');
        return p.filter((x) => x.vantage === 'kz').length >= 3 && p.filter((x) => x.vantage === 'abroad').length >= 3;
      },
      120_000,
    );
    const probes = agentProbes(central).filter((x) => x.channel === 'geo-web');
    // Each point saw what it saw, classified by the central from the raw evidence.
    expect(new Set(probes.filter((p) => p.vantage === 'kz').map((p) => p.outcome))).toEqual(new Set(['reachable']));
    expect(probes.filter((p) => p.vantage === 'abroad').every((p) => p.outcome !== 'reachable')).toBe(true);
    expect(new Set(probes.map((p) => p.agentId))).toEqual(new Set([kz.created.id, abroad.created.id]));
    // The combined verdict: reachable for the people it serves, flagged.
    await until('the combined status', () => channelState(central, 'geo-web')?.status === 'reachable' && /geo_restricted/.test(channelState(central, 'geo-web')?.vantage_flags ?? ''), 60_000).catch(() => undefined);
    expect({ state: channelState(central, 'geo-web'), points: vantageStates(central, 'geo-web') }).toMatchObject({ state: { status: 'reachable', vantage_flags: expect.stringMatching(/geo_restricted/) } });
    // A site answering both points is reachable without the flag.
    await until('the open site reachable', () => channelState(central, 'open-web')?.status === 'reachable', 60_000);
    expect(channelState(central, 'open-web')?.vantage_flags ?? '').not.toMatch(/geo_restricted/);
    // Never down: every status the channel ever had is reachable, or what it had before its agents
    // enrolled and reported (not_probed: no agent could probe it yet; unknown: no verdict yet).
    const statuses = centralDb(central, (db) => db.prepare('SELECT s.to_status AS status FROM status_changes s JOIN channels c ON c.ref = s.channel_ref WHERE c.id = ?').all('geo-web') as { status: string }[]);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((x) => !['not_probed', 'unknown', 'reachable'].includes(x.status))).toEqual([]);
    expect(statuses.at(-1)?.status).toBe('reachable');
    // No center alert: nothing was queued for the NGO, so nothing waits to be sent and nothing arrived.
    const queued = centralDb(central, (db) => (db.prepare("SELECT count(*) AS n FROM outbox WHERE event != 'self_check'").get() as { n: number }).n);
    expect(queued).toBe(0);
    expect(ngo.received).toEqual([]);
    const v = await verifyChains(central);
    expect(v.stderr).toBe('');
    expect(v.status).toBe(0);
  },
  240_000,
);
