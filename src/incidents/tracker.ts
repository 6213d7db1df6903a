// Center status, incidents and the alerts they raise, written inside the transaction of the probes
// that caused them: a status change and its alert are committed together or not at all.
// The decisions are pure (status/center.ts, alerts/subscription.ts); this file only reads and writes.

import type { Logger } from 'pino';
import type { AlertEvent } from '../alerts/channel.ts';
import { renderAlert, type AlertFacts, type ChannelFacts, type EvidenceFacts } from '../alerts/messages.ts';
import type { Outbox } from '../alerts/outbox.ts';
import { subscriptionMatches, type CenterFacts, type Subscription } from '../alerts/subscription.ts';
import type { ChannelStatus } from '../domain.ts';
import type { MaintenanceWindows } from '../maintenance/windows.ts';
import { centerEvent, closesIncident, evaluateCenter, isIncidentStatus, type CenterRules, type CenterStatus, type ChannelView } from '../status/center.ts';
import type { StreakProbe } from '../status/policy.ts';
import type { DB } from '../store/db.ts';
import type { CenterStateRow as CenterStateTableRow, ChannelRow as ChannelTableRow, ChannelStateRow, IncidentRow as IncidentTableRow } from '../store/rows.ts';
import type { StoredProbe } from '../store/probe-writer.ts';
import { ChainTail } from '../store/chain.ts';

export interface TrackerOptions {
  db: DB;
  outbox: Outbox;
  maintenance: MaintenanceWindows;
  rules: CenterRules;
  /** A "still dark" reminder this often while a center stays dark; null: never. */
  reminderMs: number | null;
  boardUrl: string | null;
  defaultTz: string;
  subscriptions: () => readonly Subscription[];
  log: Logger;
  /** Called after alerts were queued (the dispatcher looks at once). */
  onQueued?: () => void;
  now?: () => number;
}

/** A channel with its state, as the tracker selects it (row types: store/rows.ts). */
type ChannelRow = Pick<ChannelTableRow, 'id' | 'type' | 'value' | 'target' | 'archived_at'> & {
  [K in 'status_since' | 'status_confirmed_at' | 'status_reason' | 'streak_outcome' | 'streak_probes']: ChannelStateRow[K] | null;
} & { status: ChannelStatus | null };

type CenterStateRow = Pick<CenterStateTableRow, 'center_id' | 'since' | 'down_since' | 'incident_id' | 'reminded_at'> & { status: CenterStatus };

type IncidentRow = Pick<IncidentTableRow, 'id' | 'center_id' | 'opened_at' | 'status' | 'worst_status' | 'went_dark_at' | 'maintenance_id'>;

/** Centers evaluated per transaction when draining a burst (a few ms of work: short enough not to delay probes). */
const DRAIN_CHUNK = 50;

/** A channel change that raises an alert of its own. */
const CLOSED_STATUSES: ReadonlySet<string> = new Set(['wrong_number', 'closed']);

export class CenterTracker {
  private readonly o: TrackerOptions;
  private readonly db: DB;
  private readonly now: () => number;
  private centers = new Map<string, CenterFacts>();
  private channelCenter = new Map<string, string>();
  /** Degraded: our own failure. Center statuses are frozen; the centers touched meanwhile wait here. */
  private frozen = false;
  private readonly held = new Set<string>();
  private readonly heldChannelAlerts: StoredProbe[] = [];
  private readonly certSeen = new Set<string>();
  /** Centers whose channels changed, waiting for evaluation just after their batch. */
  private readonly dirty = new Set<string>();
  private draining = false;
  private stopped = false;
  private readonly settled: (() => void)[] = [];
  private queued = 0;
  private readonly stmts;

  constructor(opts: TrackerOptions) {
    this.o = opts;
    this.db = opts.db;
    this.now = opts.now ?? Date.now;
    const db = opts.db;
    this.stmts = {
      channels: db.prepare<[string], ChannelRow>(
        `SELECT c.id, c.type, c.value, c.target, c.archived_at, s.status, s.status_since, s.status_confirmed_at, s.status_reason, s.streak_outcome, s.streak_probes
         FROM channels c LEFT JOIN channel_state s ON s.channel_ref = c.ref WHERE c.center_id = ? ORDER BY c.position, c.ref`,
      ),
      state: db.prepare<[string], CenterStateRow>(`SELECT * FROM center_state WHERE center_id = ?`),
      upsertState: db.prepare(
        `INSERT INTO center_state (center_id, status, since, down_since, incident_id, reminded_at, updated_at)
         VALUES (@centerId, @status, @since, @downSince, @incidentId, @remindedAt, @now)
         ON CONFLICT(center_id) DO UPDATE SET status = excluded.status, since = excluded.since, down_since = excluded.down_since,
           incident_id = excluded.incident_id, reminded_at = excluded.reminded_at, updated_at = excluded.updated_at`,
      ),
      openIncident: db.prepare(
        `INSERT INTO incidents (center_id, opened_at, status, worst_status, went_dark_at, open_evidence, maintenance_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      incident: db.prepare<[number], IncidentRow>(`SELECT id, center_id, opened_at, status, worst_status, went_dark_at, maintenance_id FROM incidents WHERE id = ?`),
      updateIncident: db.prepare(`UPDATE incidents SET status = ?, worst_status = ?, went_dark_at = ? WHERE id = ?`),
      closeIncident: db.prepare(`UPDATE incidents SET closed_at = ?, close_evidence = ?, close_reason = ? WHERE id = ? AND closed_at IS NULL`),
      insertChange: db.prepare(
        `INSERT INTO center_status_changes (id, center_id, at, from_status, to_status, incident_id, maintenance_id, evidence, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /** Re-reads the centers (after a registry sync). */
  loadCenters(): void {
    const rows = this.db
      .prepare<[], { id: string; name: string; kind: string; region: string | null; city: string | null; tz: string | null }>(
        `SELECT id, name, kind, region, city, tz FROM centers WHERE archived_at IS NULL`,
      )
      .all();
    this.centers = new Map(rows.map((r) => [r.id, { id: r.id, name: r.name, kind: r.kind, region: r.region, city: r.city, tz: r.tz ?? this.o.defaultTz }]));
    this.channelCenter = new Map(
      this.db.prepare<[], { id: string; center_id: string }>(`SELECT id, center_id FROM channels`).all().map((r) => [r.id, r.center_id]),
    );
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /**
   * Called by the probe writer inside each batch's transaction. Channel events (a closed number, an
   * expiring certificate) are queued right here, with the channel change that causes them. Centers are
   * only marked for evaluation: a center's status is derived data, evaluated just after the batch in
   * transactions of its own (with the alerts it raises), so a burst of thousands of channel changes
   * never holds the event loop in one long transaction. A crash in between loses nothing: start-up
   * evaluates every center from the stored channel statuses.
   */
  afterBatch(stored: StoredProbe[]): void {
    const now = this.now();
    for (const s of stored) {
      const centerId = this.channelCenter.get(s.channelId);
      if (!centerId) continue;
      if (s.change) {
        if (this.frozen) this.held.add(centerId);
        else this.dirty.add(centerId);
      }
      if (s.change && CLOSED_STATUSES.has(s.change.to)) {
        if (this.frozen) this.heldChannelAlerts.push(s);
        else this.channelClosed(s, centerId, now);
      }
      if (s.record.classification.flags.includes('cert_expiring')) this.certExpiring(s, centerId, now);
    }
    this.flushQueued();
    if (this.dirty.size > 0) this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.draining || this.stopped) return;
    this.draining = true;
    setImmediate(() => this.drain());
  }

  /** Evaluates marked centers in chunks, yielding to the event loop between them. */
  private drain(): void {
    if (this.stopped) return;
    const chunk = [...this.dirty].slice(0, DRAIN_CHUNK);
    try {
      const now = this.now();
      this.db.transaction(() => {
        for (const id of chunk) this.evaluate(id, now);
      })();
      for (const id of chunk) this.dirty.delete(id);
      this.flushQueued();
    } catch (err) {
      // The disk refused: the centers stay marked and are tried again shortly.
      this.o.log.error({ err, centers: chunk.length }, 'could not evaluate center statuses; will retry');
      this.draining = false;
      setTimeout(() => this.scheduleDrain(), 1000).unref?.();
      return;
    }
    if (this.dirty.size > 0 && !this.frozen) setImmediate(() => this.drain());
    else {
      this.draining = false;
      for (const resolve of this.settled.splice(0)) resolve();
    }
  }

  /** No more evaluations after this (the database is about to close). */
  stop(): void {
    this.stopped = true;
    for (const resolve of this.settled.splice(0)) resolve();
  }

  /** Resolves once every center marked so far has been evaluated (tests, shutdown). */
  settle(): Promise<void> {
    if (this.dirty.size === 0 && !this.draining) return Promise.resolve();
    return new Promise((resolve) => this.settled.push(resolve));
  }

  /** Every center, e.g. after a registry sync (a channel added or archived changes its center). */
  evaluateAll(): void {
    const now = this.now();
    this.db.transaction(() => {
      for (const id of this.centers.keys()) {
        if (this.frozen) this.held.add(id);
        else this.evaluate(id, now);
      }
    })();
    this.flushQueued();
  }

  /** Freezes or thaws center statuses. Thawing evaluates the centers whose channels changed meanwhile. */
  setFrozen(frozen: boolean): void {
    if (this.frozen === frozen) return;
    this.frozen = frozen;
    if (frozen) {
      for (const id of this.dirty) this.held.add(id);
      this.dirty.clear();
      return;
    }
    const held = [...this.held];
    const channelAlerts = [...this.heldChannelAlerts];
    try {
      const now = this.now();
      this.db.transaction(() => {
        for (const id of held) this.evaluate(id, now);
        for (const s of channelAlerts) {
          const centerId = this.channelCenter.get(s.channelId);
          if (centerId) this.channelClosed(s, centerId, now);
        }
      })();
      this.held.clear();
      this.heldChannelAlerts.length = 0;
      this.flushQueued();
    } catch (err) {
      // The disk may still refuse: evaluate them with the next batch instead of losing them.
      for (const id of held) this.dirty.add(id);
      this.held.clear();
      this.o.log.error({ err }, 'could not evaluate the centers held while degraded; will retry');
      this.scheduleDrain();
    }
  }

  /**
   * Time-driven changes, run every few seconds: pending-dark centers whose grace ran out, reminders,
   * and centers still dark when a maintenance window ended (they owe the alert the window held).
   */
  sweep(lastSweepAt: number): boolean {
    if (this.frozen) return false;
    const now = this.now();
    this.db.transaction(() => {
      const due = this.db
        .prepare<[number], { center_id: string }>(
          `SELECT center_id FROM center_state WHERE status = 'partial' AND down_since IS NOT NULL AND down_since + ${Math.floor(this.o.rules.darkAfterMs)} <= ?`,
        )
        .all(now);
      for (const r of due) this.evaluate(r.center_id, now);
      if (this.o.reminderMs !== null) this.remind(now);
      for (const w of this.o.maintenance.endedBetween(lastSweepAt, now)) {
        const centers = [...this.centers.values()].filter((c) => c.id === w.centerId || (w.region !== null && c.region === w.region));
        for (const c of centers) this.afterMaintenance(c, now);
      }
    })();
    this.flushQueued();
    return true;
  }

  private flushQueued(): void {
    if (this.queued === 0) return;
    this.queued = 0;
    // After the commit: the transaction that queued the rows has finished when this microtask runs.
    queueMicrotask(() => this.o.onQueued?.());
  }

  // ---------------------------------------------------------------------------------------------

  private channelViews(centerId: string): { views: ChannelView[]; rows: ChannelRow[] } {
    const rows = this.stmts.channels.all(centerId).filter((r) => r.archived_at === null);
    const views = rows.map((r) => ({
      id: r.id,
      type: r.type,
      status: r.status ?? (r.target ? 'unknown' : 'not_probed'),
      since: r.status_since,
      confirmedAt: r.status_confirmed_at ?? r.status_since,
      reason: r.status_reason,
      probeable: r.target !== null,
    })) satisfies ChannelView[];
    return { views, rows };
  }

  /** Evaluates one center and writes what changed. Must run inside a transaction. */
  evaluate(centerId: string, now: number): void {
    const center = this.centers.get(centerId);
    if (!center) return;
    const { views, rows } = this.channelViews(centerId);
    const prevRow = this.stmts.state.get(centerId);
    const prev = prevRow ? { status: prevRow.status, since: prevRow.since, downSince: prevRow.down_since } : null;
    const decision = evaluateCenter(views, prev, now, this.o.rules);
    const from: CenterStatus = prevRow?.status ?? 'unknown';
    let incidentId = prevRow?.incident_id ?? null;
    let remindedAt = prevRow?.reminded_at ?? null;

    if (from === decision.status) {
      if (!prevRow || prevRow.down_since !== decision.downSince) {
        this.stmts.upsertState.run({ centerId, status: from, since: prevRow?.since ?? now, downSince: decision.downSince, incidentId, remindedAt, now });
      }
      return;
    }
    const window = this.o.maintenance.activeFor(center, now);
    const facts = this.facts(rows);
    const evidence = JSON.stringify({ channels: facts.channels, probes: facts.evidence });
    if (isIncidentStatus(decision.status)) {
      if (incidentId === null) {
        const info = this.stmts.openIncident.run(
          centerId, now, decision.status, decision.status, decision.status === 'dark' ? now : null, evidence, window?.id ?? null,
        );
        incidentId = Number(info.lastInsertRowid);
        remindedAt = null;
      } else {
        const inc = this.stmts.incident.get(incidentId);
        const worst = decision.status === 'dark' || inc?.worst_status === 'dark' ? 'dark' : 'partial';
        this.stmts.updateIncident.run(decision.status, worst, inc?.went_dark_at ?? (decision.status === 'dark' ? now : null), incidentId);
      }
    }
    const incidentWasOpen = incidentId !== null;
    const closing = closesIncident(decision.status) ? incidentId : null;
    if (closing !== null) this.stmts.closeIncident.run(now, evidence, decision.status, closing);
    // Linked into the center_status_changes hash chain; the tail is read in this transaction.
    const row = [centerId, now, from, decision.status, incidentId, window?.id ?? null, evidence] as const;
    const link = new ChainTail(this.db, 'center_status_changes').link(row);
    this.stmts.insertChange.run(link.id, ...row, link.hash, link.prev);
    const changeId = link.id;
    this.stmts.upsertState.run({
      centerId,
      status: decision.status,
      since: decision.since,
      downSince: decision.downSince,
      incidentId: closing !== null ? null : incidentId,
      remindedAt: decision.status === 'dark' && from !== 'dark' ? null : remindedAt,
      now,
    });
    this.o.log.info({ center: centerId, from, to: decision.status, incident: incidentId, maintenance: window?.id }, 'center status changed');

    const event = centerEvent(from, decision, incidentWasOpen);
    if (!event || incidentId === null) return;
    const relevant = event === 'recovered' ? facts.evidenceOf((c) => c.status === 'reachable') : facts.evidenceOf((c) => c.status !== 'reachable');
    const alert: AlertFacts = {
      event,
      at: now,
      center,
      status: decision.status,
      // "Since when" for a dark center: since its last channel was confirmed down, when people began failing.
      since: event === 'went_dark' ? (decision.downSince ?? now) : decision.since,
      incidentId,
      channels: facts.channels,
      evidence: relevant,
      boardUrl: this.o.boardUrl,
    };
    const incident = incidentId;
    if (event === 'recovered') {
      // Only those who were told hear the recovery, even inside a maintenance window (the window
      // holds news of trouble, not the end of it). Anything still queued for them about this
      // incident is now stale: it is superseded rather than delivered after the recovery.
      this.o.outbox.supersede(incident, 'superseded: the center recovered before it was delivered');
      this.raise(alert, `recovered:change-${changeId}`, null, (sub) => this.o.outbox.told(incident, sub.id));
      return;
    }
    // Keyed by the change: a center can go dark twice within one incident, and each time is news.
    this.raise(alert, `${event}:change-${changeId}`, window ? `maintenance:${window.id}` : null);
  }

  private remind(now: number): void {
    const reminderMs = this.o.reminderMs as number;
    const rows = this.db
      .prepare<[number], CenterStateRow & { went_dark_at: number | null }>(
        `SELECT s.*, i.went_dark_at FROM center_state s JOIN incidents i ON i.id = s.incident_id
         WHERE s.status = 'dark' AND COALESCE(s.reminded_at, i.went_dark_at, s.since) + ${Math.floor(reminderMs)} <= ?`,
      )
      .all(now);
    for (const r of rows) {
      const center = this.centers.get(r.center_id);
      if (!center || r.incident_id === null) continue;
      this.db.prepare(`UPDATE center_state SET reminded_at = ? WHERE center_id = ?`).run(now, r.center_id);
      if (this.o.maintenance.activeFor(center, now)) continue;
      const { rows: chRows } = this.channelViews(r.center_id);
      const facts = this.facts(chRows);
      const incident = r.incident_id;
      this.raise(
        { event: 'still_dark', at: now, center, status: 'dark', since: r.went_dark_at ?? r.since, incidentId: incident, channels: facts.channels, evidence: [], boardUrl: this.o.boardUrl },
        `still_dark:incident-${incident}:${now}`,
        null,
        (sub) => this.o.outbox.concerned(incident, sub.id),
      );
    }
  }

  /** A window ended with the center dark or partial: tell whoever the window kept from being told. */
  private afterMaintenance(center: CenterFacts, now: number): void {
    const st = this.stmts.state.get(center.id);
    if (!st || st.incident_id === null || !isIncidentStatus(st.status)) return;
    if (this.o.maintenance.activeFor(center, now)) return;
    const { views, rows } = this.channelViews(center.id);
    const decision = evaluateCenter(views, { status: st.status, since: st.since, downSince: st.down_since }, now, this.o.rules);
    // Pending dark (every channel down, grace not over) is not news yet; "went dark" follows if it lasts.
    if (st.status === 'partial' && !decision.alive) return;
    const event: AlertEvent = st.status === 'dark' ? 'went_dark' : 'partly_reachable';
    const facts = this.facts(rows);
    const incident = st.incident_id;
    this.raise(
      {
        event, at: now, center, status: st.status, since: st.since, incidentId: incident, channels: facts.channels,
        evidence: facts.evidenceOf((c) => c.status !== 'reachable'), afterMaintenance: true, boardUrl: this.o.boardUrl,
      },
      `${event}:incident-${incident}:after-maintenance`,
      null,
      // Not to those already told of this very state (before the window began).
      (sub) => !this.o.outbox.told(incident, sub.id, event === 'went_dark' ? ['went_dark', 'still_dark'] : ['partly_reachable', 'went_dark', 'still_dark']),
    );
  }

  private channelClosed(s: StoredProbe, centerId: string, now: number): void {
    const center = this.centers.get(centerId);
    const change = s.change;
    if (!center || !change) return;
    const row = this.stmts.channels.all(centerId).find((r) => r.id === s.channelId);
    if (!row) return;
    const window = this.o.maintenance.activeFor(center, now);
    const facts = this.facts([row]);
    this.raise(
      {
        event: 'channel_closed', at: now, center, since: change.probes[0]?.at ?? change.at, channels: facts.channels,
        evidence: change.probes.map((p) => ({ channelId: s.channelId, at: p.at, reason: p.reason, detail: p.detail })), boardUrl: this.o.boardUrl,
      },
      `channel_closed:${s.channelId}:${change.at}`,
      window ? `maintenance:${window.id}` : null,
    );
  }

  private certExpiring(s: StoredProbe, centerId: string, now: number): void {
    const center = this.centers.get(centerId);
    if (!center) return;
    const hops = (s.record.evidence.hops as { tls?: { cert?: { validTo?: number } } }[] | undefined) ?? [];
    const validTo = hops.map((h) => h.tls?.cert?.validTo).find((v): v is number => typeof v === 'number');
    if (validTo === undefined) return;
    const key = `cert_expiring:${s.channelId}:${validTo}`;
    // While degraded, nothing is raised and nothing remembered: the next probe carries the same flag.
    if (this.certSeen.has(key) || this.frozen) return;
    this.certSeen.add(key);
    const row = this.stmts.channels.all(centerId).find((r) => r.id === s.channelId);
    if (!row) return;
    const window = this.o.maintenance.activeFor(center, now);
    const c = s.record.classification;
    this.raise(
      {
        event: 'cert_expiring', at: now, center, certExpiresAt: validTo, channels: this.facts([row]).channels,
        evidence: [{ channelId: s.channelId, at: s.record.startedAt, reason: c.reason, detail: c.detail }], boardUrl: this.o.boardUrl,
      },
      key,
      window ? `maintenance:${window.id}` : null,
    );
  }

  /** Queues one message per matching subscription, rendered in its language. */
  private raise(facts: AlertFacts, keyBase: string, suppressedBy: string | null, also: (sub: Subscription) => boolean = () => true): void {
    for (const sub of this.o.subscriptions()) {
      if (!subscriptionMatches(sub, facts.event, facts.center) || !also(sub)) continue;
      const id = this.o.outbox.enqueue({
        dedupeKey: `${keyBase}:${sub.id}`,
        subscription: sub,
        centerId: facts.center?.id ?? null,
        incidentId: facts.incidentId ?? null,
        message: renderAlert(facts, sub.language),
        now: facts.at,
        suppressedBy,
      });
      if (id && !suppressedBy) this.queued++;
      this.o.log.debug({ sub: sub.id, event: facts.event, id }, "alert queued");
    }
  }

  /** Operator notices: reachwatch itself degraded or recovered. Outside any probe transaction. */
  raiseSelfCheck(facts: AlertFacts, key: string): void {
    this.db.transaction(() => this.raise(facts, key, null))();
    this.flushQueued();
  }

  private facts(rows: ChannelRow[]): { channels: ChannelFacts[]; evidence: EvidenceFacts[]; evidenceOf: (pick: (c: ChannelFacts) => boolean) => EvidenceFacts[] } {
    const channels: ChannelFacts[] = rows.map((r) => ({
      id: r.id,
      type: r.type,
      value: r.value,
      status: r.status ?? (r.target ? 'unknown' : 'not_probed'),
      since: r.status_since,
      reason: r.status_reason,
    }));
    // The probes that confirmed each channel's current status: the first N of its streak, while the
    // streak is still the status (a newer, different streak is not yet evidence of anything).
    const byChannel = new Map<string, EvidenceFacts[]>();
    for (const r of rows) {
      if (!r.streak_probes || r.streak_outcome !== r.status) continue;
      const probes = JSON.parse(r.streak_probes) as StreakProbe[];
      byChannel.set(r.id, probes.map((p) => ({ channelId: r.id, at: p.at, reason: p.reason, detail: p.detail })));
    }
    const evidenceOf = (pick: (c: ChannelFacts) => boolean) => channels.filter(pick).flatMap((c) => byChannel.get(c.id) ?? []);
    return { channels, evidence: [...byChannel.values()].flat(), evidenceOf };
  }
}
