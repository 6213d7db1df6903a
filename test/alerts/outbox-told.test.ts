// Who counts as told of an incident, from what the outbox recorded of each attempt: delivered or
// unknown attempts count (the receiver may have it), certainly failed ones do not. Real SQLite files.

import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import type { AlertEvent } from '../../src/alerts/channel.ts';
import { renderAlert } from '../../src/alerts/messages.ts';
import { Outbox } from '../../src/alerts/outbox.ts';
import { Subscriptions } from '../../src/alerts/subscriptions-store.ts';
import { MIGRATIONS_DIR, openDatabase, type DB } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const T0 = Date.UTC(2026, 2, 5, 8, 0);
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

function setUp(): { db: DB; outbox: Outbox; queue: (sub: string, event?: AlertEvent, incident?: number) => string } {
  const t = tempDir();
  closers.push(t.remove);
  const opened = openDatabase(t.dir);
  closers.push(() => opened.close());
  const subs = new Subscriptions(opened);
  const filters = { centers: [], regions: [], kinds: [], events: [] };
  subs.syncConfig(
    ['a', 'b'].map((id) => ({ id, channel: 'webhook' as const, target: { kind: 'webhook' as const, url: `http://127.0.0.1:9/${id}`, secret: SECRET }, language: 'en' as const, filters })),
    T0,
  );
  const outbox = new Outbox(opened);
  const center = { id: 'x', name: 'X', kind: 'rehabilitation_center', region: null, city: null, tz: 'Asia/Almaty' };
  const queue = (sub: string, event: AlertEvent = 'went_dark', incident = 1): string => {
    const s = subs.all().find((x) => x.id === sub);
    if (!s) throw new Error(`no subscription ${sub}`);
    const message = renderAlert({ event, at: T0, center, channels: [], evidence: [], boardUrl: null }, 'en');
    return outbox.enqueue({ dedupeKey: `${event}:${incident}:${sub}`, subscription: s, centerId: 'x', incidentId: incident, message, now: T0 }) as string;
  };
  return { db: opened, outbox, queue };
}

test('an attempt that ended unknown counts as told after its retry is superseded; one that certainly failed does not', () => {
  const { outbox, queue } = setUp();
  const a = queue('a');
  const b = queue('b');
  const [ra, rb] = outbox.claim(T0, 60_000, 10).sort((x, y) => x.subscription_id.localeCompare(y.subscription_id));
  outbox.attemptFailed(ra!, T0 + 300, 300, 'No answer from the webhook within 300 ms', 'unknown', false, T0 + 60_000);
  outbox.attemptFailed(rb!, T0 + 5, 5, 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9', 'failed', false, T0 + 60_000);
  // Both are still being told (their retries are queued)...
  expect(outbox.told(1, 'a')).toBe(true);
  expect(outbox.told(1, 'b')).toBe(true);
  // ...until the center recovers and the retries are dropped: only a may have heard of the incident.
  expect(outbox.supersede(1, 'superseded: recovered')).toBe(2);
  expect(outbox.get(a)?.status).toBe('suppressed');
  expect(outbox.get(b)?.status).toBe('suppressed');
  expect(outbox.told(1, 'a')).toBe(true);
  expect(outbox.told(1, 'b')).toBe(false);
  expect(outbox.attempts(a)).toMatchObject([{ attempt: 1, ok: 0, outcome: 'unknown' }]);
});

test('an alert given up on counts as told only if some attempt may have reached the receiver', () => {
  const { outbox, queue } = setUp();
  queue('a');
  queue('b');
  for (const r of outbox.claim(T0, 60_000, 10)) {
    outbox.attemptFailed(r, T0 + 1, 1, r.subscription_id === 'a' ? 'interrupted' : 'HTTP 400', r.subscription_id === 'a' ? 'unknown' : 'failed', r.subscription_id === 'b', null);
  }
  expect(outbox.counts().failed).toBe(2);
  expect(outbox.told(1, 'a')).toBe(true);
  expect(outbox.told(1, 'b')).toBe(false);
  // Reminders still go to both: b's receiver may be back, and should hear the center is still dark.
  expect(outbox.concerned(1, 'a')).toBe(true);
  expect(outbox.concerned(1, 'b')).toBe(true);
  // An incident nobody was sent anything about (held, or another incident) concerns no one.
  expect(outbox.concerned(2, 'a')).toBe(false);
});

test('an alert in flight when the center recovers is not tried again after the recovery (never "dark" after "recovered")', () => {
  const { outbox, queue } = setUp();
  const a = queue('a');
  const [row] = outbox.claim(T0, 60_000, 10);
  // The recovery comes while the attempt is in flight: it is possibly told, and is marked.
  outbox.supersede(1, 'superseded: recovered');
  expect(outbox.get(a)?.status).toBe('sending');
  expect(outbox.told(1, 'a')).toBe(true);
  // The attempt then times out: no retry is queued, the news is stale.
  outbox.attemptFailed(row!, T0 + 300, 300, 'No answer from the webhook within 300 ms', 'unknown', false, T0 + 5_000);
  expect(outbox.get(a)).toMatchObject({ status: 'suppressed', suppressed_by: 'superseded: recovered' });
  expect(outbox.claim(T0 + 3_600_000, 60_000, 10)).toEqual([]);
  expect(outbox.told(1, 'a')).toBe(true);
});

test('a kill during a superseded attempt: on restart it is recorded as unknown and not sent again', () => {
  const { outbox, queue } = setUp();
  const a = queue('a');
  outbox.claim(T0, 60_000, 10);
  outbox.supersede(1, 'superseded: recovered');
  expect(outbox.releaseInterrupted(T0 + 10_000)).toBe(1);
  expect(outbox.get(a)?.status).toBe('suppressed');
  expect(outbox.attempts(a)).toMatchObject([{ attempt: 1, outcome: 'unknown', detail: expect.stringMatching(/^interrupted/) }]);
  expect(outbox.told(1, 'a')).toBe(true);
});

test('an attempt whose lease ran out without a result is recorded as unknown before the alert is tried again', () => {
  const { outbox, queue } = setUp();
  const a = queue('a');
  outbox.claim(T0, 1_000, 10);
  // Its sender never came back (the attempt was sent but could not be recorded): claimed again.
  const again = outbox.claim(T0 + 2_000, 1_000, 10);
  expect(again.map((r) => [r.id, r.attempts])).toEqual([[a, 2]]);
  expect(outbox.attempts(a)).toMatchObject([{ attempt: 1, ok: 0, outcome: 'unknown', detail: expect.stringMatching(/^lease expired/) }]);
  outbox.attemptFailed(again[0]!, T0 + 2_010, 10, 'HTTP 400', 'failed', true, null);
  expect(outbox.told(1, 'a')).toBe(true);
});

test('migration: attempts recorded before outcomes existed get one from what they said', () => {
  // A database at the schema before this change, with attempts of every kind.
  const t = tempDir();
  closers.push(t.remove);
  const older = path.join(t.dir, 'migrations');
  mkdirSync(older);
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort();
  // The schema as it was: every migration before this one (later ones build on it).
  const at = files.findIndex((f) => f.includes('alert_outcomes'));
  for (const f of files.slice(0, at)) copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(older, f));
  const dataDir = path.join(t.dir, 'data');
  const before = openDatabase(dataDir, { migrationsDir: older });
  const id = 'msg_old';
  before.prepare(`INSERT INTO subscriptions (id, source, channel, target, language, filters, created_by, created_at) VALUES ('a', 'config', 'webhook', '{}', 'en', '{}', 'config', ?)`).run(T0);
  before
    .prepare(`INSERT INTO outbox (id, dedupe_key, subscription_id, channel, event, incident_id, message, status, next_attempt_at, created_at) VALUES (?, 'k', 'a', 'webhook', 'went_dark', 1, '{}', 'sent', ?, ?)`)
    .run(id, T0, T0);
  const insert = before.prepare(`INSERT INTO outbox_attempts (outbox_id, attempt, at, duration_ms, ok, permanent, detail) VALUES (?, ?, ?, 0, ?, ?, ?)`);
  insert.run(id, 1, T0, 0, 0, 'interrupted: reachwatch stopped during this attempt; the receiver may have it (same id)');
  insert.run(id, 2, T0, 0, 0, 'No answer from the webhook within 15000 ms');
  insert.run(id, 3, T0, 0, 0, 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9');
  insert.run(id, 4, T0, 0, 1, 'HTTP 400');
  insert.run(id, 5, T0, 1, 0, 'HTTP 204');
  // An SMS whose request to Twilio timed out after it left (axios says ECONNABORTED).
  insert.run(id, 6, T0, 0, 0, 'Twilio unreachable: ECONNABORTED: timeout of 10000ms exceeded');
  before.close();

  const after = openDatabase(dataDir);
  closers.push(() => after.close());
  expect(new Outbox(after).attempts(id).map((r) => [r.attempt, r.outcome])).toEqual([
    [1, 'unknown'],
    [2, 'unknown'],
    [3, 'failed'],
    [4, 'failed'],
    [5, 'delivered'],
    [6, 'unknown'],
  ]);
});
