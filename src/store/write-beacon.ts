// Telling another thread that this connection is inside a write. better-sqlite3 runs every call
// synchronously on the calling thread, so a write the kernel blocks (a frozen file system) blocks that
// thread too, and nothing it could send afterwards would arrive; a beacon in shared memory is set
// before the call and read by a thread that never touches the disk (src/daemon/front.ts).

import type { DB } from './connection.ts';

/** Marks the start and end of a database call that may write; calls nest (a statement inside a transaction). */
export interface WriteBeacon {
  begin(): void;
  end(): void;
}

type Fn = (...args: never[]) => unknown;

function guarded<F extends Fn>(beacon: WriteBeacon, f: F): F {
  return function (this: unknown, ...args: Parameters<F>): ReturnType<F> {
    beacon.begin();
    try {
      return f.apply(this, args) as ReturnType<F>;
    } finally {
      beacon.end();
    }
  } as F;
}

/**
 * Sets the beacon around every call of `db` that can write or wait for the disk: transactions (their
 * COMMIT is where the fsync waits), `exec`, `pragma` (checkpoints), `close` (it checkpoints the WAL),
 * and the statements that are not read-only (an `INSERT ... RETURNING` included, whichever method
 * runs it). Read-only statements are left alone: they are most calls, and a reader blocked on the disk
 * shows as a thread that stopped beating (src/daemon/core-beacon.ts).
 */
export function guardWrites(db: DB, beacon: WriteBeacon): void {
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: Fn) => {
    const t = transaction(fn);
    const wrapped = guarded(beacon, t);
    // better-sqlite3's transaction function carries its BEGIN variants as properties.
    for (const variant of ['default', 'deferred', 'immediate', 'exclusive'] as const) {
      Object.defineProperty(wrapped, variant, { value: guarded(beacon, t[variant]) });
    }
    return wrapped;
  }) as DB['transaction'];
  db.exec = guarded(beacon, db.exec);
  db.pragma = guarded(beacon, db.pragma);
  db.close = guarded(beacon, db.close);
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => {
    const statement = prepare(source);
    if (!statement.readonly) {
      statement.run = guarded(beacon, statement.run);
      statement.get = guarded(beacon, statement.get);
      statement.all = guarded(beacon, statement.all);
    }
    return statement;
  }) as DB['prepare'];
}
