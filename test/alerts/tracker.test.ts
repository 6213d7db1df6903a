// The tracker's time-driven and channel-level alerts on a real database, with a simulated clock:
// reminders while a center stays dark, a closed number, an expiring certificate (once per
// certificate), and the self-check that freezes center statuses when our Twilio account or disk fails.

import pino from 'pino';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { buildConfig } from '../../src/config/config.ts';
import { createAlerting, type Alerting } from '../../src/daemon/alerting.ts';
import type { Classification, ProbeRecord } from '../../src/domain.ts';
import { parseRegistry, assertLoadable } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { tempDir } from '../helpers/tmp.ts';

const REGISTRY = `- id: delta
  name: Delta
  kind: rehabilitation_center
  region_normalized: Almaty
  channels:
    - {type: website, value: "https://delta.example.kz/"}
    - {type: phone, value: "+7 727 261 95 80"}
`;

let db: DB;
let alerting: Alerting;
let writer: ProbeWriter;
let clock: number;
let cleanup: () => void;
const WEB = 'delta--web-delta-example-kz';
const PHONE = 'delta--phone-77272619580';

beforeEach(async () => {
  const t = tempDir();
  cleanup = t.remove;
  clock = Date.UTC(2026, 2, 5, 6, 0);
  db = openDatabase(t.dir);
  syncRegistry(db, assertLoadable(parseRegistry(REGISTRY, 'centers.yaml')), 'centers.yaml', 'x', clock);
  const config = buildConfig(
    {
      centers: { dark_after: '10m' },
      alerts: {
        reminder: '24h',
        subscriptions: [
          { id: 'ngo', channel: 'webhook', url: 'https://ngo.example.kz/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', language: 'en' },
          { id: 'ops', channel: 'webhook', url: 'https://ops.example.kz/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', events: ['self_check'] },
        ],
      },
    },
    {},
    null,
    (k) => k.join('.'),
    t.dir,
  );
  alerting = await createAlerting(db, config, pino({ level: 'silent' }), null, () => clock);
  alerting.tracker.loadCenters();
  writer = new ProbeWriter(db, { rules: { confirmations: 1 }, batchMaxRows: 100, flushIntervalMs: 10, afterBatch: (s) => alerting.afterBatch(s), onCommitted: (s) => alerting.afterCommit(s) });
});

afterEach(async () => {
  writer.close();
  await alerting.stop();
  db.close();
  cleanup();
});

const verdict = (outcome: Classification['outcome'], reason: string, flags: Classification['flags'] = []): Classification => ({ outcome, reason, detail: `${outcome} (${reason})`, flags });
async function store(channelId: string, method: 'http' | 'call' | 'lookup', c: Classification, evidence: Record<string, unknown> = {}): Promise<void> {
  const r: ProbeRecord = { channelId, jobId: null, dueAt: clock, startedAt: clock, durationMs: 1, evidence: { method, v: 1, ...evidence }, classification: c };
  const p = writer.add(r);
  writer.flush();
  await p;
  await alerting.tracker.settle();
}
const queued = (event?: string) =>
  db.prepare<[], { subscription_id: string; event: string; status: string; dedupe_key: string }>(`SELECT subscription_id, event, status, dedupe_key FROM outbox ORDER BY created_at, id`).all().filter((r) => !event || r.event === event);
const centerState = () => db.prepare<[], { status: string }>(`SELECT status FROM center_state WHERE center_id = 'delta'`).get()?.status;

test('dark after the grace period, a reminder every 24 h while it stays dark, none after it recovers', async () => {
  await store(WEB, 'http', verdict('unavailable', 'http_5xx'));
  await store(PHONE, 'call', verdict('unavailable', 'sip_404'));
  expect(centerState()).toBe('partial'); // every channel down, grace not over
  expect(queued()).toHaveLength(0);
  clock += 10 * 60_000;
  alerting.tracker.sweep(clock - 1000);
  expect(centerState()).toBe('dark');
  expect(queued('went_dark').map((r) => r.subscription_id)).toEqual(['ngo']);
  clock += 23 * 3_600_000;
  alerting.tracker.sweep(clock - 1000);
  expect(queued('still_dark')).toHaveLength(0);
  clock += 3_600_000;
  alerting.tracker.sweep(clock - 1000);
  alerting.tracker.sweep(clock - 1000); // a second sweep at the same time adds nothing
  expect(queued('still_dark')).toHaveLength(1);
  clock += 24 * 3_600_000;
  alerting.tracker.sweep(clock - 1000);
  expect(queued('still_dark')).toHaveLength(2);
  db.prepare(`UPDATE outbox SET status = 'sent' WHERE status = 'pending'`).run(); // as the dispatcher would
  await store(PHONE, 'call', verdict('reachable', 'human_answered'));
  expect(centerState()).toBe('partial');
  expect(queued('partly_reachable')).toHaveLength(1);
  await store(WEB, 'http', verdict('reachable', 'ok'));
  expect(centerState()).toBe('reachable');
  expect(queued('recovered')).toHaveLength(1);
  clock += 48 * 3_600_000;
  alerting.tracker.sweep(clock - 1000);
  expect(queued('still_dark')).toHaveLength(2);
});

test('a number that now belongs to someone else raises channel_closed once', async () => {
  await store(PHONE, 'call', verdict('wrong_number', 'other_organisation'));
  await store(PHONE, 'call', verdict('wrong_number', 'other_organisation'));
  expect(queued('channel_closed').map((r) => r.subscription_id)).toEqual(['ngo']);
});

test('an expiring certificate raises cert_expiring once per certificate', async () => {
  const cert = (validTo: number) => ({ hops: [{ url: 'https://delta.example.kz/', status: 200, tls: { cert: { validTo } } }] });
  const soon = clock + 5 * 86_400_000;
  await store(WEB, 'http', verdict('reachable', 'ok', ['cert_expiring']), cert(soon));
  clock += 300_000;
  await store(WEB, 'http', verdict('reachable', 'ok', ['cert_expiring']), cert(soon));
  expect(queued('cert_expiring')).toHaveLength(1);
  await store(WEB, 'http', verdict('reachable', 'ok', ['cert_expiring']), cert(soon + 86_400_000)); // a renewed, still-short certificate
  expect(queued('cert_expiring')).toHaveLength(2);
});

test('Twilio rejects our account: degraded, statuses frozen, one operator alert; recovery thaws without a burst', async () => {
  await store(WEB, 'http', verdict('reachable', 'ok'));
  expect(centerState()).toBe('reachable');
  await store(PHONE, 'lookup', verdict('error', 'twilio_auth'));
  expect(alerting.selfCheck.state).toMatchObject({ degraded: true, failing: [{ check: 'twilio_account' }] });
  expect(alerting.tracker.isFrozen).toBe(true);
  // While degraded, a real change is recorded for its channel but the center waits.
  await store(WEB, 'http', verdict('closed', 'http_404'));
  expect(centerState()).toBe('reachable');
  await store(PHONE, 'call', verdict('error', 'twilio_auth'));
  expect(queued('self_check').map((r) => r.subscription_id)).toEqual(['ops']);
  expect(queued().filter((r) => r.event !== 'self_check')).toHaveLength(0);
  // The account works again: one recovery notice; the center is evaluated on the evidence it has.
  await store(PHONE, 'call', verdict('reachable', 'human_answered'));
  expect(alerting.selfCheck.degraded).toBe(false);
  expect(queued('self_check')).toHaveLength(2);
  expect(centerState()).toBe('partial');
  expect(queued('channel_closed')).toHaveLength(1);
});

test('a full disk degrades reachwatch until writes succeed again', () => {
  alerting.selfCheck.report('disk', 'SQLITE_FULL: database or disk is full');
  expect(alerting.tracker.isFrozen).toBe(true);
  expect(alerting.selfCheck.state.failing).toMatchObject([{ check: 'disk', detail: /SQLITE_FULL/ }]);
  alerting.afterCommit([]);
  expect(alerting.selfCheck.degraded).toBe(false);
  expect(alerting.tracker.isFrozen).toBe(false);
});

test('a center that goes dark twice within one incident is announced twice', async () => {
  await store(WEB, 'http', verdict('unavailable', 'http_5xx'));
  await store(PHONE, 'call', verdict('unavailable', 'sip_404'));
  clock += 10 * 60_000;
  alerting.tracker.sweep(clock - 1000);
  await store(PHONE, 'call', verdict('reachable', 'human_answered'));
  await store(PHONE, 'call', verdict('unavailable', 'sip_404'));
  clock += 10 * 60_000;
  alerting.tracker.sweep(clock - 1000);
  expect(centerState()).toBe('dark');
  expect(queued('went_dark')).toHaveLength(2);
  expect(queued('partly_reachable')).toHaveLength(1);
  expect(db.prepare(`SELECT COUNT(*) AS n FROM incidents`).get()).toEqual({ n: 1 });
});

test('no evidence is not a recovery: the incident stays open through "unknown", and the recovery is announced after it', async () => {
  await store(WEB, 'http', verdict('closed', 'http_404'));
  await store(PHONE, 'call', verdict('closed', 'closed_told'));
  clock += 10 * 60_000;
  alerting.tracker.sweep(clock - 1000);
  expect(queued('went_dark')).toHaveLength(1);
  db.prepare(`UPDATE outbox SET status = 'sent' WHERE status = 'pending'`).run(); // as the dispatcher would
  await store(WEB, 'http', verdict('inconclusive', 'http_4xx'));
  await store(PHONE, 'call', verdict('inconclusive', 'ambiguous'));
  expect(centerState()).toBe('unknown');
  expect(db.prepare(`SELECT closed_at FROM incidents`).get()).toEqual({ closed_at: null });
  await store(WEB, 'http', verdict('reachable', 'ok'));
  expect(centerState()).toBe('reachable');
  expect(queued('recovered').map((r) => r.subscription_id)).toEqual(['ngo']);
});

test('maintenance: a recovery reaches those told before the window; a center that went dark in it is announced when it ends', async () => {
  // Told "partly reachable" before the window.
  await store(PHONE, 'call', verdict('reachable', 'human_answered'));
  await store(WEB, 'http', verdict('unavailable', 'http_5xx'));
  expect(queued('partly_reachable').map((r) => r.status)).toEqual(['pending']);
  const w = alerting.maintenance.create({ centerId: 'delta', region: null, startsAt: clock, endsAt: clock + 3_600_000, reason: 'Moving' }, 'test', clock);
  await store(PHONE, 'call', verdict('unavailable', 'sip_404'));
  clock += 10 * 60_000;
  alerting.tracker.sweep(clock - 1000);
  expect(centerState()).toBe('dark');
  expect(queued('went_dark').map((r) => r.status)).toEqual(['suppressed']);
  // The window ends with the center dark: the held news goes out, though "partly reachable" was told.
  const before = clock;
  clock = w.endsAt + 1000;
  alerting.tracker.sweep(before);
  expect(queued('went_dark').map((r) => [r.status, r.dedupe_key.includes('after-maintenance')])).toEqual([['suppressed', false], ['pending', true]]);
  alerting.tracker.sweep(before); // looking again changes nothing
  expect(queued('went_dark')).toHaveLength(2);

  // A second window; the center recovers inside it: those told still hear it.
  alerting.maintenance.create({ centerId: 'delta', region: null, startsAt: clock, endsAt: clock + 3_600_000, reason: 'Holiday' }, 'test', clock);
  db.prepare(`UPDATE outbox SET status = 'sent' WHERE status = 'pending'`).run();
  await store(PHONE, 'call', verdict('reachable', 'human_answered'));
  await store(WEB, 'http', verdict('reachable', 'ok'));
  expect(queued('recovered').map((r) => r.status)).toEqual(['pending']);
});

test('a recovery supersedes the alerts about it still waiting for a retry (never "dark" after "recovered")', async () => {
  await store(WEB, 'http', verdict('unavailable', 'http_5xx'));
  await store(PHONE, 'call', verdict('unavailable', 'sip_404'));
  clock += 10 * 60_000;
  alerting.tracker.sweep(clock - 1000);
  expect(queued('went_dark').map((r) => r.status)).toEqual(['pending']);
  await store(WEB, 'http', verdict('reachable', 'ok'));
  await store(PHONE, 'call', verdict('reachable', 'human_answered'));
  expect(queued('went_dark').map((r) => r.status)).toEqual(['suppressed']);
  // The subscriber never heard of the outage, so it hears no recovery either; history keeps both facts.
  expect(queued('recovered')).toHaveLength(0);
  expect(db.prepare(`SELECT suppressed_by FROM outbox WHERE event = 'went_dark'`).get()).toEqual({ suppressed_by: 'superseded: the center recovered before it was delivered' });
});
