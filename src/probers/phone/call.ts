// An outbound call through Twilio, with status callbacks for every event, asynchronous answering-
// machine detection, a ring timeout and a time limit. The attempt is recorded before dialling and
// every callback is stored as it arrives (call-ledger.ts), so the evidence is the same whether the
// call ends while we wait, after a missed callback (fetched from Twilio), or after a restart.

import type twilio from 'twilio';
import { decideCall, type CallingRules } from '../../calling/policy.ts';
import type { Channel, ChannelStatus, Classification, Evidence } from '../../domain.ts';
import type { GateDecision, Prober, ProbeContext, RecoveryContext } from '../prober.ts';
import { FINAL_STATUSES, type CallLedger } from './call-ledger.ts';

const isFinalStatus = (s: string) => (FINAL_STATUSES as readonly string[]).includes(s);
import type { CallEvidence } from './evidence.ts';
import { restErrorFacts, type TwilioSettings } from './settings.ts';

/** The longest one call probe may take: ring, talk, wait for the last callback, then a minute to fetch the call from Twilio. */
export function callDeadlineMs(t: { ringTimeoutSec: number; timeLimitSec: number; callbackGraceMs: number }): number {
  return (t.ringTimeoutSec + t.timeLimitSec) * 1000 + t.callbackGraceMs + 60_000;
}

export interface CallProberOptions {
  client: twilio.Twilio;
  settings: TwilioSettings;
  ledger: CallLedger;
  rules: CallingRules;
  callsPerSecond: number;
  maxConcurrentCalls: number;
  ringTimeoutSec: number;
  timeLimitSec: number;
  /** Extra wait for the final callback before the call is fetched from Twilio. */
  callbackGraceMs: number;
  /** The center's time zone, for calling hours and time slots. */
  tzOf: (channel: Channel) => string;
  /** True when the channel is also looked up: then its first call waits for the first lookup. */
  looksUp: (channel: Channel) => boolean;
  /** After an unconfirmed no-answer, unavailable or busy, the number is called again this soon (telephony.follow_up). */
  followUpMs: number;
  /** Grace after a final status for a late AMD callback. */
  settleMs?: number;
  now?: () => number;
}

/**
 * Spaces calls.create requests to the account's calls-per-second limit as Twilio counts it: by when
 * each request *arrives*. When a request leaves says little about when it arrives (a slow network,
 * a cold connection, a retransmit), but its answer cannot come back before it arrived. So the next
 * create may start only 1/CPS after the previous one's answer (any HTTP status) or failure came back:
 *   arrival(n) <= answer(n) <= start(n+1) - 1/CPS <= arrival(n+1) - 1/CPS
 * which holds for any delay on the way, with no margin to guess. The cost is one round trip per call
 * (at 1/s and 300 ms to Twilio, 0.77 calls a second). The one case it cannot see is a create that
 * fails without an answer (timeout, reset): it is taken not to arrive after we gave up on it.
 */
export class CallPacer {
  private nextAt = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly spacingMs: number;
  private readonly now: () => number;
  /** Start times of every create, for the benchmark's "never exceeded" check. */
  readonly starts: number[] = [];

  constructor(callsPerSecond: number, now: () => number = Date.now) {
    this.spacingMs = 1000 / callsPerSecond;
    this.now = now;
  }

  /**
   * Waits for this create's turn. Resolves to `done`, to be called once its answer (or failure) came
   * back; the next turn waits for that. A turn given up (the signal aborts) rejects at once.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    const before = this.chain;
    const turn = untilAborted(before, signal).then(async () => {
      for (let wait = this.nextAt - this.now(); wait > 0; wait = this.nextAt - this.now()) await sleep(wait, signal);
      this.starts.push(this.now());
      if (this.starts.length > 10_000) this.starts.splice(0, 5_000);
    });
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => {
      release = () => {
        this.nextAt = this.now() + this.spacingMs;
        resolve();
      };
    });
    // A turn given up still leaves the one after it behind the create before it.
    this.chain = turn.then(
      () => released,
      () => before,
    );
    return turn.then(() => {
      let once = false;
      return () => {
        if (once) return;
        once = true;
        release();
      };
    });
  }
}

/** `p`, or a rejection as soon as `signal` aborts (a stopping daemon does not wait behind a slow create). */
function untilAborted(p: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const DAY = 86_400_000;

/** Outcomes after which a number is called again soon (on another day), until confirmed. */
const FOLLOW_UP = new Set(['no_answer', 'unavailable', 'busy']);
/** Twilio asked us to slow down or was down: try again in a while, not at the next weekly slot. */
const RETRY_OUR_ERROR_MS = 10 * 60_000;
const RETRY_REASONS = new Set(['twilio_rate_limited', 'provider_unavailable']);

function monthBounds(now: number): [number, number] {
  const d = new Date(now);
  return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
}

export function createCallProber(opts: CallProberOptions): Prober & { pacer: CallPacer; webhookUrl: (kind: string, attemptId: string) => string } {
  const now = opts.now ?? Date.now;
  const pacer = new CallPacer(opts.callsPerSecond, now);
  const hook = (kind: string, id: string) => `${opts.settings.publicUrl}/twilio/${kind}/${id}`;

  const gate = (channel: Channel, at: number): GateDecision => {
    if (!channel.target) return { ok: false, reason: 'no_number', detail: 'The channel has no number to dial.', retryAt: null };
    const verdict = opts.ledger.lookupVerdict(channel.id);
    if (verdict === 'invalid') {
      return { ok: false, reason: 'invalid_number', detail: 'Lookup found the number invalid; it is not dialled until a lookup finds it valid.', retryAt: null };
    }
    if (verdict === 'none' && opts.looksUp(channel)) {
      return { ok: false, reason: 'awaiting_lookup', detail: 'The number has not been looked up yet; the silent check comes before the first call.', retryAt: at + 10 * 60_000 };
    }
    const [monthStart, monthEnd] = monthBounds(at);
    const d = decideCall(opts.rules, {
      now: at,
      tz: opts.tzOf(channel),
      recentCalls: opts.ledger.callsSince(channel.target, at - 7 * DAY),
      spentThisMonth: opts.ledger.spendBetween(monthStart, monthEnd),
      optedOut: opts.ledger.isOptedOut(channel.target),
    });
    if (d.allow) return { ok: true };
    // A spend cap stops every call, not one number's: the operator hears of it (hours and per-number caps are routine).
    const alarm = d.reason === 'spend_cap' ? 'calls stopped: the monthly spend cap is reached; no call is placed until next month or a higher cap' : undefined;
    return { ok: false, reason: d.reason, detail: d.detail, retryAt: d.retryAt, ...(alarm ? { alarm } : {}) };
  };

  const probe = async (channel: Channel, ctx: ProbeContext): Promise<Evidence> => {
    const number = channel.target;
    if (!number) throw new TypeError(`channel ${channel.id} has no number to dial`);
    const answered = await pacer.acquire(ctx.signal);
    const id = opts.ledger.newAttemptId();
    let created: { sid: string } | { error: unknown };
    try {
      const startedAt = now();
      if (!opts.ledger.begin({ id, channelId: channel.id, number, dueAt: ctx.dueAt ?? startedAt, startedAt, estimatedCost: opts.rules.estimatedCallCost })) {
        throw new Error(`channel ${channel.id} is not in the database`);
      }
      created = await opts.client.calls
        .create({
          to: number,
          from: opts.settings.from,
          url: hook('voice', id),
          method: 'POST',
          statusCallback: hook('status', id),
          statusCallbackMethod: 'POST',
          statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
          machineDetection: 'Enable',
          asyncAmd: 'true',
          asyncAmdStatusCallback: hook('amd', id),
          asyncAmdStatusCallbackMethod: 'POST',
          timeout: opts.ringTimeoutSec,
          timeLimit: opts.timeLimitSec,
        })
        .then(
          (call) => ({ sid: call.sid }),
          (error: unknown) => ({ error }),
        );
    } finally {
      answered(); // the next create is paced from now, when this one has surely arrived
    }
    if ('error' in created) {
      opts.ledger.createFailed(id, restErrorFacts(created.error), now());
      return withAttempt(opts.ledger.evidenceOf(id), id);
    }
    opts.ledger.setCallSid(id, created.sid);
    // An unanswered call is over once the ring timeout passes; an answered one may last the time limit.
    const waits = [opts.ringTimeoutSec * 1000 + opts.callbackGraceMs, (opts.ringTimeoutSec + opts.timeLimitSec) * 1000 + opts.callbackGraceMs];
    const waitMs = waits[1] as number;
    const final = await finish(opts, id, waits, ctx.signal);
    const evidence = opts.ledger.evidenceOf(id);
    if (evidence && !final) evidence.gaveUp = `no final status within ${Math.round(waitMs / 1000)} s, and Twilio's record of the call had none either`;
    return withAttempt(evidence, id);
  };

  const deadlineMs = callDeadlineMs(opts);

  /**
   * The 2018 protocol: one silent call is not an outage. After an unconfirmed failure the number is
   * tried again soon (calling hours and per-number caps move it to another day), until the status is
   * confirmed or the number answers.
   */
  const followUp = (c: Classification, status: ChannelStatus): number | null => {
    if (RETRY_REASONS.has(c.reason)) return RETRY_OUR_ERROR_MS;
    if (FOLLOW_UP.has(c.outcome) && status !== c.outcome) return opts.followUpMs;
    return null;
  };

  /** Calls left in flight by a stop or a crash: fetch each from Twilio and store it. */
  const recover = async (ctx: RecoveryContext): Promise<void> => {
    await Promise.all(
      opts.ledger.openAttempts().map(async (row) => {
        const remaining = row.started_at + deadlineMs - Date.now();
        if (row.final_at === null && row.call_sid) {
          const final = await fetchAndApply(opts, row.id);
          if (!final && remaining > 0) await finish(opts, row.id, [remaining], ctx.signal).catch(() => false);
        } else if (row.final_at === null && !row.call_sid) {
          // Stopped between recording the attempt and Twilio's answer: we cannot know if it rang, so it
          // still counts towards the number's caps, and it is our error, not the center's.
          opts.ledger.interrupted(row.id, { message: 'the daemon stopped before Twilio confirmed the call' }, Date.now());
        }
        if (ctx.signal.aborted) return;
        const evidence = opts.ledger.evidenceOf(row.id);
        if (!evidence) return;
        if (!evidence.final && !evidence.createError) evidence.gaveUp = 'no final status after a restart, from callbacks or from Twilio';
        await ctx.store({
          channelId: row.channel_id,
          dueAt: row.due_at,
          startedAt: row.started_at,
          durationMs: Date.now() - row.started_at,
          evidence: withAttempt(evidence, row.id),
        });
      }),
    );
  };

  return {
    channelType: 'phone',
    method: 'call',
    hostKey: () => 'twilio-calls',
    hostLimits: { 'twilio-calls': opts.maxConcurrentCalls },
    gate,
    probe,
    deadlineMs,
    followUp,
    // The attempt's row points at its stored probe: an attempt without one is finished after a restart.
    linkProbe: (evidence, probeId) => {
      if (typeof evidence.attempt === 'string') opts.ledger.markProbe(evidence.attempt, probeId);
    },
    recover,
    pacer,
    webhookUrl: hook,
  };
}

/**
 * Waits for the final status from the callbacks; when it does not come in time (our webhook was
 * unreachable, Twilio dropped it), fetches the call from Twilio and applies what it says. `waits` are
 * the moments (ms after now) at which to ask Twilio, e.g. after the ring timeout, then after the
 * time limit: a call still in progress at the first is waited for until the next.
 */
export async function finish(
  opts: Pick<CallProberOptions, 'client' | 'ledger' | 'settleMs' | 'now'>,
  id: string,
  waits: number[],
  signal?: AbortSignal,
): Promise<boolean> {
  const now = opts.now ?? Date.now;
  const t0 = now();
  let final = false;
  for (const until of waits) {
    final = await opts.ledger.waitForFinal(id, Math.max(0, t0 + until - now()), signal);
    if (!final) final = await fetchAndApply(opts, id, now);
    if (final) break;
  }
  if (final) await new Promise((r) => setTimeout(r, opts.settleMs ?? 1000)); // a late AMD result may still come
  return final;
}

export async function fetchAndApply(opts: Pick<CallProberOptions, 'client' | 'ledger'>, id: string, now: () => number = Date.now): Promise<boolean> {
  const row = opts.ledger.get(id);
  if (!row?.call_sid) return false;
  try {
    const c = await opts.client.calls(row.call_sid).fetch();
    const params: Record<string, string> = { CallSid: c.sid, CallStatus: c.status };
    if (c.duration) params.CallDuration = String(c.duration);
    if (c.answeredBy) params.AnsweredBy = c.answeredBy;
    const kept = isFinalStatus(c.status) ? await whatTwilioKept(opts.client, row.call_sid) : [];
    opts.ledger.applyFetched(id, `fetch:${c.status}`, params, c.status, kept, now());
  } catch (err) {
    opts.ledger.apply(id, `fetch-error:${now()}`, { error: restErrorFacts(err).message }, null, now());
  }
  return opts.ledger.get(id)?.final_at != null;
}

/**
 * The Call resource has no SIP code or error code: they came on the final callback we missed. Twilio
 * still has them in the call's Events log (every request it made to us, the undelivered final status
 * callback included, with its parameters) and its notifications (11200 when it could not reach our
 * menu, 13224, 32xxx ...). Kept verbatim, each under its own key, for the classifier to read; what
 * cannot be read (Twilio shows Events only some minutes after the call, or the request fails) is
 * simply absent, and the call then stays unexplained.
 */
async function whatTwilioKept(client: twilio.Twilio, callSid: string): Promise<{ key: string; params: Record<string, string> }[]> {
  const call = client.calls(callSid);
  const [events, notes] = await Promise.all([call.events.list({ limit: 100 }).catch(() => []), call.notifications.list({ limit: 20 }).catch(() => [])]);
  const kept: { key: string; params: Record<string, string> }[] = [];
  events.forEach((event, i) => {
    const parameters = stringFields(field(event.request as unknown, 'parameters'));
    // Requests about the call's progress (they carry its status); not the create request we sent.
    if (parameters.call_status !== undefined || parameters.CallStatus !== undefined) kept.push({ key: `twilio-event:${i}`, params: parameters });
  });
  for (const n of notes) {
    if (!n.errorCode) continue;
    kept.push({ key: `notification:${n.sid}`, params: { error_code: String(n.errorCode), log: String(n.log ?? ''), message_text: n.messageText ?? '' } });
  }
  return kept;
}

const field = (v: unknown, name: string): unknown => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[name] : undefined);

/** A JSON object's string and number fields as strings (the parameters of a webhook are strings). */
function stringFields(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === null || typeof v !== 'object') return out;
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string' || typeof x === 'number') out[k] = String(x);
  return out;
}

function withAttempt(e: CallEvidence | null, id: string): Evidence {
  if (!e) throw new Error(`call attempt ${id} vanished from the database`);
  return { ...e, attempt: id } as unknown as Evidence;
}
