// The write beacon (src/store/write-beacon.ts) is what the daemon's front reads to know that the core's
// thread is inside a database write. Checked from inside SQLite itself: a SQL function that reads the
// shared memory, called by the statement being run, sees the beacon set exactly while a write runs.

import { afterEach, describe, expect, test } from 'vitest';
import { CoreBeacon } from '../../src/daemon/core-beacon.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function open(): { db: DB; beacon: CoreBeacon; front: CoreBeacon } {
  const t = tempDir();
  cleanups.push(t.remove);
  const beacon = new CoreBeacon();
  const db = openDatabase(t.dir, { beacon });
  cleanups.push(() => db.open && db.close());
  // The front's view: another CoreBeacon over the same memory, as the front builds it.
  const front = new CoreBeacon(beacon.shared);
  db.function('writing', () => (front.writePendingFor() === null ? 0 : 1));
  db.exec('CREATE TABLE seen (writing INTEGER NOT NULL)');
  return { db, beacon, front };
}

describe('the write beacon', () => {
  test('set while a statement that writes runs, whichever method runs it; not for reads', () => {
    const { db, front } = open();
    db.prepare('INSERT INTO seen VALUES (writing())').run();
    expect((db.prepare('INSERT INTO seen VALUES (writing()) RETURNING writing').get() as { writing: number }).writing).toBe(1);
    expect(db.prepare('SELECT writing FROM seen').all()).toEqual([{ writing: 1 }, { writing: 1 }]);
    expect(db.prepare('SELECT writing() AS w').get()).toEqual({ w: 0 });
    expect(front.writePendingFor()).toBeNull();
  });

  test('set for the whole of a transaction (the wrapper spans its BEGIN and COMMIT) and cleared after, even when it throws', () => {
    const { db, front } = open();
    const inside: (number | null)[] = [];
    const tx = db.transaction(() => {
      inside.push(front.writePendingFor());
      db.prepare('INSERT INTO seen VALUES (writing())').run();
      inside.push(front.writePendingFor());
    });
    tx();
    tx.immediate();
    expect(inside.every((v) => v !== null && v >= 0)).toBe(true);
    expect(front.writePendingFor()).toBeNull();
    const failing = db.transaction(() => {
      db.prepare('INSERT INTO seen VALUES (writing())').run();
      throw new Error('rolled back');
    });
    expect(() => failing()).toThrow('rolled back');
    expect(front.writePendingFor()).toBeNull();
    // exec and pragma write too (a checkpoint waits for the disk).
    db.exec('INSERT INTO seen SELECT writing()');
    expect((db.prepare('SELECT MIN(writing) AS m FROM seen').get() as { m: number }).m).toBe(1);
  });

  test('the heartbeat: none before the first beat, then how long ago, read from the other side', () => {
    const core = new CoreBeacon();
    const front = new CoreBeacon(core.shared);
    expect(front.sinceBeat()).toBeNull();
    core.beat(1_000);
    expect(front.sinceBeat(1_250)).toBe(250);
  });
});
