// The daemon's core loop, wiring the data flow: registry -> scheduler -> probers -> classifier
// -> store -> status. Each stage lives in its own folder; this file only connects them. It knows
// probers only through their contract (src/probers/prober.ts): a new kind of prober is a new file.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ClassifierRules } from '../classifier/classifier.ts';
import type { Config } from '../config/config.ts';
import { classify } from '../classifier/classifier.ts';
import type { Channel, Evidence } from '../domain.ts';
import { probeOnce } from '../probers/probe-once.ts';
import type { Prober, ProberSet, RecoveredProbe } from '../probers/prober.ts';
import { baseProbingFor, classifierRulesFor, defaultDeadlineMs, scheduledMethodsOf, scheduleKeyOf } from '../probers/from-config.ts';
import { assertLoadable, formatProblem, type RegistryLoad } from '../registry/load.ts';
import { syncRegistry, type SyncSummary } from '../registry/sync.ts';
import { parseSchedule, phaseOf, type Schedule } from '../scheduler/schedule.ts';
import { Scheduler, type DueJob } from '../scheduler/scheduler.ts';
import type { CanaryMonitor, CanaryState } from '../selfcheck/canary.ts';
import { OUR_OVERLOAD_REASON, OverloadReport } from '../selfcheck/overload.ts';
import type { DB } from '../store/db.ts';
import { rememberedSlots } from '../store/job-slots.ts';
import { AgentJobs, type SlotOpening } from '../store/agent-jobs.ts';
import { CENTRAL } from '../agents/config.ts';
import { parseJobId, planChannel, vantageOf, type PointCapabilities } from '../agents/jobs.ts';
import { NOT_CONFIGURED_REASON } from '../status/probeability.ts';
import { ProbeWriter, type InTransaction, type RecombinedChange, type StoredProbe } from '../store/probe-writer.ts';
import type { PointsOf } from '../store/vantage-state.ts';
import { isLockWait, judgeWrites, type WriteVerdict } from '../store/write-health.ts';
import { statusRulesFor, timeSlot, timeSlotUnder } from '../status/rules.ts';
import type { StatusRules } from '../status/policy.ts';


export interface MonitorEvents {
  onStored?: (stored: StoredProbe[]) => void;
  /** Inside each batch's write transaction (center status, incidents, alerts). */
  afterBatch?: (stored: StoredProbe[]) => void;
  /** The canaries' verdict changed: our own network works, or does not. */
  onCanaryChange?: (state: CanaryState) => void;
  /** A batch could not be written (disk full...): the message, or null once writes succeed again. */
  onWriteHealth?: (error: string | null) => void;
  /** Channels whose combined status changed without a probe (a vantage point went stale or came back). */
  afterRecombine?: (changes: RecombinedChange[]) => void;
}

type ScheduledMethod = Prober['method'];

/** A prober stopped by an alarm of its gate (a spend cap), for the operator. */
export interface ProberStop {
  reason: string;
  detail: string;
  since: number;
}

/** How often the monitor looks whether agents enrolled or were revoked (what its points can probe). */
const VANTAGE_REFRESH_MS = 15_000;

const capsKey = (caps: PointCapabilities): string =>
  [...caps].map(([p, c]) => `${p}:${[...c].sort().join(',')}`).sort().join(';');

/** An idle daemon writes a heartbeat this often, so readiness notices a disk that stopped taking writes. */
const HEARTBEAT_MS = 10_000;

const methodOfJob = (jobId: string): ScheduledMethod => jobId.slice(jobId.lastIndexOf('#') + 1) as ScheduledMethod;

export class Monitor {
  readonly scheduler: Scheduler;
  readonly writer: ProbeWriter;
  readonly canary: CanaryMonitor;
  readonly probers: ProberSet;
  readonly rules: ClassifierRules;
  private readonly statusRules: (type: string) => StatusRules;
  private channels = new Map<string, Channel>();
  /** Each channel's vantage points (its registry list or vantage.defaults), for the writer, the API and the board. */
  readonly vantagePointsOf: PointsOf;
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
  private vantageWatch: NodeJS.Timeout | null = null;
  /** The slots of other vantage points' jobs: opened here, leased by their agents. */
  readonly slots: AgentJobs;
  private pendingSlots: SlotOpening[] = [];
  private slotRetry: NodeJS.Timeout | null = null;
  private pointCaps: PointCapabilities = new Map();
  private pointCapsKey = '';
  private notProbed = new Map<string, string>();
  private readonly events: MonitorEvents;
  lastSync: SyncSummary | null = null;
  probesStored = 0;
  /** Probers stopped by their gate's alarm (the spend cap stops calls), by method, for the operator. */
  readonly stopped = new Map<ScheduledMethod, ProberStop>();

  private readonly db: DB;
  private readonly config: Config;
  private readonly log: Logger;
  private readonly overload = new OverloadReport();

  /**
   * Whether no agent of a vantage point is fresh: its results then stop counting in channels' combined
   * statuses. Set by the daemon from the agents' health watch (src/agents/health.ts); never asked about central.
   */
  isPointStale: (point: string) => boolean = () => false;

  /** `probers` come beside those every configuration has (baseProbingFor); the daemon adds the others it has. */
  constructor(db: DB, config: Config, log: Logger, events: MonitorEvents = {}, probers: readonly Prober[] = []) {
    this.db = db;
    this.config = config;
    this.log = log;
    this.events = events;
    this.slots = new AgentJobs(db);
    const base = baseProbingFor(config);
    this.probers = {};
    for (const p of [...base.probers, ...probers]) this.probers[p.method] = p;
    this.rules = classifierRulesFor(config);
    this.canary = base.canary;
    this.canary.onChange = (s) => {
      if (s.ok) log.info({ canary: s }, 'canaries answer again: failures count against centers again');
      else log.warn({ canary: s }, 'canaries failed: probe failures are recorded as our own errors');
      events.onCanaryChange?.(s);
    };
    this.statusRules = statusRulesFor(config);
    this.vantagePointsOf = (channelId, type) => {
      const ch = this.channels.get(channelId);
      const names = ch ? vantageOf(ch, config.vantage.defaults) : (config.vantage.defaults[type as keyof typeof config.vantage.defaults] ?? [CENTRAL]);
      return names.map((name) => config.vantage.points.find((pt) => pt.name === name) ?? { name, domestic: false });
    };
    this.writer = new ProbeWriter(db, {
      rules: this.statusRules,
      defaultTz: config.defaultTimezone,
      batchMaxRows: config.store.batchMaxRows,
      flushIntervalMs: config.store.flushIntervalMs,
      // Without vantage.points every channel's list is [central]: the writer keeps today's single path.
      vantage: {
        pointsOf: this.vantagePointsOf,
        isStale: (point) => this.isPointStale(point),
        quorum: config.vantage.quorum,
      },
      ...(events.afterBatch ? { afterBatch: events.afterBatch } : {}),
      onAfterBatchError: (err) => log.error({ err }, 'center status or alert bookkeeping failed for a batch; the probes were stored'),
      onCommitted: (stored) => {
        if (this.lastWriteError) log.info('probe results are being written again');
        if (this.lastWriteError) events.onWriteHealth?.(null);
        this.lastWriteError = null;
        this.lastWaitError = null;
        // A commit proves the disk takes writes, as a heartbeat would: the heartbeat only runs when
        // nothing is queued, which a busy daemon's queue rarely is, so its failure would outlive the fault.
        this.heartbeatFailingSince = null;
        this.heartbeatError = null;
        this.probesStored += stored.length;
        for (const s of stored) {
          if (s.change) log.info({ channel: s.channelId, from: s.change.from, to: s.change.to, reason: s.change.reason }, 'channel status changed');
          if (s.record.classification.reason === OUR_OVERLOAD_REASON) this.noteOverload();
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

  /** A channel's scheduled jobs: the central's (`<channel>#<method>`) and other points' (`…@<point>`). */
  jobIdsOf(ch: Channel): string[] {
    return this.scheduler.jobIds().filter((j) => parseJobId(j).channelId === ch.id);
  }

  /** Why a channel with a target has no job that can run (no prober here, no able agent), if so. */
  notProbedReasonOf(channelId: string): string | undefined {
    return this.notProbed.get(channelId);
  }

  /** The scheduled methods of a channel: the registry's choice, or the channel type's default. */
  methodsOf(ch: Channel): ScheduledMethod[] {
    return scheduledMethodsOf(this.config, ch);
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
    const summary = syncRegistry(this.db, load.centers, file, sha, Date.now(), this.writer.status);
    this.writer.forgetChannels();
    // Only what scheduling needs stays in memory; the full records live in the database.
    this.centerZones = new Map(load.centers.map((c) => [c.id, c.tz]));
    const next = new Map<string, Channel>();
    for (const c of load.centers) for (const ch of c.channels) next.set(ch.id, ch);
    this.channels = next;
    this.scheduleJobs(new Set(summary.changedChannels));
    this.lastSync = summary;
    this.log.info(
      { file, centers: load.centers.length, channels: next.size, jobs: this.scheduler.size, ...summary, changedChannels: summary.changedChannels.length, archivedChannels: summary.archivedChannels.length },
      'registry synced',
    );
    return summary;
  }

  /**
   * (Re)schedules every channel's jobs, one per (method, vantage point): the central's as before, the
   * other points' as inline jobs that open slots for their agents. `changed` channels start on a new
   * rhythm; the others keep their jobs or their remembered slots. Channels none of whose jobs can run
   * (no prober here, no agent of their points able to) say "not probed" with what is missing.
   */
  private scheduleJobs(changed: ReadonlySet<string>): void {
    const remembered = rememberedSlots(this.db);
    this.pointCaps = this.slots.pointCapabilities();
    this.pointCapsKey = capsKey(this.pointCaps);
    const wanted = new Set<string>();
    const noProber: { id: string; reason?: string }[] = [];
    const withProber: string[] = [];
    const centralHas = (m: ScheduledMethod) => this.probers[m] !== undefined;
    const notProbed = new Map<string, string>();
    for (const ch of this.channels.values()) {
      if (!ch.target) continue;
      const plan = planChannel(ch, this.methodsOf(ch), this.config.vantage.defaults, centralHas, this.pointCaps);
      if (plan.notProbed === null) withProber.push(ch.id);
      else {
        noProber.push({ id: ch.id, ...plan.notProbed });
        notProbed.set(ch.id, plan.notProbed.reason ?? NOT_CONFIGURED_REASON);
      }
      for (const job of plan.runnable) {
        wanted.add(job.jobId);
        if (this.scheduler.has(job.jobId) && !changed.has(ch.id)) continue;
        const memory = changed.has(ch.id) ? null : (remembered.get(job.jobId) ?? null);
        if (job.point !== CENTRAL) {
          this.scheduler.upsert({ id: job.jobId, channelId: ch.id, hostKey: `vantage:${job.point}`, schedule: this.scheduleOf(ch, job.method), inline: true }, memory);
          continue;
        }
        const prober = this.probers[job.method] as Prober;
        this.scheduler.upsert({ id: job.jobId, channelId: ch.id, hostKey: prober.hostKey(ch), schedule: this.scheduleOf(ch, job.method) }, memory);
        // A job never run gets its first run soon if its prober asks (a silent lookup before the first call).
        if (prober.firstRunWithinMs !== undefined && memory === null) this.scheduler.deferTo(job.jobId, Date.now() + Math.floor(phaseOf(job.jobId) * prober.firstRunWithinMs));
      }
    }
    const dropped: string[] = [];
    for (const jobId of this.scheduler.jobIds()) {
      if (wanted.has(jobId)) continue;
      this.scheduler.remove(jobId);
      if (parseJobId(jobId).point !== CENTRAL) dropped.push(jobId);
    }
    // Open slots of jobs that no longer exist are not leased any more; a result already under way is still stored.
    if (dropped.length > 0) this.slots.withdraw(dropped, Date.now());
    // Channels whose jobs cannot run say "not probed" (never unknown or down) until they can be: through
    // the status policy and the status-change chain, like every status change.
    this.writer.status.markProberAvailability(noProber, withProber, Date.now());
    this.notProbed = notProbed;
  }

  /**
   * Combines again the statuses of the channels seen from several points, when a point's agents went
   * silent or were heard again (`isPointStale` changed): a silent point stops counting and never turns
   * a channel down; one heard again counts again. Changes are chained and handed to `afterRecombine`
   * (the centers' tracker). The agents' health timer calls it.
   */
  recombineVantage(now = Date.now()): RecombinedChange[] {
    const changes = this.writer.recombineVantage(now);
    for (const c of changes) this.log.info({ channel: c.channelId, from: c.change.from, to: c.change.to, reason: c.change.reason }, 'channel status changed (vantage points combined again)');
    if (changes.length > 0) this.events.afterRecombine?.(changes);
    return changes;
  }

  /**
   * Agents enroll and are revoked while the daemon runs: when what the points' agents can do changed,
   * the jobs are made again (a channel only an agent can probe gets its jobs, or says what is missing).
   */
  refreshVantage(): void {
    if (this.config.vantage.points.length <= 1 && this.pointCapsKey === '') return;
    const caps = this.slots.pointCapabilities();
    if (capsKey(caps) === this.pointCapsKey) return;
    this.log.info({ points: Object.fromEntries([...caps].map(([p, c]) => [p, [...c].sort()])) }, 'what the agents of the vantage points can do changed; rescheduling their jobs');
    this.scheduleJobs(new Set());
  }

  private scheduleOf(ch: Channel, method: ScheduledMethod): Schedule {
    const tz = this.tzOf(ch);
    const key = scheduleKeyOf(method);
    const spec = ch.options.schedule ?? this.config.scheduler.channels[ch.id] ?? this.config.scheduler.defaults[key];
    const s = parseSchedule(spec, tz);
    if ('error' in s) {
      // The registry loader checks the form; node-cron is stricter. Fall back rather than not probing.
      this.log.warn({ channel: ch.id, schedule: spec }, `${s.error} Using the default for ${key} probes.`);
      return parseSchedule(this.config.scheduler.defaults[key], tz) as Schedule;
    }
    return s;
  }

  /** Finishing the probes a previous run left in flight (resolves when all are stored). */
  recovery: Promise<void> = Promise.resolve();

  /** Starts the scheduler and, in the background, finishes probes a previous run left in flight. */
  start(): void {
    this.scheduler.start();
    this.writeWatch = setInterval(() => this.checkWrites(), 1000);
    this.writeWatch.unref();
    this.vantageWatch = setInterval(() => {
      try {
        this.refreshVantage();
      } catch (err) {
        this.log.error({ err }, 'could not read what the agents of the vantage points can do; will retry');
      }
    }, VANTAGE_REFRESH_MS);
    this.vantageWatch.unref();
    this.recovery = Promise.all(Object.values(this.probers).map((p) => this.recover(p))).then(() => undefined);
  }

  private async runJob(job: DueJob): Promise<void> {
    const { method: jobMethod, point } = parseJobId(job.jobId);
    if (point !== CENTRAL) {
      // Another point's job: its agents probe it. Open the slot for them (until the next one) and move on.
      this.queueSlot({ jobId: job.jobId, channelId: job.channelId, method: jobMethod, vantage: point, slotAt: job.slotAt, expiresAt: job.nextSlotAt, nextSlotAt: job.nextSlotAt });
      return;
    }
    const ch = this.channels.get(job.channelId);
    const method = methodOfJob(job.jobId);
    const prober = this.probers[method];
    if (!ch || !prober) return;
    const gate = prober.gate?.(ch, Date.now());
    if (gate && !gate.ok) {
      this.onGateRefused(job, prober, gate);
      return;
    }
    this.stopped.delete(method);
    // A controller and a cleared timer rather than AbortSignal.any([daemon, AbortSignal.timeout(…)]):
    // Node keeps a timeout signal passed to any() alive until it fires, i.e. total + 5 s after every probe.
    const ac = new AbortController();
    const deadline = setTimeout(() => ac.abort(new DOMException('The probe overran its deadline.', 'TimeoutError')), prober.deadlineMs ?? defaultDeadlineMs(this.config));
    this.probeAborts.add(ac);
    if (this.abort.signal.aborted) ac.abort(this.abort.signal.reason);
    let attempt;
    try {
      attempt = await probeOnce(ch, prober, this.rules, this.canary, { signal: ac.signal, dueAt: job.dueAt });
    } finally {
      clearTimeout(deadline);
      this.probeAborts.delete(ac);
    }
    // Shutting down: an aborted probe is our doing, not evidence. A prober that can recover finishes its open work after the restart.
    if (this.abort.signal.aborted) return;
    const evidence = attempt.evidence;
    const stored = this.writer.add(
      {
        channelId: ch.id,
        jobId: job.jobId,
        dueAt: job.dueAt,
        startedAt: attempt.startedAt,
        durationMs: attempt.durationMs,
        evidence,
        classification: attempt.classification,
        ...this.slotOf(ch.type, this.tzOf(ch), attempt.startedAt),
      },
      job.nextSlotAt,
      prober.linkProbe ? (probeId) => prober.linkProbe?.(evidence, probeId) : undefined,
    );
    // Free the scheduler's slot once the result is queued, not committed: waiting for the group commit
    // (up to flushIntervalMs) held one concurrency slot per queued result and released them all at once.
    // Back-pressure stays: when the writer falls behind (a stalled disk), probes wait for it again.
    // Not past stop()'s grace, though: a disk that refuses writes would otherwise hold the shutdown
    // until the supervisor kills us (the result stays queued for the writer's last flush).
    if (this.writer.pending > 2 * this.config.store.batchMaxRows) await untilAborted(stored, this.abort.signal);
    else stored.catch(() => undefined); // failures are the writer's to report (onError)
  }

  /** Slots due in one scheduler tick are opened in one transaction, right after it. */
  private queueSlot(slot: SlotOpening): void {
    this.pendingSlots.push(slot);
    if (this.pendingSlots.length === 1) queueMicrotask(() => this.flushSlots());
  }

  private flushSlots(): void {
    if (this.slotRetry) clearTimeout(this.slotRetry);
    this.slotRetry = null;
    const slots = this.pendingSlots.splice(0);
    if (slots.length === 0) return;
    try {
      const opened = this.slots.openSlots(slots);
      this.log.debug({ slots: slots.length, opened: opened.filter((o) => o === 'opened').length }, 'opened slots for the agents of vantage points');
    } catch (err) {
      // Kept and tried again: a slot the agents never see is a probe nobody makes. Opening twice is harmless.
      this.pendingSlots.unshift(...slots);
      this.log.error({ err, slots: slots.length }, 'could not open slots for the agents of vantage points; retrying');
      if (!this.abort.signal.aborted) {
        this.slotRetry = setTimeout(() => this.flushSlots(), 1000);
        this.slotRetry.unref();
      }
    }
  }

  /** Our overload is the operator's to hear about, not a center's: a warning, at most once a minute. */
  private noteOverload(): void {
    const summary = this.overload.note(Date.now());
    if (!summary) return;
    this.log.warn(
      { probes: summary.probes, since: new Date(summary.since).toISOString() },
      'reachwatch is overloaded: probes ran out of time while its own event loop was stalled; they are stored as our errors (our_overload) and change no status',
    );
  }

  /** The time slot of a probe of this channel at `at` when its status rules read slots (an agent's result); undefined otherwise. */
  timeSlotOf(channelId: string, at: number): string | undefined {
    const ch = this.channels.get(channelId);
    return ch ? this.slotOf(ch.type, this.tzOf(ch), at).slot : undefined;
  }

  private slotOf(channelType: string, tz: string, at: number): { slot?: string } {
    return timeSlotUnder(this.statusRules(channelType), tz, at);
  }

  private onGateRefused(job: DueJob, prober: Prober, gate: { reason: string; detail: string; retryAt: number | null; alarm?: string }): void {
    const { reason, detail, retryAt } = gate;
    if (gate.alarm !== undefined) {
      if (this.stopped.get(prober.method)?.reason !== reason) this.log.error({ detail }, gate.alarm);
      if (!this.stopped.has(prober.method)) this.stopped.set(prober.method, { reason, detail, since: Date.now() });
    } else this.log.debug({ job: job.jobId, reason, detail }, 'probe not run now');
    // Run once more when allowed (calling hours open, a cap expires), at a stable minute of that hour.
    if (retryAt !== null && retryAt - job.dueAt < 7 * 86_400_000) {
      this.scheduler.deferTo(job.jobId, retryAt + Math.floor(phaseOf(job.jobId) * 30 * 60_000));
    }
  }

  /** The prober's follow-up: a job run again sooner than its next slot (a silent call is tried again soon). */
  private followUp(s: StoredProbe): void {
    const jobId = s.record.jobId;
    if (!jobId || parseJobId(jobId).point !== CENTRAL) return;
    const delay = this.probers[methodOfJob(jobId)]?.followUp?.(s.record.classification, s.status);
    if (delay !== undefined && delay !== null) this.scheduler.deferTo(jobId, Date.now() + delay);
  }

  /** A prober's work left in flight by a stop or a crash: it finishes it, the monitor classifies and stores it. */
  private async recover(prober: Prober): Promise<void> {
    if (!prober.recover) return;
    let resumed = 0;
    try {
      await prober.recover({
        signal: this.abort.signal,
        store: (r) => {
          if (resumed++ === 0) this.log.info({ method: prober.method }, 'finishing probes left in flight by the previous run');
          return this.storeRecovered(prober, r);
        },
      });
    } catch (err) {
      this.log.error({ err, method: prober.method }, 'could not finish the probes left in flight');
    }
  }

  private storeRecovered(prober: Prober, r: RecoveredProbe): Promise<StoredProbe> {
    const ch = this.channels.get(r.channelId);
    const evidence: Evidence = r.evidence;
    const inTransaction: InTransaction | undefined = prober.linkProbe ? (probeId) => prober.linkProbe?.(evidence, probeId) : undefined;
    return this.writer.add(
      {
        channelId: r.channelId,
        jobId: `${r.channelId}#${prober.method}`,
        dueAt: r.dueAt,
        startedAt: r.startedAt,
        durationMs: r.durationMs,
        evidence,
        classification: classify(evidence, this.rules),
        ...this.slotOf(prober.channelType, ch ? this.tzOf(ch) : this.config.defaultTimezone, r.startedAt),
      },
      null,
      inTransaction,
    );
  }

  /**
   * A result no scheduled job produced (a record made by hand): classified and stored like any probe,
   * at once. Such a record carries the time slots of its attempts, known for each.
   */
  storeRecord(ch: Channel, r: { evidence: Evidence; at: number; firstAt?: number }): Promise<StoredProbe> {
    const tz = this.tzOf(ch);
    const pending = this.writer.add({
      channelId: ch.id,
      jobId: null,
      dueAt: r.at,
      startedAt: r.at,
      durationMs: 0,
      evidence: r.evidence,
      classification: classify(r.evidence, this.rules),
      slot: timeSlot(tz, r.at),
      ...(r.firstAt !== undefined ? { first: { at: r.firstAt, slot: timeSlot(tz, r.firstAt) } } : {}),
    });
    this.writer.flush();
    return pending;
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
    if (this.vantageWatch) clearInterval(this.vantageWatch);
    this.flushSlots();
    if (this.slotRetry) clearTimeout(this.slotRetry);
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

/** Waits for `work` (its rejection included) until `signal` aborts; the listener goes either way. */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return undefined;
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
