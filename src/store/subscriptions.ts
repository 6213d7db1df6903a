// The subscriptions table. Config subscriptions are mirrored in one transaction; API ones are
// created and disabled one at a time.

import type { DB } from './connection.ts';
import type { SubscriptionRow } from './rows.ts';

/** A subscription as written: target and filters already JSON. */
export type SubscriptionWrite = Pick<SubscriptionRow, 'id' | 'channel' | 'target' | 'language' | 'filters'>;

export interface SubscriptionRepository {
  active(): SubscriptionRow[];
  list(includeDisabled: boolean): SubscriptionRow[];
  get(id: string): SubscriptionRow | undefined;
  /**
   * In one transaction: `check` sees each config subscription's current row first (and may throw to
   * change nothing), then it is added or updated; config subscriptions not in `subs` are disabled.
   */
  mirrorConfig(subs: SubscriptionWrite[], now: number, check: (s: SubscriptionWrite, existing: SubscriptionRow | undefined) => void): void;
  insertFromApi(s: SubscriptionWrite, createdBy: string, now: number): void;
  disable(id: string, now: number): void;
}

export class SqliteSubscriptionRepository implements SubscriptionRepository {
  private readonly db: DB;

  constructor(db: DB) {
    this.db = db;
  }

  active(): SubscriptionRow[] {
    return this.db.prepare<[], SubscriptionRow>(`SELECT * FROM subscriptions WHERE disabled_at IS NULL ORDER BY id`).all();
  }

  list(includeDisabled: boolean): SubscriptionRow[] {
    return this.db.prepare<[], SubscriptionRow>(`SELECT * FROM subscriptions ${includeDisabled ? '' : 'WHERE disabled_at IS NULL'} ORDER BY id`).all();
  }

  get(id: string): SubscriptionRow | undefined {
    return this.db.prepare<[string], SubscriptionRow>(`SELECT * FROM subscriptions WHERE id = ?`).get(id);
  }

  mirrorConfig(subs: SubscriptionWrite[], now: number, check: (s: SubscriptionWrite, existing: SubscriptionRow | undefined) => void): void {
    const upsert = this.db.prepare(
      `INSERT INTO subscriptions (id, source, channel, target, language, filters, created_by, created_at)
       VALUES (@id, 'config', @channel, @target, @language, @filters, 'config', @now)
       ON CONFLICT(id) DO UPDATE SET channel = excluded.channel, target = excluded.target, language = excluded.language,
         filters = excluded.filters, disabled_at = NULL
       WHERE subscriptions.source = 'config'`,
    );
    this.db.transaction(() => {
      for (const s of subs) {
        check(s, this.get(s.id));
        upsert.run({ ...s, now });
      }
      const ids = new Set(subs.map((s) => s.id));
      for (const r of this.db.prepare<[], { id: string }>(`SELECT id FROM subscriptions WHERE source = 'config' AND disabled_at IS NULL`).all()) {
        if (!ids.has(r.id)) this.disable(r.id, now);
      }
    })();
  }

  insertFromApi(s: SubscriptionWrite, createdBy: string, now: number): void {
    this.db
      .prepare(`INSERT INTO subscriptions (id, source, channel, target, language, filters, created_by, created_at) VALUES (?, 'api', ?, ?, ?, ?, ?, ?)`)
      .run(s.id, s.channel, s.target, s.language, s.filters, createdBy, now);
  }

  disable(id: string, now: number): void {
    this.db.prepare(`UPDATE subscriptions SET disabled_at = ? WHERE id = ?`).run(now, id);
  }
}
