// The daemon's core loop, wiring the data flow: registry -> scheduler -> probers -> classifier
// -> store -> status. Each stage lives in its own folder; this file only connects them.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ClassifierRules } from '../classifier/classifier.ts';
import type { Config } from '../config/config.ts';
import type { Channel } from '../domain.ts';
import { probeOnce } from '../probers/probe-once.ts';
import type { ProberSet } from '../probers/prober.ts';
import { createWebsiteProber } from '../probers/website/http.ts';
import { assertLoadable, formatProblem, type RegistryLoad } from '../registry/load.ts';
import { syncRegistry, type SyncSummary } from '../registry/sync.ts';
import { parseSchedule, type Schedule } from '../scheduler/schedule.ts';
import { Scheduler, type DueJob } from '../scheduler/scheduler.ts';
import { CanaryMonitor } from '../selfcheck/canary.ts';
import type { DB } from '../store/db.ts';
import { ProbeWriter, type StoredProbe } from '../store/probe-writer.ts';

export const NOT_CONFIGURED_REASON = 'not probed: telephony not configured';

export interface MonitorEvents {
  onStored?: (stored: StoredProbe[]) => void;
}

export class Monitor {
  readonly scheduler: Scheduler;
  readonly writer: ProbeWriter;
  readonly canary: CanaryMonitor;
  readonly probers: ProberSet;
  readonly rules: ClassifierRules;
  private channels = new Map<string, Channel>();
  private centerZones = new Map<string, string | null>();
  private readonly abort = new AbortController();
  /** One per probe in flight; stop() aborts them. */
  private readonly probeAborts = new Set<AbortController>();
  /** Set when a write failed and not yet recovered: readiness reports it. */
  lastWriteError: string | null = null;
  lastSync: SyncSummary | null = null;
  probesStored = 0;

  private readonly db: DB;
  private readonly config: Config;
  private readonly log: Logger;

  constructor(db: DB, config: Config, log: Logger, events: MonitorEvents = {}) {
    this.db = db;
    this.config = config;
    this.log = log;
    const w = config.website;
    this.probers = {
      website: createWebsiteProber({
        connectTimeoutMs: w.connectTimeoutMs,
        tlsTimeoutMs: w.tlsTimeoutMs,
        headersTimeoutMs: w.headersTimeoutMs,
        totalTimeoutMs: w.totalTimeoutMs,
        maxRedirects: w.maxRedirects,
        maxBodyBytes: w.maxBodyBytes,
        userAgent: w.userAgent,
        resolve: w.resolve,
      }),
    };
    this.rules = { website: { slowMs: w.slowMs, certExpiryWarnDays: w.certExpiryWarnDays } };
    this.canary = new CanaryMonitor({
      urls: config.canaries.urls,
      maxAgeMs: config.canaries.maxAgeMs,
      prober: this.probers.website as NonNullable<ProberSet['website']>,
      totalTimeoutMs: Math.min(w.totalTimeoutMs, 10_000),
    });
    this.canary.onChange = (s) =>
      s.ok ? log.info({ canary: s }, 'canaries answer again: failures count against centers again') : log.warn({ canary: s }, 'canaries failed: probe failures are recorded as our own errors');
    this.writer = new ProbeWriter(db, {
      rules: config.status,
      batchMaxRows: config.store.batchMaxRows,
      flushIntervalMs: config.store.flushIntervalMs,
      onCommitted: (stored) => {
        if (this.lastWriteError) log.info('probe results are being written again');
        this.lastWriteError = null;
        this.probesStored += stored.length;
        for (const s of stored) {
          if (s.change) log.info({ channel: s.channelId, from: s.change.from, to: s.change.to, reason: s.change.reason }, 'channel status changed');
        }
        events.onStored?.(stored);
      },
      onError: (err, pending) => {
        this.lastWriteError = err instanceof Error ? err.message : String(err);
        log.error({ err, pending }, 'could not write probe results; they stay queued and will be retried');
      },
    });
    this.scheduler = new Scheduler({
      concurrency: config.scheduler.concurrency,
      perHostConcurrency: config.scheduler.perHostConcurrency,
      jitterMs: config.scheduler.jitterMs,
      run: (job) => this.runJob(job),
      onSkip: (id) => log.debug({ channel: id }, 'skipped a run: the previous probe of this channel is still in flight'),
    });
  }

  channel(id: string): Channel | undefined {
    return this.channels.get(id);
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
    // Only what scheduling needs stays in memory; the full records live in the database.
    this.centerZones = new Map(load.centers.map((c) => [c.id, c.tz]));
    const next = new Map<string, Channel>();
    for (const c of load.centers) for (const ch of c.channels) next.set(ch.id, ch);
    const remembered = new Map(
      (this.db.prepare('SELECT c.id, s.next_due_at FROM channels c JOIN channel_state s ON s.channel_ref = c.ref').all() as { id: string; next_due_at: number | null }[]).map(
        (r) => [r.id, r.next_due_at],
      ),
    );
    for (const id of this.channels.keys()) if (!next.has(id)) this.scheduler.remove(id);
    const changed = new Set(summary.changedChannels);
    const noProber: string[] = [];
    const withProber: string[] = [];
    for (const ch of next.values()) {
      const prober = this.probers[ch.type];
      if (ch.target && !prober) noProber.push(ch.id);
      else if (ch.target) withProber.push(ch.id);
      if (!ch.target || !prober) {
        this.scheduler.remove(ch.id);
        continue;
      }
      if (this.scheduler.has(ch.id) && !changed.has(ch.id)) continue;
      const schedule = this.scheduleOf(ch);
      this.scheduler.upsert({ id: ch.id, hostKey: prober.hostKey(ch), schedule }, changed.has(ch.id) ? null : (remembered.get(ch.id) ?? null));
    }
    this.markProberAvailability(noProber, withProber);
    this.channels = next;
    this.lastSync = summary;
    this.log.info(
      { file, centers: load.centers.length, channels: next.size, scheduled: this.scheduler.size, ...summary, changedChannels: summary.changedChannels.length, archivedChannels: summary.archivedChannels.length },
      'registry synced',
    );
    return summary;
  }

  /**
   * A channel whose type has no prober here (phones without telephony configured) is shown as
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

  private scheduleOf(ch: Channel): Schedule {
    const tz = this.centerZones.get(ch.centerId) ?? this.config.defaultTimezone;
    const spec = ch.options.schedule ?? this.config.scheduler.channels[ch.id] ?? this.config.scheduler.defaults[ch.type];
    const s = parseSchedule(spec, tz);
    if ('error' in s) {
      // The registry loader checks the form; node-cron is stricter. Fall back rather than not probing.
      this.log.warn({ channel: ch.id, schedule: spec }, `${s.error} Using the default for ${ch.type} channels.`);
      return parseSchedule(this.config.scheduler.defaults[ch.type], tz) as Schedule;
    }
    return s;
  }

  start(): void {
    this.scheduler.start();
  }

  private async runJob(job: DueJob): Promise<void> {
    const ch = this.channels.get(job.channelId);
    if (!ch) return;
    // A controller and a cleared timer rather than AbortSignal.any([daemon, AbortSignal.timeout(…)]):
    // Node keeps a timeout signal passed to any() alive until it fires, i.e. total + 5 s after every probe.
    const ac = new AbortController();
    const deadline = setTimeout(() => ac.abort(new DOMException('The probe overran its deadline.', 'TimeoutError')), this.config.website.totalTimeoutMs + 5000);
    this.probeAborts.add(ac);
    if (this.abort.signal.aborted) ac.abort(this.abort.signal.reason);
    let attempt;
    try {
      attempt = await probeOnce(ch, this.probers, this.rules, this.canary, ac.signal);
    } finally {
      clearTimeout(deadline);
      this.probeAborts.delete(ac);
    }
    if (this.abort.signal.aborted) return; // shutting down: an aborted probe is our doing, not evidence
    const stored = this.writer.add(
      { channelId: ch.id, dueAt: job.dueAt, startedAt: attempt.startedAt, durationMs: attempt.durationMs, evidence: attempt.evidence, classification: attempt.classification },
      job.nextSlotAt,
    );
    // Free the scheduler's slot once the result is queued, not committed: waiting for the group commit
    // (up to flushIntervalMs) held one concurrency slot per queued result and released them all at once.
    // Back-pressure stays: when the writer falls behind (a stalled disk), probes wait for it again.
    if (this.writer.pending > 2 * this.config.store.batchMaxRows) await stored;
    else stored.catch(() => undefined); // failures are the writer's to report (onError)
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
    this.writer.close();
  }
}
