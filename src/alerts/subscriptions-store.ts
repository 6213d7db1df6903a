// Subscriptions in the database, with an in-memory copy for the hot path (every status change asks
// who is subscribed). Config subscriptions are mirrored so every outbox row points at a row.

import type { DB } from '../store/db.ts';
import type { DeliveryTarget } from './channel.ts';
import type { ConfiguredSubscription } from './config.ts';
import type { Subscription } from './subscription.ts';

interface Row {
  id: string;
  source: 'config' | 'api';
  channel: Subscription['channel'];
  target: string;
  language: Subscription['language'];
  filters: string;
  created_by: string;
  created_at: number;
  disabled_at: number | null;
}

const fromRow = (r: Row): Subscription => ({
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

export class SubscriptionConflict extends Error {
  override name = 'SubscriptionConflict';
}

export class Subscriptions {
  private readonly db: DB;
  private active: Subscription[] = [];

  constructor(db: DB) {
    this.db = db;
    this.reload();
  }

  private reload(): void {
    this.active = this.db.prepare<[], Row>(`SELECT * FROM subscriptions WHERE disabled_at IS NULL ORDER BY id`).all().map(fromRow);
  }

  /** The active subscriptions (a stable array until the next change). */
  all(): readonly Subscription[] {
    return this.active;
  }

  list(includeDisabled: boolean): Subscription[] {
    return this.db
      .prepare<[], Row>(`SELECT * FROM subscriptions ${includeDisabled ? '' : 'WHERE disabled_at IS NULL'} ORDER BY id`)
      .all()
      .map(fromRow);
  }

  get(id: string): Subscription | null {
    const r = this.db.prepare<[string], Row>(`SELECT * FROM subscriptions WHERE id = ?`).get(id);
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
    const upsert = this.db.prepare(
      `INSERT INTO subscriptions (id, source, channel, target, language, filters, created_by, created_at)
       VALUES (@id, 'config', @channel, @target, @language, @filters, 'config', @now)
       ON CONFLICT(id) DO UPDATE SET channel = excluded.channel, target = excluded.target, language = excluded.language,
         filters = excluded.filters, disabled_at = NULL
       WHERE subscriptions.source = 'config'`,
    );
    this.db.transaction(() => {
      for (const s of subs) {
        const existing = this.get(s.id);
        if (existing && existing.source === 'api') {
          throw new SubscriptionConflict(`The config subscription "${s.id}" has the id of a subscription created through the API; rename one of them.`);
        }
        upsert.run({ id: s.id, channel: s.channel, target: JSON.stringify(s.target), language: s.language, filters: JSON.stringify(s.filters), now });
      }
      const ids = new Set(subs.map((s) => s.id));
      for (const r of this.db.prepare<[], { id: string }>(`SELECT id FROM subscriptions WHERE source = 'config' AND disabled_at IS NULL`).all()) {
        if (!ids.has(r.id)) this.db.prepare(`UPDATE subscriptions SET disabled_at = ? WHERE id = ?`).run(now, r.id);
      }
    })();
    this.reload();
  }

  create(s: ConfiguredSubscription, createdBy: string, now: number): Subscription {
    const existing = this.get(s.id);
    if (existing) throw new SubscriptionConflict(`A subscription with the id "${s.id}" already exists${existing.disabledAt !== null ? ' (disabled; ids are never reused)' : ''}.`);
    this.db
      .prepare(
        `INSERT INTO subscriptions (id, source, channel, target, language, filters, created_by, created_at) VALUES (?, 'api', ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.id, s.channel, JSON.stringify(s.target), s.language, JSON.stringify(s.filters), createdBy, now);
    this.reload();
    return this.get(s.id) as Subscription;
  }

  /** Disables an API subscription; config ones are changed in the config file. */
  disable(id: string, now: number): 'disabled' | 'not_found' | 'from_config' {
    const s = this.get(id);
    if (!s || s.disabledAt !== null) return 'not_found';
    if (s.source === 'config') return 'from_config';
    this.db.prepare(`UPDATE subscriptions SET disabled_at = ? WHERE id = ?`).run(now, id);
    this.reload();
    return 'disabled';
  }
}
