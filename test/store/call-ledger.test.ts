// The call ledger over a real SQLite file, through its repository (store/call-ledger.ts): each webhook
// is stored once, a final status is applied once and never undone, a fetched ending is stored with what
// Twilio kept in one transaction, and a reopened file (a restart, or kill -9 after the commit) gives
// the same attempts and the same evidence.

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Outcome, ProbeRecord } from '../../src/domain.ts';
import { CallLedger, type WebhookParams } from '../../src/probers/phone/call-ledger.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { SqliteCallLedgerRepository } from '../../src/store/call-ledger.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { tempDir } from '../helpers/tmp.ts';

const NUMBER = '+77172000101';
const CHANNEL = `a--phone-${NUMBER.slice(1)}`;
const T0 = Date.UTC(2026, 2, 4, 6, 0);

let dir: string;
let db: DB;
let cleanup: () => void;
let ledger: CallLedger;

beforeEach(() => {
  const t = tempDir();
  dir = t.dir;
  cleanup = t.remove;
  db = openDatabase(dir);
  const reg = `- id: a\n  name: Center A\n  kind: hotline\n  channels:\n    - {type: phone, value: "${NUMBER}"}\n`;
  syncRegistry(db, assertLoadable(parseRegistry(reg, 'r.yaml')), 'r.yaml', 'x');
  ledger = new CallLedger(db);
});
afterEach(() => {
  db.close();
  cleanup();
});

const begin = (id: string, startedAt = T0, l: CallLedger = ledger): boolean =>
  l.begin({ id, channelId: CHANNEL, number: NUMBER, dueAt: startedAt, startedAt, estimatedCost: 0.25 });

const count = (sql: string, ...args: unknown[]): number => (db.prepare(sql).get(...args) as { n: number }).n;

describe('attempts', () => {
  test('an attempt is recorded before dialling only for a known channel, and read back with its channel id', () => {
    expect(ledger.begin({ id: 'x1', channelId: 'nope--phone-1', number: NUMBER, dueAt: T0, startedAt: T0, estimatedCost: 0.25 })).toBe(false);
    expect(ledger.exists('x1')).toBe(false);
    expect(begin('a1')).toBe(true);
    expect(ledger.exists('a1')).toBe(true);
    expect(ledger.get('a1')).toMatchObject({ id: 'a1', channel_id: CHANNEL, number: NUMBER, status: 'creating', final_at: null, call_sid: null, probe_id: null, estimated_cost: 0.25 });
    expect(ledger.centerNameOf('a1')).toBe('Center A');
    expect(ledger.centerNameOf('x1')).toBeNull();
    expect(ledger.openAttempts().map((a) => a.id)).toEqual(['a1']);
  });

  test('the call SID moves a creating attempt to queued, but never back from where a callback already took it', () => {
    begin('a1');
    ledger.setCallSid('a1', 'CA1');
    expect(ledger.get('a1')).toMatchObject({ call_sid: 'CA1', status: 'queued' });
    begin('a2');
    ledger.apply('a2', 'status:1', { CallStatus: 'ringing', SequenceNumber: '1' }, 'ringing', T0 + 1);
    ledger.setCallSid('a2', 'CA2');
    expect(ledger.get('a2')).toMatchObject({ call_sid: 'CA2', status: 'ringing' });
  });

  test('a refused create is final, costs nothing and is not counted as a call to the number; an interrupted one is', () => {
    begin('a1', T0);
    begin('a2', T0 + 10);
    ledger.createFailed('a1', { message: 'refused', status: 400, code: 21211 }, T0 + 1);
    ledger.interrupted('a2', { message: 'the daemon stopped' }, T0 + 11);
    expect(ledger.get('a1')).toMatchObject({ status: 'create_failed', final_at: T0 + 1, estimated_cost: 0 });
    expect(JSON.parse(ledger.get('a1')?.create_error ?? 'null')).toEqual({ message: 'refused', status: 400, code: 21211 });
    expect(ledger.get('a2')).toMatchObject({ status: 'interrupted', final_at: T0 + 11, estimated_cost: 0.25 });
    expect(ledger.callsSince(NUMBER, T0 - 1)).toEqual([T0 + 10]);
    expect(ledger.callsSince(NUMBER, T0 + 10)).toEqual([]);
    expect(ledger.spendBetween(T0, T0 + 11)).toBe(0.25);
    expect(ledger.spendBetween(T0 + 11, T0 + 20)).toBe(0);
  });
});

describe('webhooks', () => {
  test('a duplicate delivery is a no-op; a status only moves forward; a final status is applied and announced once', () => {
    begin('a1');
    let finals = 0;
    ledger.events.on('final:a1', () => finals++);
    expect(ledger.apply('a1', 'status:2', { CallStatus: 'in-progress', SequenceNumber: '2' }, 'in-progress', T0 + 2)).toBe(true);
    expect(ledger.apply('a1', 'status:2', { CallStatus: 'in-progress', SequenceNumber: '2' }, 'in-progress', T0 + 3)).toBe(false);
    expect(ledger.apply('a1', 'status:1', { CallStatus: 'ringing', SequenceNumber: '1' }, 'ringing', T0 + 4)).toBe(true);
    expect(ledger.get('a1')?.status).toBe('in-progress');
    expect(ledger.apply('a1', 'status:3', { CallStatus: 'completed', SequenceNumber: '3', CallDuration: '12' }, 'completed', T0 + 5)).toBe(true);
    expect(ledger.apply('a1', 'status:4', { CallStatus: 'busy', SequenceNumber: '4' }, 'busy', T0 + 6)).toBe(true);
    expect(ledger.apply('a1', 'status:5', { CallStatus: 'ringing', SequenceNumber: '5' }, 'ringing', T0 + 7)).toBe(true);
    expect(ledger.get('a1')).toMatchObject({ status: 'completed', final_at: T0 + 5 });
    expect(finals).toBe(1);
    expect(count('SELECT count(*) AS n FROM call_events WHERE attempt_id = ?', 'a1')).toBe(5);
    const ev = ledger.evidenceOf('a1');
    expect(ev?.final).toEqual({ status: 'completed', durationSec: 12, source: 'callback' });
    expect(ev?.events.map((e) => e.status)).toEqual(['in-progress', 'ringing', 'completed', 'busy', 'ringing']);
  });

  test('a fetched ending is stored with what Twilio kept, once; a second fetch of the same status changes nothing', () => {
    begin('a1');
    ledger.setCallSid('a1', 'CA1');
    const kept: { key: string; params: WebhookParams }[] = [
      { key: 'twilio-event:0', params: { call_status: 'failed', sip_response_code: '480' } },
      { key: 'notification:NO1', params: { error_code: '32011', log: '0' } },
    ];
    let finals = 0;
    ledger.events.on('final:a1', () => finals++);
    ledger.applyFetched('a1', 'fetch:failed', { CallStatus: 'failed' }, 'failed', kept, T0 + 5);
    ledger.applyFetched('a1', 'fetch:failed', { CallStatus: 'failed' }, 'failed', kept, T0 + 9);
    expect(finals).toBe(1);
    expect(ledger.get('a1')).toMatchObject({ status: 'failed', final_at: T0 + 5 });
    expect((db.prepare('SELECT key, received_at FROM call_events WHERE attempt_id = ? ORDER BY key').all('a1') as { key: string }[])).toEqual([
      { key: 'fetch:failed', received_at: T0 + 5 },
      { key: 'notification:NO1', received_at: T0 + 5 },
      { key: 'twilio-event:0', received_at: T0 + 5 },
    ]);
    expect(ledger.evidenceOf('a1')?.events).toEqual([
      { kind: 'fetch', status: 'failed', at: T0 + 5 },
      { kind: 'notification', errorCode: 32011, level: 'error', at: T0 + 5 },
      { kind: 'twilio-event', status: 'failed', sip: 480, at: T0 + 5 },
    ]);
  });

  test('what Twilio kept and the fetched ending are one transaction: when one of them cannot be stored, none is', () => {
    begin('a1');
    // A value JSON cannot write stands for any write that fails half-way (a full disk, a lock).
    const unwritable = { n: 1n } as unknown as WebhookParams;
    const kept = [
      { key: 'twilio-event:0', params: { call_status: 'failed' } },
      { key: 'twilio-event:1', params: unwritable },
    ];
    expect(() => ledger.applyFetched('a1', 'fetch:failed', { CallStatus: 'failed' }, 'failed', kept, T0 + 5)).toThrow(TypeError);
    expect(count('SELECT count(*) AS n FROM call_events WHERE attempt_id = ?', 'a1')).toBe(0);
    expect(ledger.get('a1')).toMatchObject({ status: 'creating', final_at: null });
    expect(ledger.applyFetched('a1', 'fetch:failed', { CallStatus: 'failed' }, 'failed', kept.slice(0, 1), T0 + 6)).toBeUndefined();
    expect(ledger.get('a1')).toMatchObject({ status: 'failed', final_at: T0 + 6 });
  });

  test('a webhook for an unknown attempt is refused by the database and leaves nothing stored', () => {
    expect(() => ledger.apply('ghost', 'status:1', { CallStatus: 'ringing' }, 'ringing', T0)).toThrow(/FOREIGN KEY/);
    expect(() => ledger.applyFetched('ghost', 'fetch:failed', { CallStatus: 'failed' }, 'failed', [{ key: 'twilio-event:0', params: {} }], T0)).toThrow(/FOREIGN KEY/);
    expect(count('SELECT count(*) AS n FROM call_events')).toBe(0);
  });

  test('waitForFinal resolves at once for a final attempt and when a later webhook makes it final', async () => {
    begin('a1');
    const waiting = ledger.waitForFinal('a1', 60_000);
    ledger.apply('a1', 'status:1', { CallStatus: 'no-answer', SequenceNumber: '1' }, 'no-answer', T0 + 1);
    await expect(waiting).resolves.toBe(true);
    await expect(ledger.waitForFinal('a1', 60_000)).resolves.toBe(true);
  });
});

describe('after a restart', () => {
  test('a reopened file gives the same open attempts and the same evidence; a stored probe closes its attempt once', async () => {
    begin('a1');
    ledger.setCallSid('a1', 'CA1');
    ledger.apply('a1', 'status:1', { CallStatus: 'ringing', SequenceNumber: '1' }, 'ringing', T0 + 1);
    ledger.apply('a1', 'gather:1', { Digits: '1' }, null, T0 + 2);
    const before = ledger.evidenceOf('a1');
    db.close();

    db = openDatabase(dir);
    const again = new CallLedger(new SqliteCallLedgerRepository(db));
    expect(again.openAttempts().map((a) => [a.id, a.status])).toEqual([['a1', 'ringing']]);
    expect(again.evidenceOf('a1')).toEqual(before);
    expect(again.apply('a1', 'status:1', { CallStatus: 'ringing', SequenceNumber: '1' }, 'ringing', T0 + 3)).toBe(false);

    const writer = new ProbeWriter(db, { rules: { confirmations: 3 }, batchMaxRows: 100, flushIntervalMs: 5, defaultTz: 'Asia/Almaty' });
    try {
      const rec: ProbeRecord = { channelId: CHANNEL, jobId: null, dueAt: T0, startedAt: T0, durationMs: 1, evidence: { method: 'call', v: 1 }, classification: { outcome: 'reachable', reason: 'r', detail: 'd', flags: [] } };
      const first = await writer.add(rec, null, (probeId) => again.markProbe('a1', probeId));
      await writer.add(rec, null, (probeId) => again.markProbe('a1', probeId));
      expect(again.get('a1')?.probe_id).toBe(first.probeId);
      expect(again.openAttempts()).toEqual([]);
    } finally {
      writer.close();
    }
  });
});

describe('opt-outs and the Lookup verdict', () => {
  test('a number opted out during a call stays opted out, with its first record and the attempt channel', () => {
    begin('a1');
    expect(ledger.isOptedOut(NUMBER)).toBe(false);
    expect(ledger.optOutDuring('ghost', 'key_9', T0)).toBeNull();
    expect(ledger.optOutDuring('a1', 'key_9', T0 + 1)).toEqual({ channelId: CHANNEL });
    ledger.optOut(NUMBER, T0 + 2, 'operator', null, 'asked by letter');
    expect(ledger.isOptedOut(NUMBER)).toBe(true);
    expect(db.prepare('SELECT o.number, o.at, o.via, o.attempt_id, o.note, c.id AS channel FROM opt_outs o JOIN channels c ON c.ref = o.channel_ref').all()).toEqual([
      { number: NUMBER, at: T0 + 1, via: 'key_9', attempt_id: 'a1', note: null, channel: CHANNEL },
    ]);
    ledger.optOut('+77172000999', T0 + 3, 'operator', null, 'no attempt');
    expect(db.prepare('SELECT channel_ref FROM opt_outs WHERE number = ?').get('+77172000999')).toEqual({ channel_ref: null });
  });

  test('the latest Lookup that was not our error decides whether a number is dialled', async () => {
    const writer = new ProbeWriter(db, { rules: { confirmations: 3 }, batchMaxRows: 100, flushIntervalMs: 5, defaultTz: 'Asia/Almaty' });
    const lookup = (at: number, outcome: Outcome) =>
      writer.add({ channelId: CHANNEL, jobId: null, dueAt: at, startedAt: at, durationMs: 1, evidence: { method: 'lookup', v: 1 }, classification: { outcome, reason: 'r', detail: 'd', flags: [] } });
    try {
      expect(ledger.lookupVerdict(CHANNEL)).toBe('none');
      await lookup(T0, 'unavailable');
      expect(ledger.lookupVerdict(CHANNEL)).toBe('invalid');
      await lookup(T0 + 1, 'error');
      expect(ledger.lookupVerdict(CHANNEL)).toBe('invalid');
      await lookup(T0 + 2, 'reachable');
      expect(ledger.lookupVerdict(CHANNEL)).toBe('valid');
      await writer.add({ channelId: CHANNEL, jobId: null, dueAt: T0 + 3, startedAt: T0 + 3, durationMs: 1, evidence: { method: 'call', v: 1 }, classification: { outcome: 'unavailable', reason: 'r', detail: 'd', flags: [] } });
      expect(ledger.lookupVerdict(CHANNEL)).toBe('valid');
    } finally {
      writer.close();
    }
  });
});
