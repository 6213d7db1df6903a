// The data folder's lock (src/store/daemon-lock.ts): one holder at a time, named to whoever is refused,
// taken again once released. Across processes and kill -9: test/daemon/startup.test.ts.

import { afterAll, expect, test } from 'vitest';
import { DaemonLockHeld, lockDataFolder } from '../../src/store/daemon-lock.ts';
import { tempDir } from '../helpers/tmp.ts';

const t = tempDir();
afterAll(t.remove);

test('a second taker is refused with the holder named; after release the lock can be taken again', () => {
  const first = lockDataFolder(t.dir, 'daemon');
  let refused: unknown = null;
  try {
    lockDataFolder(t.dir, 'prune');
  } catch (err) {
    refused = err;
  }
  expect(refused).toBeInstanceOf(DaemonLockHeld);
  expect((refused as DaemonLockHeld).holder).toMatchObject({ pid: process.pid, command: 'daemon' });
  expect((refused as DaemonLockHeld).message).toContain(t.dir);
  first.release();
  first.release(); // idempotent
  const again = lockDataFolder(t.dir, 'prune');
  again.release();
});
