// The durable record of every call attempt and every webhook applied to it. Written before the call
// is placed, so that a callback arriving before calls.create returns, or a daemon killed mid-call,
// always finds its attempt; and read back to build the probe's evidence, whichever path finishes it.
//
// Idempotency: each webhook is stored under a key ((attempt, SequenceNumber) for status callbacks,
// amd, gather:<step>, record; for a call whose end had to be fetched, fetch:<status> beside what
// Twilio kept about it, twilio-event:<n> and notification:<sid>); a duplicate delivery is a no-op. A
// final status is applied once and a call never moves backwards from it.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { DB } from '../../store/db.ts';
import type { CallAttemptRow } from '../../store/rows.ts';
import type { CallEvidence, CallEventFacts, CallFinal, GatherFacts, TwilioErrorFacts } from './evidence.ts';

export const FINAL_STATUSES = ['completed', 'busy', 'failed', 'no-answer', 'canceled'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];
const isFinal = (s: string): s is FinalStatus => (FINAL_STATUSES as readonly string[]).includes(s);

// Progress order: a status may only move forward, so an out-of-order `ringing` after `in-progress` is ignored.
const RANK: Record<string, number> = { creating: 0, queued: 1, initiated: 2, ringing: 3, 'in-progress': 4 };
const rankOf = (s: string): number => (isFinal(s) || s === 'create_failed' || s === 'interrupted' ? 9 : (RANK[s] ?? 0));

/** A call attempt with its channel's id, as the ledger reads it (call_attempts' row is in store/rows.ts). */
export type LedgerCallAttempt = CallAttemptRow & { channel_id: string };

export type WebhookParams = Record<string, string>;

export class CallLedger {
  /** Emits `final:<attemptId>` when an attempt reaches a final status. */
  readonly events = new EventEmitter();
  private readonly db: DB;
  private readonly stmts;

  constructor(db: DB) {
    this.db = db;
    this.events.setMaxListeners(0);
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO call_attempts (id, channel_ref, number, due_at, started_at, status, estimated_cost)
         SELECT @id, ref, @number, @dueAt, @startedAt, 'creating', @cost FROM channels WHERE id = @channelId`,
      ),
      setSid: db.prepare(`UPDATE call_attempts SET call_sid = ?, status = CASE WHEN status = 'creating' THEN 'queued' ELSE status END WHERE id = ?`),
      createFailed: db.prepare(`UPDATE call_attempts SET status = 'create_failed', final_at = ?, create_error = ?, estimated_cost = 0 WHERE id = ?`),
      interrupted: db.prepare(`UPDATE call_attempts SET status = 'interrupted', final_at = ?, create_error = ? WHERE id = ?`),
      exists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM call_attempts WHERE id = ?'),
      progress: db.prepare<[string], { status: string; final_at: number | null }>('SELECT status, final_at FROM call_attempts WHERE id = ?'),
      get: db.prepare<[string], LedgerCallAttempt>(
        `SELECT a.*, c.id AS channel_id FROM call_attempts a JOIN channels c ON c.ref = a.channel_ref WHERE a.id = ?`,
      ),
      open: db.prepare<[], LedgerCallAttempt>(
        `SELECT a.*, c.id AS channel_id FROM call_attempts a JOIN channels c ON c.ref = a.channel_ref WHERE a.probe_id IS NULL ORDER BY a.started_at`,
      ),
      addEvent: db.prepare('INSERT INTO call_events (attempt_id, key, received_at, params) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      advance: db.prepare('UPDATE call_attempts SET status = ? WHERE id = ? AND final_at IS NULL'),
      finalize: db.prepare('UPDATE call_attempts SET status = ?, final_at = ? WHERE id = ? AND final_at IS NULL'),
      eventsOf: db.prepare<[string], { key: string; received_at: number; params: string }>(
        'SELECT key, received_at, params FROM call_events WHERE attempt_id = ? ORDER BY received_at, key',
      ),
      recent: db.prepare<[string, number], { started_at: number }>(
        `SELECT started_at FROM call_attempts WHERE number = ? AND started_at > ? AND status != 'create_failed'`,
      ),
      spend: db.prepare<[number, number], { total: number | null }>('SELECT SUM(estimated_cost) AS total FROM call_attempts WHERE started_at >= ? AND started_at < ?'),
      markProbe: db.prepare('UPDATE call_attempts SET probe_id = ? WHERE id = ? AND probe_id IS NULL'),
      optOut: db.prepare(
        `INSERT INTO opt_outs (number, at, channel_ref, via, attempt_id, note) VALUES (?, ?, (SELECT channel_ref FROM call_attempts WHERE id = ?), ?, ?, ?)
         ON CONFLICT(number) DO NOTHING`,
      ),
      isOptedOut: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM opt_outs WHERE number = ?'),
      latestLookup: db.prepare<[string], { outcome: string }>(
        `SELECT p.outcome FROM probes p JOIN channels c ON c.ref = p.channel_ref
         WHERE c.id = ? AND p.method = 'lookup' AND p.outcome != 'error' ORDER BY p.started_at DESC, p.id DESC LIMIT 1`,
      ),
      centerName: db.prepare<[string], { name: string }>(
        'SELECT ce.name FROM call_attempts a JOIN channels c ON c.ref = a.channel_ref JOIN centers ce ON ce.id = c.center_id WHERE a.id = ?',
      ),
    };
  }

  newAttemptId(): string {
    return randomBytes(12).toString('hex');
  }

  /** Records the attempt before dialling. Returns false if the channel is unknown. */
  begin(a: { id: string; channelId: string; number: string; dueAt: number; startedAt: number; estimatedCost: number }): boolean {
    return this.stmts.insert.run({ id: a.id, channelId: a.channelId, number: a.number, dueAt: a.dueAt, startedAt: a.startedAt, cost: a.estimatedCost }).changes === 1;
  }

  setCallSid(id: string, sid: string): void {
    this.stmts.setSid.run(sid, id);
  }

  /** The daemon stopped between recording the attempt and Twilio's answer; the call may have rung. */
  interrupted(id: string, error: TwilioErrorFacts, at: number): void {
    this.stmts.interrupted.run(at, JSON.stringify(error), id);
    this.events.emit(`final:${id}`);
  }

  createFailed(id: string, error: TwilioErrorFacts, at: number): void {
    this.stmts.createFailed.run(at, JSON.stringify(error), id);
    this.events.emit(`final:${id}`);
  }

  get(id: string): LedgerCallAttempt | undefined {
    return this.stmts.get.get(id);
  }

  /** A cheap existence check for every webhook (no join). */
  exists(id: string): boolean {
    return this.stmts.exists.get(id) !== undefined;
  }

  /** Attempts whose probe is not stored yet: in flight, or interrupted by a restart. */
  openAttempts(): LedgerCallAttempt[] {
    return this.stmts.open.all();
  }

  /**
   * Applies one webhook (or REST fetch result) once. Returns false when it was a duplicate.
   * `status` is the call status it reports, if any.
   */
  apply(id: string, key: string, params: WebhookParams, status: string | null, at: number): boolean {
    let applied = false;
    let reachedFinal = false;
    this.db.transaction(() => {
      applied = this.stmts.addEvent.run(id, key, at, JSON.stringify(params)).changes === 1;
      if (!applied || !status) return;
      const row = this.stmts.progress.get(id);
      if (!row || row.final_at !== null) return;
      if (isFinal(status)) {
        reachedFinal = this.stmts.finalize.run(status, at, id).changes === 1;
      } else if (rankOf(status) > rankOf(row.status)) {
        this.stmts.advance.run(status, id);
      }
    })();
    if (reachedFinal) this.events.emit(`final:${id}`);
    return applied;
  }

  /**
   * Applies a REST fetch of the call together with what Twilio kept about it (`kept`: rows of its
   * Events log and notifications, each under its own key), in one transaction: the attempt is never
   * final without them.
   */
  applyFetched(id: string, key: string, params: WebhookParams, status: string, kept: { key: string; params: WebhookParams }[], at: number): void {
    let reachedFinal = false;
    this.db.transaction(() => {
      for (const k of kept) this.stmts.addEvent.run(id, k.key, at, JSON.stringify(k.params));
      if (this.stmts.addEvent.run(id, key, at, JSON.stringify(params)).changes !== 1) return;
      const row = this.stmts.progress.get(id);
      if (!row || row.final_at !== null) return;
      if (isFinal(status)) reachedFinal = this.stmts.finalize.run(status, at, id).changes === 1;
      else if (rankOf(status) > rankOf(row.status)) this.stmts.advance.run(status, id);
    })();
    if (reachedFinal) this.events.emit(`final:${id}`);
  }

  /**
   * Resolves when the attempt reaches a final status (true), or after `ms` (false). Rejects when
   * `signal` aborts: the daemon is stopping, and the open attempt will be finished after the restart.
   */
  waitForFinal(id: string, ms: number, signal?: AbortSignal): Promise<boolean> {
    const row = this.get(id);
    if (row?.final_at != null) return Promise.resolve(true);
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off(`final:${id}`, onFinal);
        signal?.removeEventListener('abort', onAbort);
      };
      const onFinal = () => {
        cleanup();
        resolve(true);
      };
      const onAbort = () => {
        cleanup();
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve(false);
      }, ms);
      this.events.on(`final:${id}`, onFinal);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
    });
  }

  /** The center's name for the prompt ("this is a check of the listing for ..."). */
  centerNameOf(id: string): string | null {
    return this.stmts.centerName.get(id)?.name ?? null;
  }

  /** Ties the stored probe to its attempt; called inside the probe's write transaction. */
  markProbe(id: string, probeId: number): void {
    this.stmts.markProbe.run(probeId, id);
  }

  callsSince(number: string, since: number): number[] {
    return this.stmts.recent.all(number, since).map((r) => r.started_at);
  }

  spendBetween(from: number, to: number): number {
    return this.stmts.spend.get(from, to)?.total ?? 0;
  }

  optOut(number: string, at: number, via: string, attemptId: string | null, note: string | null): void {
    this.stmts.optOut.run(number, at, attemptId, via, attemptId, note);
  }

  /**
   * A number asked, during the call `attemptId`, never to be called again: it is opted out for good.
   * Returns the attempt's channel, or null for an unknown attempt.
   */
  optOutDuring(attemptId: string, via: string, at: number): { channelId: string } | null {
    const row = this.get(attemptId);
    if (!row) return null;
    this.optOut(row.number, at, via, attemptId, null);
    return { channelId: row.channel_id };
  }

  /** "A number Lookup calls invalid is not dialled": the latest lookup of the channel that was not our error decides. */
  lookupVerdict(channelId: string): 'valid' | 'invalid' | 'none' {
    const last = this.stmts.latestLookup.get(channelId);
    return !last ? 'none' : last.outcome === 'unavailable' ? 'invalid' : 'valid';
  }

  isOptedOut(number: string): boolean {
    return (this.stmts.isOptedOut.get(number)?.n ?? 0) > 0;
  }

  /** Rebuilds the evidence from everything stored for the attempt: the same result on any path. */
  evidenceOf(id: string): CallEvidence | null {
    const row = this.get(id);
    if (!row) return null;
    return buildCallEvidence(row, this.stmts.eventsOf.all(id).map((e) => ({ key: e.key, at: e.received_at, params: JSON.parse(e.params) as WebhookParams })));
  }
}

/** Twilio's Events log writes parameters in snake_case ("call_status"); webhooks in PascalCase. */
const param = (p: WebhookParams, snake: string, pascal: string): string | undefined => p[snake] ?? p[pascal];

const num = (v: string | undefined): number | undefined => (v === undefined || v === '' || Number.isNaN(Number(v)) ? undefined : Number(v));

/** Pure: attempt row + stored webhooks -> evidence. */
export function buildCallEvidence(row: LedgerCallAttempt, events: { key: string; at: number; params: WebhookParams }[]): CallEvidence {
  const facts: CallEventFacts[] = [];
  const gathers: GatherFacts[] = [];
  let recording: CallEvidence['recording'];
  let final: CallFinal | undefined;
  let answeredBy: string | undefined;
  for (const e of events) {
    const p = e.params;
    const [kind, arg] = e.key.split(':');
    if (kind === 'status' || kind === 'fetch') {
      const status = p.CallStatus ?? '';
      facts.push({
        kind: kind === 'fetch' ? 'fetch' : status === 'in-progress' ? 'answered' : status,
        status,
        ...(num(p.SequenceNumber) !== undefined ? { seq: num(p.SequenceNumber) } : {}),
        ...(num(p.SipResponseCode) !== undefined ? { sip: num(p.SipResponseCode) } : {}),
        ...(num(p.ErrorCode) !== undefined ? { errorCode: num(p.ErrorCode) } : {}),
        ...(num(p.CallDuration) !== undefined ? { durationSec: num(p.CallDuration) } : {}),
        ...(p.AnsweredBy ? { answeredBy: p.AnsweredBy } : {}),
        at: e.at,
      });
      if (isFinal(status) && !final) {
        final = {
          status,
          ...(num(p.SipResponseCode) !== undefined ? { sip: num(p.SipResponseCode) } : {}),
          ...(num(p.ErrorCode) !== undefined ? { errorCode: num(p.ErrorCode) } : {}),
          ...(num(p.CallDuration) !== undefined ? { durationSec: num(p.CallDuration) } : {}),
          source: kind === 'fetch' ? 'fetch' : 'callback',
        };
      }
      if (p.AnsweredBy) answeredBy ??= p.AnsweredBy;
    } else if (kind === 'twilio-event') {
      const sip = num(param(p, 'sip_response_code', 'SipResponseCode'));
      const errorCode = num(param(p, 'error_code', 'ErrorCode'));
      const seq = num(param(p, 'sequence_number', 'SequenceNumber'));
      facts.push({
        kind,
        status: param(p, 'call_status', 'CallStatus') ?? '',
        ...(seq !== undefined ? { seq } : {}),
        ...(sip !== undefined ? { sip } : {}),
        ...(errorCode !== undefined ? { errorCode } : {}),
        at: e.at,
      });
    } else if (kind === 'notification') {
      const errorCode = num(param(p, 'error_code', 'ErrorCode'));
      facts.push({ kind, ...(errorCode !== undefined ? { errorCode } : {}), level: p.log === '1' ? 'warning' : 'error', at: e.at });
    } else if (kind === 'amd') {
      facts.push({ kind: 'amd', ...(p.AnsweredBy ? { answeredBy: p.AnsweredBy } : {}), at: e.at });
      if (p.AnsweredBy) answeredBy = p.AnsweredBy;
    } else if (kind === 'gather') {
      const g: GatherFacts = { step: Number(arg) || 1 };
      if (p.Digits) g.digits = p.Digits;
      if (p.SpeechResult) g.speech = p.SpeechResult;
      if (num(p.Confidence) !== undefined) g.confidence = num(p.Confidence);
      gathers.push(g);
      facts.push({ kind: 'gather', at: e.at });
    } else if (kind === 'record') {
      if (p.RecordingUrl) recording = { url: p.RecordingUrl, durationSec: num(p.RecordingDuration) ?? 0 };
      facts.push({ kind: 'record', at: e.at });
    }
  }
  if (final && answeredBy) final.answeredBy = answeredBy;
  gathers.sort((a, b) => a.step - b.step);
  const evidence: CallEvidence = { method: 'call', v: 1, number: row.number, at: row.started_at, events: facts, gathers };
  if (row.call_sid) evidence.callSid = row.call_sid;
  if (row.create_error) evidence.createError = JSON.parse(row.create_error) as TwilioErrorFacts;
  if (recording) evidence.recording = recording;
  if (final) evidence.final = final;
  return evidence;
}
