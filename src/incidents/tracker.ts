// Center status, incidents and the alerts they raise, kept current as probes are stored: the small
// I/O piece around the pure incident lifecycle (lifecycle.ts). It reads what the lifecycle needs from
// the incidents store, writes what it decided, and hands the alerts it means to alerts/ to queue,
// all in one transaction: a status change and its alert are committed together or not at all.
// It also owns when evaluations run: batched after the probes that caused them, swept on a timer,
// and frozen while reachwatch itself is degraded (our failure is not the centers').

import type { Logger } from 'pino';
import {
  afterMaintenanceAlert, centerChangeAlert, certExpiringAlert, certKey, certValidTo, changeEvidence, channelClosedAlert, channelFacts, stillDarkAlert,
} from '../alerts/center-alerts.ts';
import type { AlertFacts } from '../alerts/messages.ts';
import type { AlertRaiser } from '../alerts/raiser.ts';
import type { CenterFacts } from '../alerts/subscription.ts';
import type { MaintenanceWindows } from '../maintenance/windows.ts';
import { isIncidentStatus, type CenterRules, type ChannelView } from '../status/center.ts';
import type { IncidentStore, TrackedChannel } from '../store/incidents.ts';
import type { StoredProbe } from '../store/probe-writer.ts';
import { afterMaintenanceEvent, centerLifecycle, extendIncident, type CenterRecord, type CenterTransition } from './lifecycle.ts';

export interface TrackerOptions {
  store: IncidentStore;
  alerts: AlertRaiser;
  maintenance: MaintenanceWindows;
  rules: CenterRules;
  /** A "still dark" reminder this often while a center stays dark; null: never. */
  reminderMs: number | null;
  boardUrl: string | null;
  defaultTz: string;
  log: Logger;
  now?: () => number;
}

/** Centers evaluated per transaction when draining a burst (a few ms of work: short enough not to delay probes). */
const DRAIN_CHUNK = 50;

/** A channel change that raises an alert of its own. */
const CLOSED_STATUSES: ReadonlySet<string> = new Set(['wrong_number', 'closed']);

/** What the center policy sees of a channel. */
const viewOf = (r: TrackedChannel): ChannelView => ({
  id: r.id,
  type: r.type,
  status: r.status ?? (r.target ? 'unknown' : 'not_probed'),
  since: r.statusSince,
  confirmedAt: r.statusConfirmedAt ?? r.statusSince,
  reason: r.statusReason,
  probeable: r.target !== null,
});

export class CenterTracker {
  private readonly o: TrackerOptions;
  private readonly store: IncidentStore;
  private readonly alerts: AlertRaiser;
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

  constructor(opts: TrackerOptions) {
    this.o = opts;
    this.store = opts.store;
    this.alerts = opts.alerts;
    this.now = opts.now ?? Date.now;
  }

  /** Re-reads the centers (after a registry sync). */
  loadCenters(): void {
    this.centers = new Map(
      this.store.activeCenters().map((r) => [r.id, { id: r.id, name: r.name, kind: r.kind, region: r.region, city: r.city, tz: r.tz ?? this.o.defaultTz }]),
    );
    this.channelCenter = new Map(this.store.channelCenters().map((r) => [r.channelId, r.centerId]));
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
    this.alerts.flush();
    if (this.dirty.size > 0) this.scheduleDrain();
  }

  /**
   * Channels whose status changed without a probe (their vantage points were combined again when a
   * point's agents went stale or came back): their centers are evaluated as after a batch.
   */
  channelsChanged(channelIds: readonly string[]): void {
    for (const id of channelIds) {
      const centerId = this.channelCenter.get(id);
      if (!centerId) continue;
      if (this.frozen) this.held.add(centerId);
      else this.dirty.add(centerId);
    }
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
      this.store.transaction(() => {
        for (const id of chunk) this.evaluate(id, now);
      });
      for (const id of chunk) this.dirty.delete(id);
      this.alerts.flush();
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
    this.store.transaction(() => {
      for (const id of this.centers.keys()) {
        if (this.frozen) this.held.add(id);
        else this.evaluate(id, now);
      }
    });
    this.alerts.flush();
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
      this.store.transaction(() => {
        for (const id of held) this.evaluate(id, now);
        for (const s of channelAlerts) {
          const centerId = this.channelCenter.get(s.channelId);
          if (centerId) this.channelClosed(s, centerId, now);
        }
      });
      this.held.clear();
      this.heldChannelAlerts.length = 0;
      this.alerts.flush();
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
    this.store.transaction(() => {
      for (const id of this.store.pendingDark(this.o.rules.darkAfterMs, now)) this.evaluate(id, now);
      if (this.o.reminderMs !== null) this.remind(this.o.reminderMs, now);
      for (const w of this.o.maintenance.endedBetween(lastSweepAt, now)) {
        const centers = [...this.centers.values()].filter((c) => c.id === w.centerId || (w.region !== null && c.region === w.region));
        for (const c of centers) this.afterMaintenance(c, now);
      }
    });
    this.alerts.flush();
    return true;
  }

  /** Operator notices: reachwatch itself degraded or recovered. Outside any probe transaction. */
  raiseSelfCheck(facts: AlertFacts, key: string): void {
    this.store.transaction(() => this.alerts.raise({ facts, key, suppressedBy: null, audience: { kind: 'all' } }));
    this.alerts.flush();
  }

  // ---------------------------------------------------------------------------------------------

  /** The channels that count for a center (archived ones no longer do). */
  private channelsOf(centerId: string): TrackedChannel[] {
    return this.store.channelsOf(centerId).filter((r) => !r.archived);
  }

  /** Evaluates one center and acts on the lifecycle's decision. Must run inside a transaction. */
  evaluate(centerId: string, now: number): void {
    const center = this.centers.get(centerId);
    if (!center) return;
    const rows = this.channelsOf(centerId);
    const prev = this.store.record(centerId);
    const d = centerLifecycle(rows.map(viewOf), prev, now, this.o.rules);
    if (d.kind === 'none') return;
    if (d.kind === 'record') {
      this.store.saveRecord(centerId, d.record, now);
      return;
    }
    this.transition(center, rows, prev, d.transition);
  }

  /** Writes a status change (incident, chained log entry, record) and queues its alert. */
  private transition(center: CenterFacts, rows: TrackedChannel[], prev: CenterRecord | null, t: CenterTransition): void {
    const { store } = this;
    const window = this.o.maintenance.activeFor(center, t.at);
    const windowId = window?.id ?? null;
    const facts = channelFacts(rows);
    const evidence = changeEvidence(facts);
    let incidentId = prev?.incidentId ?? null;
    if (t.incident?.op === 'open') {
      incidentId = store.openIncident({ centerId: center.id, at: t.at, status: t.incident.status, wentDarkAt: t.incident.wentDarkAt, evidence, maintenanceId: windowId });
    } else if (t.incident?.op === 'extend') {
      store.updateIncident(t.incident.id, extendIncident(store.incident(t.incident.id), t.incident.status, t.at));
    }
    if (t.closes && incidentId !== null) store.closeIncident(incidentId, t.at, evidence, t.to);
    const changeId = store.appendChange({ centerId: center.id, at: t.at, from: t.from, to: t.to, incidentId, maintenanceId: windowId, evidence });
    const n = t.next;
    store.saveRecord(center.id, { status: n.status, since: n.since, downSince: n.downSince, incidentId: n.incident === 'clear' ? null : incidentId, remindedAt: n.remindedAt }, t.at);
    this.o.log.info({ center: center.id, from: t.from, to: t.to, incident: incidentId, maintenance: window?.id }, 'center status changed');
    const plan = centerChangeAlert({ center, transition: t, incidentId, changeId, facts, windowId, boardUrl: this.o.boardUrl });
    if (plan) this.alerts.raise(plan);
  }

  private remind(reminderMs: number, now: number): void {
    for (const due of this.store.dueReminders(reminderMs, now)) {
      const center = this.centers.get(due.centerId);
      if (!center) continue;
      this.store.markReminded(due.centerId, now);
      if (this.o.maintenance.activeFor(center, now)) continue;
      this.alerts.raise(stillDarkAlert(center, due, channelFacts(this.channelsOf(due.centerId)), now, this.o.boardUrl));
    }
  }

  /** A window ended with the center dark or partial: tell whoever the window kept from being told. */
  private afterMaintenance(center: CenterFacts, now: number): void {
    const st = this.store.record(center.id);
    if (!st || st.incidentId === null || !isIncidentStatus(st.status)) return;
    if (this.o.maintenance.activeFor(center, now)) return;
    const rows = this.channelsOf(center.id);
    const event = afterMaintenanceEvent(st, rows.map(viewOf), now, this.o.rules);
    if (!event) return;
    const state = { status: st.status === 'dark' ? ('dark' as const) : ('partial' as const), since: st.since, incidentId: st.incidentId };
    this.alerts.raise(afterMaintenanceAlert(center, state, event, channelFacts(rows), now, this.o.boardUrl));
  }

  private channelClosed(s: StoredProbe, centerId: string, now: number): void {
    const center = this.centers.get(centerId);
    const change = s.change;
    if (!center || !change) return;
    const row = this.store.channelsOf(centerId).find((r) => r.id === s.channelId);
    if (!row) return;
    const window = this.o.maintenance.activeFor(center, now);
    this.alerts.raise(channelClosedAlert(center, row, s.channelId, change, window?.id ?? null, now, this.o.boardUrl));
  }

  private certExpiring(s: StoredProbe, centerId: string, now: number): void {
    const center = this.centers.get(centerId);
    if (!center) return;
    const validTo = certValidTo(s.record);
    if (validTo === undefined) return;
    const key = certKey(s.channelId, validTo);
    // While degraded, nothing is raised and nothing remembered: the next probe carries the same flag.
    if (this.certSeen.has(key) || this.frozen) return;
    this.certSeen.add(key);
    const row = this.store.channelsOf(centerId).find((r) => r.id === s.channelId);
    if (!row) return;
    const window = this.o.maintenance.activeFor(center, now);
    this.alerts.raise(certExpiringAlert(center, row, s.channelId, s.record, validTo, window?.id ?? null, now, this.o.boardUrl));
  }
}
