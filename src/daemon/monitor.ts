// The daemon's core loop, wiring the data flow: registry -> scheduler -> probers -> classifier
// -> store -> status. Each stage lives in its own folder; this file only connects them.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ClassifierRules } from '../classifier/classifier.ts';
import type { Config } from '../config/config.ts';
import { classify } from '../classifier/classifier.ts';
import { timeSlot } from '../calling/policy.ts';
import type { Channel, Evidence, ProbeMethod } from '../domain.ts';
import { probeOnce } from '../probers/probe-once.ts';
import type { Prober, ProberSet } from '../probers/prober.ts';
import { canaryFor, classifierRulesFor, websiteProberFor } from '../probers/from-config.ts';
import { assertLoadable, formatProblem, type RegistryLoad } from '../registry/load.ts';
import { syncRegistry, type SyncSummary } from '../registry/sync.ts';
import { parseSchedule, phaseOf, type Schedule } from '../scheduler/schedule.ts';
import { Scheduler, type DueJob } from '../scheduler/scheduler.ts';
import type { CanaryMonitor, CanaryState } from '../selfcheck/canary.ts';
import type { DB } from '../store/db.ts';
import { ProbeWriter, type StoredProbe } from '../store/probe-writer.ts';
import { isLockWait, judgeWrites, type WriteVerdict } from '../store/write-health.ts';
import type { Telephony } from './telephony.ts';
import { phoneStatusRules, websiteStatusRules } from '../status/rules.ts';

export const NOT_CONFIGURED_REASON = 'not probed: telephony not configured';

export interface MonitorEvents {
  onStored?: (stored: StoredProbe[]) => void;
  /** Inside each batch's write transaction (center status, incidents, alerts). */
  afterBatch?: (stored: StoredProbe[]) => void;
  /** The canaries' verdict changed: our own network works, or does not. */
  onCanaryChange?: (state: CanaryState) => void;
  /** A batch could not be written (disk full...): the message, or null once writes succeed again. */
  onWriteHealth?: (error: string | null) => void;
}

type ScheduledMethod = Exclude<ProbeMethod, 'manual'>;

const RETRY_OUR_ERROR_MS = 10 * 60_000;
/** An idle daemon writes a heartbeat this often, so readiness notices a disk that stopped taking writes. */
const HEARTBEAT_MS = 10_000;

/** Outcomes after which a phone channel is tried again soon (on another day), until confirmed. */
const FOLLOW_UP = new Set(['no_answer', 'unavailable', 'busy']);

export class Monitor {
  readonly scheduler: Scheduler;
  readonly writer: ProbeWriter;
  readonly canary: CanaryMonitor;
  readonly probers: ProberSet;
  readonly rules: ClassifierRules;
  readonly telephony: Telephony | null;
  private channels = new Map<string, Channel>();
  private centerZones = new Map<string, string | null>();
  private readonly abort = new AbortController();
  /** One per probe in flight; stop() aborts them. */
  private readonly probeAborts = new Set<AbortController>();
  /** Set when a write failed (not a wait for a lock) and not yet recovered: readiness reports it. */
  lastWriteError: string | null = null;
  /** The last "database is locked" while results wait: it explains a stall, it is not yet a failure. */
  private lastWaitError: string | null = null;
  private heartbeatFailingSince: number | null = null;
  private heartbeatError: string | null = null;
  private lastHeartbeatAt = Number.NEGATIVE_INFINITY;
  private writeVerdict: WriteVerdict = { ok: true };
  private writeWatch: NodeJS.Timeout | null = null;
  private readonly events: MonitorEvents;
  lastSync: SyncSummary | null = null;
  probesStored = 0;
  /** Why calls are not being placed right now (spend cap...), for the operator. */
  callingBlocked: { reason: string; detail: string; since: number } | null = null;

  private readonly db: DB;
  private readonly config: Config;
  private readonly log: Logger;

  constructor(db: DB, config: Config, log: Logger, events: MonitorEvents = {}, telephony: Telephony | null = null) {
    this.db = db;
    this.config = config;
    this.log = log;
    this.telephony = telephony;
    this.events = events;
    const http = websiteProberFor(config);
    this.probers = { http, ...(telephony ? { lookup: telephony.lookup, call: telephony.call } : {}) };
    this.rules = classifierRulesFor(config);
    this.canary = canaryFor(config, http);
    this.canary.onChange = (s) => {
      if (s.ok) log.info({ canary: s }, 'canaries answer again: failures count against centers again');
      else log.warn({ canary: s }, 'canaries failed: probe failures are recorded as our own errors');
      events.onCanaryChange?.(s);
    };
    const websiteRules = websiteStatusRules(config.status);
    const phoneRules = phoneStatusRules(config.status, config.telephony);
    this.writer = new ProbeWriter(db, {
      rules: (type) => (type === 'phone' ? phoneRules : websiteRules),
      defaultTz: config.defaultTimezone,
      batchMaxRows: config.store.batchMaxRows,
      flushIntervalMs: config.store.flushIntervalMs,
      ...(events.afterBatch ? { afterBatch: events.afterBatch } : {}),
      onAfterBatchError: (err) => log.error({ err }, 'center status or alert bookkeeping failed for a batch; the probes were stored'),
      onCommitted: (stored) => {
        if (this.lastWriteError) log.info('probe results are being written again');
        if (this.lastWriteError) events.onWriteHealth?.(null);
        this.lastWriteError = null;
        this.lastWaitError = null;
        this.probesStored += stored.length;
        for (const s of stored) {
          if (s.change) log.info({ channel: s.channelId, from: s.change.from, to: s.change.to, reason: s.change.reason }, 'channel status changed');
          this.followUp(s);
        }
        try {
          events.onStored?.(stored);
        } catch (err) {
          // Runs from the writer's timer: a throw here would end the process with results committed.
          log.error({ err }, 'handling stored probe results failed');
        }
      },
      onError: (err, pending) => {
        if (isLockWait(err)) {
          // Another connection holds the write lock: the batch waits and is retried; checkWrites()
          // reports a stall once it has waited longer than store.stall_after.
          this.lastWaitError = err instanceof Error ? err.message : String(err);
          log.warn({ err, pending }, 'probe results wait for the database write lock; retrying');
          return;
        }
        this.lastWriteError = err instanceof Error ? err.message : String(err);
        events.onWriteHealth?.(this.lastWriteError);
        log.error({ err, pending }, 'could not write probe results; they stay queued and will be retried');
      },
    });
    const hostLimits = new Map(Object.values(this.probers).flatMap((pr) => Object.entries(pr?.hostLimits ?? {})));
    this.scheduler = new Scheduler({
      concurrency: config.scheduler.concurrency,
      perHostConcurrency: config.scheduler.perHostConcurrency,
      jitterMs: config.scheduler.jitterMs,
      hostLimit: (host) => hostLimits.get(host),
      run: (job) => this.runJob(job),
      onSkip: (id) => log.debug({ channel: id }, 'skipped a run: the previous probe of this channel is still in flight'),
    });
  }

  channel(id: string): Channel | undefined {
    return this.channels.get(id);
  }

  tzOf(channel: Channel): string {
    return this.centerZones.get(channel.centerId) ?? this.config.defaultTimezone;
  }

  /** The scheduled methods of a channel: the registry's choice, or the channel type's default. */
  methodsOf(ch: Channel): ScheduledMethod[] {
    const chosen = ch.options.methods ?? (ch.type === 'website' ? ['http'] : this.config.telephony.methods);
    return chosen.filter((m): m is ScheduledMethod => m !== 'manual');
  }

  /**
   * Syncs a loaded registry to the database and (re)schedules channels. A load with errors is refused
   * as a whole and nothing is written; the caller decides whether that is fatal.
   */
  applyRegistry(load: RegistryLoad): SyncSummary {
    const file = this.config.registry.file;
    for (const p of load.problems) if (p.severity === 'warning') this.log.warn(formatProblem(p));
    assertLoadable(load);
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    const summary = syncRegistry(this.db, load.centers, file, sha);
    this.writer.forgetChannels();
    // Only what scheduling needs stays in memory; the full records live in the database.
    this.centerZones = new Map(load.centers.map((c) => [c.id, c.tz]));
    const next = new Map<string, Channel>();
    for (const c of load.centers) for (const ch of c.channels) next.set(ch.id, ch);
    // Where each job's next slot was remembered: websites in channel_state, phone jobs in job_slots.
    const remembered = new Map(
      (
        this.db
          .prepare(
            `SELECT job_id, next_slot_at FROM job_slots
             UNION ALL SELECT c.id || '#http', s.next_due_at FROM channel_state s JOIN channels c ON c.ref = s.channel_ref
             WHERE c.type = 'website' AND s.next_due_at IS NOT NULL`,
          )
          .all() as { job_id: string; next_slot_at: number }[]
      ).map((r) => [r.job_id, r.next_slot_at]),
    );
    const changed = new Set(summary.changedChannels);
    const wanted = new Set<string>();
    const noProber: string[] = [];
    const withProber: string[] = [];
    for (const ch of next.values()) {
      if (!ch.target) continue;
      const methods = this.methodsOf(ch);
      const runnable = methods.filter((m) => this.probers[m]);
      if (methods.length > 0 && runnable.length === 0) noProber.push(ch.id);
      else withProber.push(ch.id);
      for (const m of runnable) {
        const prober = this.probers[m] as Prober;
        const jobId = `${ch.id}#${m}`;
        wanted.add(jobId);
        if (this.scheduler.has(jobId) && !changed.has(ch.id)) continue;
        const memory = changed.has(ch.id) ? null : (remembered.get(jobId) ?? null);
        this.scheduler.upsert({ id: jobId, channelId: ch.id, hostKey: prober.hostKey(ch), schedule: this.scheduleOf(ch, m) }, memory);
        // A number never looked up gets its silent lookup within minutes: its first call waits for it.
        if (m === 'lookup' && memory === null) this.scheduler.deferTo(jobId, Date.now() + Math.floor(phaseOf(jobId) * 5 * 60_000));
      }
    }
    for (const jobId of this.scheduler.jobIds()) if (!wanted.has(jobId)) this.scheduler.remove(jobId);
    this.markProberAvailability(noProber, withProber);
    this.channels = next;
    this.lastSync = summary;
    this.log.info(
      { file, centers: load.centers.length, channels: next.size, jobs: this.scheduler.size, ...summary, changedChannels: summary.changedChannels.length, archivedChannels: summary.archivedChannels.length },
      'registry synced',
    );
    return summary;
  }

  /**
   * A channel whose methods have no prober here (phones without telephony configured) is shown as
   * "not probed" with the reason, never as unknown or down; it returns to unknown once it can be probed.
   */
  private markProberAvailability(noProber: string[], withProber: string[]): void {
    const off = this.db.prepare(
      `UPDATE channel_state SET status = 'not_probed', status_reason = ?, status_since = COALESCE(status_since, ?)
       WHERE channel_ref = (SELECT ref FROM channels WHERE id = ?) AND status IN ('unknown', 'not_probed')`,
    );
    const on = this.db.prepare(
      `UPDATE channel_state SET status = 'unknown', status_reason = NULL, status_since = ?
       WHERE channel_ref = (SELECT ref FROM channels WHERE id = ?) AND status = 'not_probed'
         AND (SELECT target FROM channels WHERE id = ?) IS NOT NULL`,
    );
    const now = Date.now();
    this.db.transaction(() => {
      for (const id of noProber) off.run(NOT_CONFIGURED_REASON, now, id);
      for (const id of withProber) on.run(now, id, id);
    })();
  }

  private scheduleOf(ch: Channel, method: ScheduledMethod): Schedule {
    const tz = this.tzOf(ch);
    const key = method === 'http' ? 'website' : method;
    const spec = ch.options.schedule ?? this.config.scheduler.channels[ch.id] ?? this.config.scheduler.defaults[key];
    const s = parseSchedule(spec, tz);
    if ('error' in s) {
      // The registry loader checks the form; node-cron is stricter. Fall back rather than not probing.
      this.log.warn({ channel: ch.id, schedule: spec }, `${s.error} Using the default for ${key} probes.`);
      return parseSchedule(this.config.scheduler.defaults[key], tz) as Schedule;
    }
    return s;
  }

  /** Finishing the calls a previous run left in flight (resolves when all are stored). */
  recovery: Promise<void> = Promise.resolve();

  /** Starts the scheduler and, in the background, finishes calls a previous run left in flight. */
  start(): void {
    this.scheduler.start();
    this.writeWatch = setInterval(() => this.checkWrites(), 1000);
    this.writeWatch.unref();
    const t = this.telephony;
    if (t) this.recovery = this.recoverCalls(t).catch((err: unknown) => this.log.error({ err }, 'could not finish the calls left in flight'));
  }

  private deadlineMs(method: ScheduledMethod): number {
    if (method === 'call') return (this.config.telephony.ringTimeoutSec + this.config.telephony.timeLimitSec) * 1000 + this.config.telephony.callbackGraceMs + 60_000;
    return this.config.website.totalTimeoutMs + 5000;
  }

  private async runJob(job: DueJob): Promise<void> {
    const ch = this.channels.get(job.channelId);
    const method = job.jobId.slice(job.jobId.lastIndexOf('#') + 1) as ScheduledMethod;
    const prober = this.probers[method];
    if (!ch || !prober) return;
    const gate = prober.gate?.(ch, Date.now());
    if (gate && !gate.ok) {
      this.onGateRefused(job, gate.reason, gate.detail, gate.retryAt);
      return;
    }
    if (method === 'call') this.callingBlocked = null;
    // A controller and a cleared timer rather than AbortSignal.any([daemon, AbortSignal.timeout(…)]):
    // Node keeps a timeout signal passed to any() alive until it fires, i.e. total + 5 s after every probe.
    const ac = new AbortController();
    const deadline = setTimeout(() => ac.abort(new DOMException('The probe overran its deadline.', 'TimeoutError')), this.deadlineMs(method));
    this.probeAborts.add(ac);
    if (this.abort.signal.aborted) ac.abort(this.abort.signal.reason);
    let attempt;
    try {
      attempt = await probeOnce(ch, prober, this.rules, this.canary, { signal: ac.signal, dueAt: job.dueAt });
    } finally {
      clearTimeout(deadline);
      this.probeAborts.delete(ac);
    }
    // Shutting down: an aborted probe is our doing, not evidence. An open call attempt is finished after the restart.
    if (this.abort.signal.aborted) return;
    const attemptId = typeof attempt.evidence.attempt === 'string' ? attempt.evidence.attempt : null;
    const stored = this.writer.add(
      {
        channelId: ch.id,
        jobId: job.jobId,
        dueAt: job.dueAt,
        startedAt: attempt.startedAt,
        durationMs: attempt.durationMs,
        evidence: attempt.evidence,
        classification: attempt.classification,
        // Only phones use time slots (the 2018 spread rule); Intl formatting per website probe would be waste.
        ...(ch.type === 'phone' ? { slot: timeSlot(this.tzOf(ch), attempt.startedAt) } : {}),
      },
      job.nextSlotAt,
      attemptId && this.telephony ? (probeId) => this.telephony?.ledger.markProbe(attemptId, probeId) : undefined,
    );
    // Free the scheduler's slot once the result is queued, not committed: waiting for the group commit
    // (up to flushIntervalMs) held one concurrency slot per queued result and released them all at once.
    // Back-pressure stays: when the writer falls behind (a stalled disk), probes wait for it again.
    if (this.writer.pending > 2 * this.config.store.batchMaxRows) await stored;
    else stored.catch(() => undefined); // failures are the writer's to report (onError)
  }

  private onGateRefused(job: DueJob, reason: string, detail: string, retryAt: number | null): void {
    if (reason === 'spend_cap' && this.callingBlocked?.reason !== 'spend_cap') {
      this.log.error({ detail }, 'calls stopped: the monthly spend cap is reached; no call is placed until next month or a higher cap');
    }
    if (reason === 'spend_cap') this.callingBlocked ??= { reason, detail, since: Date.now() };
    else this.log.debug({ job: job.jobId, reason, detail }, 'probe not run now');
    // Run once more when allowed (calling hours open, a cap expires), at a stable minute of that hour.
    if (retryAt !== null && retryAt - job.dueAt < 7 * 86_400_000) {
      this.scheduler.deferTo(job.jobId, retryAt + Math.floor(phaseOf(job.jobId) * 30 * 60_000));
    }
  }

  /**
   * The 2018 protocol: one silent call is not an outage. After an unconfirmed failure the number is
   * tried again soon (calling hours and per-number caps move it to another day), until the status is
   * confirmed or the number answers.
   */
  private followUp(s: StoredProbe): void {
    if (s.record.evidence.method !== 'call' || !s.record.jobId) return;
    const { outcome, reason } = s.record.classification;
    if (FOLLOW_UP.has(outcome) && s.status !== outcome) this.scheduler.deferTo(s.record.jobId, Date.now() + this.config.telephony.followUpMs);
    // Twilio asked us to slow down or was down: try again in a while, not at the next weekly slot.
    if (reason === 'twilio_rate_limited' || reason === 'provider_unavailable') this.scheduler.deferTo(s.record.jobId, Date.now() + RETRY_OUR_ERROR_MS);
  }

  /** Calls left in flight by a stop or a crash: fetch each from Twilio and store it. */
  private async recoverCalls(t: Telephony): Promise<void> {
    const open = t.ledger.openAttempts();
    if (open.length === 0) return;
    this.log.info({ calls: open.length }, 'finishing calls left in flight by the previous run');
    await Promise.all(
      open.map(async (row) => {
        const remaining = row.started_at + this.deadlineMs('call') - Date.now();
        if (row.final_at === null && row.call_sid) {
          const final = await t.fetchAndApply(row.id);
          if (!final && remaining > 0) await t.finish(row.id, [remaining], this.abort.signal).catch(() => false);
        } else if (row.final_at === null && !row.call_sid) {
          // Stopped between recording the attempt and Twilio's answer: we cannot know if it rang, so it
          // still counts towards the number's caps, and it is our error, not the center's.
          t.ledger.interrupted(row.id, { message: 'the daemon stopped before Twilio confirmed the call' }, Date.now());
        }
        if (this.abort.signal.aborted) return;
        const evidence = t.ledger.evidenceOf(row.id);
        const ch = this.channels.get(row.channel_id);
        if (!evidence) return;
        if (!evidence.final && !evidence.createError) evidence.gaveUp = 'no final status after a restart, from callbacks or from Twilio';
        const withAttempt = { ...evidence, attempt: row.id } as unknown as Evidence;
        await this.writer.add(
          {
            channelId: row.channel_id,
            jobId: `${row.channel_id}#call`,
            dueAt: row.due_at,
            startedAt: row.started_at,
            durationMs: Date.now() - row.started_at,
            evidence: withAttempt,
            classification: classify(withAttempt, this.rules),
            slot: timeSlot(ch ? this.tzOf(ch) : this.config.defaultTimezone, row.started_at),
          },
          null,
          (probeId) => t.ledger.markProbe(row.id, probeId),
        );
      }),
    );
  }

  /** Stops taking work, lets probes in flight finish (or aborts them after `graceMs`), flushes. */
  async stop(graceMs = 5000): Promise<void> {
    const stopping = this.scheduler.stop();
    const timer = setTimeout(() => {
      const reason = new Error('daemon stopping');
      this.abort.abort(reason);
      for (const ac of this.probeAborts) ac.abort(reason);
    }, graceMs);
    await stopping;
    clearTimeout(timer);
    if (this.writeWatch) clearInterval(this.writeWatch);
    this.writer.close();
  }

  /** Whether the disk takes our writes, from memory: /readyz must answer even while the disk hangs. */
  writeHealth(now = performance.now()): WriteVerdict {
    return judgeWrites(
      {
        now,
        oldestPendingAt: this.writer.oldestPendingAt,
        heartbeatFailingSince: this.heartbeatFailingSince,
        lastError: this.lastWriteError ?? this.heartbeatError,
        lastWaitError: this.lastWaitError,
      },
      this.config.store.stallAfterMs,
    );
  }

  /**
   * Once a second (monotonic time, as the writer's): an idle writer proves the disk with a heartbeat
   * write (while results wait, their own batches do), and a change of verdict is logged and reported
   * to the self-check.
   */
  checkWrites(now = performance.now()): void {
    if (this.writer.pending === 0 && (this.heartbeatFailingSince !== null || now - this.lastHeartbeatAt >= HEARTBEAT_MS)) {
      this.lastHeartbeatAt = now;
      try {
        this.writer.heartbeat(Date.now());
        this.heartbeatFailingSince = null;
        this.heartbeatError = null;
        this.lastWaitError = null;
      } catch (err) {
        this.heartbeatFailingSince ??= now;
        const message = err instanceof Error ? err.message : String(err);
        if (isLockWait(err)) this.lastWaitError = message;
        else this.heartbeatError = message;
      }
    }
    const verdict = this.writeHealth(now);
    if (verdict.ok !== this.writeVerdict.ok) {
      if (verdict.ok) this.log.info('the database takes writes again');
      else this.log.error({ reason: verdict.reason }, 'the database does not take writes');
      this.events.onWriteHealth?.(verdict.ok ? null : verdict.reason);
    }
    this.writeVerdict = verdict;
  }
}

