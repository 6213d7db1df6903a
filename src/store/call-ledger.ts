// The call ledger's tables: call_attempts (one per test call, written before calls.create),
// call_events (every webhook applied, once per key) and opt_outs, plus the two reads of other tables
// the ledger answers from (a channel's latest Lookup, an attempt's center name). The rules (which
// status may follow which, when an attempt is final, the evidence built from the events) are in
// probers/phone/call-ledger.ts; the hot statements (one webhook is an insert, a read and an update)
// are prepared once.

import type { DB } from './connection.ts';
import type { CallAttemptRow, CallEventRow, ChannelRow, OptOutRow } from './rows.ts';

/** A call attempt with its channel's id, as the ledger reads it. */
export type LedgerCallAttempt = CallAttemptRow & { channel_id: ChannelRow['id'] };

/** An attempt as recorded before dialling; `channel_id` names its channel. */
export type CallAttemptStart = Pick<CallAttemptRow, 'id' | 'number' | 'due_at' | 'started_at' | 'estimated_cost'> & { channel_id: ChannelRow['id'] };

/** A stored webhook (params as their JSON text). */
export type StoredCallEvent = Pick<CallEventRow, 'key' | 'received_at' | 'params'>;

export type OptOutWrite = Pick<OptOutRow, 'number' | 'at' | 'via' | 'attempt_id' | 'note'>;

export interface CallLedgerRepository {
  /** Runs `write` in one transaction: a webhook's event and the status it moves are stored together or not at all. */
  transaction<T>(write: () => T): T;
  /** Records the attempt as `creating` for the channel; false when no channel has that id. */
  begin(a: CallAttemptStart): boolean;
  /** Stores Twilio's call SID; an attempt still `creating` becomes `queued` (a callback may have moved it further already). */
  setCallSid(id: string, sid: string): void;
  /** calls.create was refused: final at `at`, nothing spent. `error` is JSON TwilioErrorFacts. */
  createFailed(id: string, at: number, error: string): void;
  /** The daemon stopped before Twilio answered calls.create: final at `at` as `interrupted`. */
  interrupted(id: string, at: number, error: string): void;
  exists(id: string): boolean;
  get(id: string): LedgerCallAttempt | undefined;
  /** Attempts whose probe is not stored yet, oldest first. */
  open(): LedgerCallAttempt[];
  /** Stores a webhook under its key; false when that key was already stored for the attempt. */
  addEvent(id: string, key: string, at: number, params: string): boolean;
  /** The attempt's status and when it became final, if it did. */
  progress(id: string): Pick<CallAttemptRow, 'status' | 'final_at'> | undefined;
  /** Sets a non-final status, unless the attempt is final already. */
  advance(id: string, status: string): void;
  /** Sets a final status at `at` unless the attempt is final already; whether it did. */
  finalize(id: string, status: string, at: number): boolean;
  /** The attempt's stored webhooks, in the order they arrived (then by key). */
  events(id: string): StoredCallEvent[];
  /** When each call to `number` started after `since`, leaving out those calls.create refused (they never rang). */
  placedSince(number: string, since: number): number[];
  /** The estimated cost of the attempts started in [from, to). */
  spendBetween(from: number, to: number): number;
  /** Ties the stored probe to its attempt, unless one is tied already. */
  markProbe(id: string, probeId: number): void;
  /** The name of the center whose channel the attempt called. */
  centerName(id: string): string | null;
  /** The outcome of the channel's latest Lookup that was not our error (`error`), if any. */
  latestLookupOutcome(channelId: string): string | null;
  /** Opts the number out, for the channel of `attempt_id` if given; a number already opted out keeps its first record. */
  addOptOut(o: OptOutWrite): void;
  isOptedOut(number: string): boolean;
}

export class SqliteCallLedgerRepository implements CallLedgerRepository {
  private readonly db: DB;
  private readonly stmts;

  constructor(db: DB) {
    this.db = db;
    this.stmts = {
      begin: db.prepare<[CallAttemptStart]>(
        `INSERT INTO call_attempts (id, channel_ref, number, due_at, started_at, status, estimated_cost)
         SELECT @id, ref, @number, @due_at, @started_at, 'creating', @estimated_cost FROM channels WHERE id = @channel_id`,
      ),
      setSid: db.prepare<[string, string]>(`UPDATE call_attempts SET call_sid = ?, status = CASE WHEN status = 'creating' THEN 'queued' ELSE status END WHERE id = ?`),
      createFailed: db.prepare<[number, string, string]>(`UPDATE call_attempts SET status = 'create_failed', final_at = ?, create_error = ?, estimated_cost = 0 WHERE id = ?`),
      interrupted: db.prepare<[number, string, string]>(`UPDATE call_attempts SET status = 'interrupted', final_at = ?, create_error = ? WHERE id = ?`),
      exists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM call_attempts WHERE id = ?'),
      progress: db.prepare<[string], Pick<CallAttemptRow, 'status' | 'final_at'>>('SELECT status, final_at FROM call_attempts WHERE id = ?'),
      get: db.prepare<[string], LedgerCallAttempt>(`SELECT a.*, c.id AS channel_id FROM call_attempts a JOIN channels c ON c.ref = a.channel_ref WHERE a.id = ?`),
      open: db.prepare<[], LedgerCallAttempt>(
        `SELECT a.*, c.id AS channel_id FROM call_attempts a JOIN channels c ON c.ref = a.channel_ref WHERE a.probe_id IS NULL ORDER BY a.started_at`,
      ),
      addEvent: db.prepare<[string, string, number, string]>('INSERT INTO call_events (attempt_id, key, received_at, params) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      advance: db.prepare<[string, string]>('UPDATE call_attempts SET status = ? WHERE id = ? AND final_at IS NULL'),
      finalize: db.prepare<[string, number, string]>('UPDATE call_attempts SET status = ?, final_at = ? WHERE id = ? AND final_at IS NULL'),
      events: db.prepare<[string], StoredCallEvent>('SELECT key, received_at, params FROM call_events WHERE attempt_id = ? ORDER BY received_at, key'),
      placedSince: db.prepare<[string, number], Pick<CallAttemptRow, 'started_at'>>(
        `SELECT started_at FROM call_attempts WHERE number = ? AND started_at > ? AND status != 'create_failed'`,
      ),
      spend: db.prepare<[number, number], { total: number | null }>('SELECT SUM(estimated_cost) AS total FROM call_attempts WHERE started_at >= ? AND started_at < ?'),
      markProbe: db.prepare<[number, string]>('UPDATE call_attempts SET probe_id = ? WHERE id = ? AND probe_id IS NULL'),
      addOptOut: db.prepare<[string, number, string | null, string, string | null, string | null]>(
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

  transaction<T>(write: () => T): T {
    return this.db.transaction(write)();
  }

  begin(a: CallAttemptStart): boolean {
    return this.stmts.begin.run(a).changes === 1;
  }

  setCallSid(id: string, sid: string): void {
    this.stmts.setSid.run(sid, id);
  }

  createFailed(id: string, at: number, error: string): void {
    this.stmts.createFailed.run(at, error, id);
  }

  interrupted(id: string, at: number, error: string): void {
    this.stmts.interrupted.run(at, error, id);
  }

  exists(id: string): boolean {
    return this.stmts.exists.get(id) !== undefined;
  }

  get(id: string): LedgerCallAttempt | undefined {
    return this.stmts.get.get(id);
  }

  open(): LedgerCallAttempt[] {
    return this.stmts.open.all();
  }

  addEvent(id: string, key: string, at: number, params: string): boolean {
    return this.stmts.addEvent.run(id, key, at, params).changes === 1;
  }

  progress(id: string): Pick<CallAttemptRow, 'status' | 'final_at'> | undefined {
    return this.stmts.progress.get(id);
  }

  advance(id: string, status: string): void {
    this.stmts.advance.run(status, id);
  }

  finalize(id: string, status: string, at: number): boolean {
    return this.stmts.finalize.run(status, at, id).changes === 1;
  }

  events(id: string): StoredCallEvent[] {
    return this.stmts.events.all(id);
  }

  placedSince(number: string, since: number): number[] {
    return this.stmts.placedSince.all(number, since).map((r) => r.started_at);
  }

  spendBetween(from: number, to: number): number {
    return this.stmts.spend.get(from, to)?.total ?? 0;
  }

  markProbe(id: string, probeId: number): void {
    this.stmts.markProbe.run(probeId, id);
  }

  centerName(id: string): string | null {
    return this.stmts.centerName.get(id)?.name ?? null;
  }

  latestLookupOutcome(channelId: string): string | null {
    return this.stmts.latestLookup.get(channelId)?.outcome ?? null;
  }

  addOptOut(o: OptOutWrite): void {
    this.stmts.addOptOut.run(o.number, o.at, o.attempt_id, o.via, o.attempt_id, o.note);
  }

  isOptedOut(number: string): boolean {
    return (this.stmts.isOptedOut.get(number)?.n ?? 0) > 0;
  }
}
