// The durable record of every call attempt and every webhook applied to it. Written before the call
// is placed, so that a callback arriving before calls.create returns, or a daemon killed mid-call,
// always finds its attempt; and read back to build the probe's evidence, whichever path finishes it.
//
// Idempotency: each webhook is stored under a key ((attempt, SequenceNumber) for status callbacks,
// amd, gather:<step>, record; for a call whose end had to be fetched, fetch:<status> beside what
// Twilio kept about it, twilio-event:<n> and notification:<sid>); a duplicate delivery is a no-op. A
// final status is applied once and a call never moves backwards from it.
//
// The rows and their SQL are in store/call-ledger.ts; here are the rules: which status may follow
// which, which writes share a transaction, and the evidence rebuilt from what was stored.

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { SqliteCallLedgerRepository, type CallLedgerRepository, type LedgerCallAttempt } from '../../store/call-ledger.ts';
import type { DB } from '../../store/db.ts';
import type { CallEvidence, CallEventFacts, CallFinal, GatherFacts, TwilioErrorFacts } from './evidence.ts';

export const FINAL_STATUSES = ['completed', 'busy', 'failed', 'no-answer', 'canceled'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];
const isFinal = (s: string): s is FinalStatus => (FINAL_STATUSES as readonly string[]).includes(s);

// Progress order: a status may only move forward, so an out-of-order `ringing` after `in-progress` is ignored.
const RANK: Record<string, number> = { creating: 0, queued: 1, initiated: 2, ringing: 3, 'in-progress': 4 };
const rankOf = (s: string): number => (isFinal(s) || s === 'create_failed' || s === 'interrupted' ? 9 : (RANK[s] ?? 0));

/**
 * Calls through a SIP trunk share the ledger (one number's calls and one month's spend count whichever
 * way they were placed); their ids carry this prefix so each prober finishes only its own after a restart.
 */
export const SIP_ATTEMPT_PREFIX = 'sip-';
export const isSipAttempt = (id: string): boolean => id.startsWith(SIP_ATTEMPT_PREFIX);

export type WebhookParams = Record<string, string>;

export class CallLedger {
  /** Emits `final:<attemptId>` when an attempt reaches a final status. */
  readonly events = new EventEmitter();
  private readonly repo: CallLedgerRepository;

  /** `db`: the SQLite file, or any other engine's call ledger repository. */
  constructor(db: DB | CallLedgerRepository) {
    this.repo = 'addOptOut' in db ? db : new SqliteCallLedgerRepository(db);
    this.events.setMaxListeners(0);
  }

  newAttemptId(): string {
    return randomBytes(12).toString('hex');
  }

  /** Records the attempt before dialling. Returns false if the channel is unknown. */
  begin(a: { id: string; channelId: string; number: string; dueAt: number; startedAt: number; estimatedCost: number }): boolean {
    return this.repo.begin({ id: a.id, channel_id: a.channelId, number: a.number, due_at: a.dueAt, started_at: a.startedAt, estimated_cost: a.estimatedCost });
  }

  setCallSid(id: string, sid: string): void {
    this.repo.setCallSid(id, sid);
  }

  /** The daemon stopped between recording the attempt and Twilio's answer; the call may have rung. */
  interrupted(id: string, error: TwilioErrorFacts, at: number): void {
    this.repo.interrupted(id, at, JSON.stringify(error));
    this.events.emit(`final:${id}`);
  }

  createFailed(id: string, error: TwilioErrorFacts, at: number): void {
    this.repo.createFailed(id, at, JSON.stringify(error));
    this.events.emit(`final:${id}`);
  }

  get(id: string): LedgerCallAttempt | undefined {
    return this.repo.get(id);
  }

  /** A cheap existence check for every webhook (no join). */
  exists(id: string): boolean {
    return this.repo.exists(id);
  }

  /** Attempts whose probe is not stored yet: in flight, or interrupted by a restart. */
  openAttempts(): LedgerCallAttempt[] {
    return this.repo.open();
  }

  /**
   * Applies one webhook (or REST fetch result) once. Returns false when it was a duplicate.
   * `status` is the call status it reports, if any.
   */
  apply(id: string, key: string, params: WebhookParams, status: string | null, at: number): boolean {
    let applied = false;
    let reachedFinal = false;
    this.repo.transaction(() => {
      applied = this.repo.addEvent(id, key, at, JSON.stringify(params));
      if (applied && status) reachedFinal = this.moveTo(id, status, at);
    });
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
    this.repo.transaction(() => {
      for (const k of kept) this.repo.addEvent(id, k.key, at, JSON.stringify(k.params));
      if (this.repo.addEvent(id, key, at, JSON.stringify(params))) reachedFinal = this.moveTo(id, status, at);
    });
    if (reachedFinal) this.events.emit(`final:${id}`);
  }

  /**
   * Inside the caller's transaction: an attempt not final yet takes a final status, or a later one;
   * it never moves backwards. True when it has just become final.
   */
  private moveTo(id: string, status: string, at: number): boolean {
    const row = this.repo.progress(id);
    if (!row || row.final_at !== null) return false;
    if (isFinal(status)) return this.repo.finalize(id, status, at);
    if (rankOf(status) > rankOf(row.status)) this.repo.advance(id, status);
    return false;
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
    return this.repo.centerName(id);
  }

  /** Ties the stored probe to its attempt; called inside the probe's write transaction. */
  markProbe(id: string, probeId: number): void {
    this.repo.markProbe(id, probeId);
  }

  callsSince(number: string, since: number): number[] {
    return this.repo.placedSince(number, since);
  }

  spendBetween(from: number, to: number): number {
    return this.repo.spendBetween(from, to);
  }

  optOut(number: string, at: number, via: string, attemptId: string | null, note: string | null): void {
    this.repo.addOptOut({ number, at, via, attempt_id: attemptId, note });
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
    const last = this.repo.latestLookupOutcome(channelId);
    return last === null ? 'none' : last === 'unavailable' ? 'invalid' : 'valid';
  }

  isOptedOut(number: string): boolean {
    return this.repo.isOptedOut(number);
  }

  /** Rebuilds the evidence from everything stored for the attempt: the same result on any path. */
  evidenceOf(id: string): CallEvidence | null {
    const row = this.get(id);
    if (!row) return null;
    return buildCallEvidence(row, this.repo.events(id).map((e) => ({ key: e.key, at: e.received_at, params: JSON.parse(e.params) as WebhookParams })));
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
