// Subscriptions in the database, with an in-memory copy for the hot path (every status change asks
// who is subscribed). Config subscriptions are mirrored so every outbox row points at a row.

import type { DB } from '../store/db.ts';
import type { SubscriptionRow } from '../store/rows.ts';
import { SqliteSubscriptionRepository, type SubscriptionRepository, type SubscriptionWrite } from '../store/subscriptions.ts';
import type { DeliveryTarget } from './channel.ts';
import type { ConfiguredSubscription } from './config.ts';
import type { Subscription } from './subscription.ts';

const fromRow = (r: SubscriptionRow): Subscription => ({
  id: r.id,
  source: r.source,
  channel: r.channel,
  target: JSON.parse(r.target) as DeliveryTarget,
  language: r.language,
  filters: JSON.parse(r.filters) as Subscription['filters'],
  createdBy: r.created_by,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
});

const toWrite = (s: ConfiguredSubscription): SubscriptionWrite => ({
  id: s.id,
  channel: s.channel,
  target: JSON.stringify(s.target),
  language: s.language,
  filters: JSON.stringify(s.filters),
});

export class SubscriptionConflict extends Error {
  override name = 'SubscriptionConflict';
}

export class Subscriptions {
  private readonly repo: SubscriptionRepository;
  private active: Subscription[] = [];

  /** `db`: the SQLite file, or any other engine's subscription repository. */
  constructor(db: DB | SubscriptionRepository) {
    this.repo = 'mirrorConfig' in db ? db : new SqliteSubscriptionRepository(db);
    this.reload();
  }

  private reload(): void {
    this.active = this.repo.active().map(fromRow);
  }

  /** The active subscriptions (a stable array until the next change). */
  all(): readonly Subscription[] {
    return this.active;
  }

  list(includeDisabled: boolean): Subscription[] {
    return this.repo.list(includeDisabled).map(fromRow);
  }

  get(id: string): Subscription | null {
    const r = this.repo.get(id);
    return r ? fromRow(r) : null;
  }

  /** Where a queued alert goes now; null once the subscription was removed. */
  targetOf(id: string): DeliveryTarget | null {
    return this.active.find((s) => s.id === id)?.target ?? null;
  }

  /**
   * Mirrors the config file: its subscriptions are added or updated, and config subscriptions no longer
   * in the file are disabled (kept: their past alerts still name them). An API subscription with the
   * same id as a config one is refused at start, not overwritten.
   */
  syncConfig(subs: ConfiguredSubscription[], now: number): void {
    this.repo.mirrorConfig(subs.map(toWrite), now, (s, existing) => {
      if (existing && existing.source === 'api') {
        throw new SubscriptionConflict(`The config subscription "${s.id}" has the id of a subscription created through the API; rename one of them.`);
      }
    });
    this.reload();
  }

  create(s: ConfiguredSubscription, createdBy: string, now: number): Subscription {
    const existing = this.get(s.id);
    if (existing) throw new SubscriptionConflict(`A subscription with the id "${s.id}" already exists${existing.disabledAt !== null ? ' (disabled; ids are never reused)' : ''}.`);
    this.repo.insertFromApi(toWrite(s), createdBy, now);
    this.reload();
    return this.get(s.id) as Subscription;
  }

  /** Disables an API subscription; config ones are changed in the config file. */
  disable(id: string, now: number): 'disabled' | 'not_found' | 'from_config' {
    const s = this.get(id);
    if (!s || s.disabledAt !== null) return 'not_found';
    if (s.source === 'config') return 'from_config';
    this.repo.disable(id, now);
    this.reload();
    return 'disabled';
  }
}
