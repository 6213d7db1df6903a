// Every channel status change goes through the status policy and into the status-change chain,
// including those no probe made: a phone that no prober here can call says "not probed", and a
// channel whose target vanished or appeared starts again. Real database file, real Monitor.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, expect, test } from 'vitest';
import { buildConfig } from '../../src/config/config.ts';
import { Monitor } from '../../src/daemon/monitor.ts';
import { assertLoadable, loadRegistry, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { ChannelStatusStore } from '../../src/store/channel-status.ts';
import { DB_FILE_NAME, openDatabase, type DB } from '../../src/store/db.ts';
import { verifyDatabase } from '../../src/store/verify.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

const registry = (phone: string) =>
  `- id: a\n  name: A\n  kind: hotline\n  channels:\n    - {type: phone, id: a-phone, value: "${phone}"}\n    - {type: website, value: "https://a.example.kz/"}\n`;

interface ChangeRow {
  from_status: string;
  to_status: string;
  reason: string | null;
  probe_ids: string;
}

const changesOf = (db: DB, channelId: string): ChangeRow[] =>
  db
    .prepare<[string], ChangeRow>(
      `SELECT from_status, to_status, reason, probe_ids FROM status_changes WHERE channel_ref = (SELECT ref FROM channels WHERE id = ?) ORDER BY id`,
    )
    .all(channelId);

const statusOf = (db: DB, channelId: string) =>
  db.prepare<[string], { status: string; status_reason: string | null }>(
    `SELECT status, status_reason FROM channel_state WHERE channel_ref = (SELECT ref FROM channels WHERE id = ?)`,
  ).get(channelId);

function setup() {
  const t = tempDir();
  cleanups.push(t.remove);
  const dataDir = path.join(t.dir, 'data');
  const db = openDatabase(dataDir);
  cleanups.unshift(() => db.open && db.close());
  return { dir: t.dir, dataDir, db };
}

test('a phone no prober here can call becomes not_probed through the status-change chain, and returns to unknown the same way', async () => {
  const { dir, dataDir, db } = setup();
  const file = path.join(dir, 'centers.yaml');
  writeFileSync(file, registry('87162780193'));
  const config = buildConfig({ registry: { file, watch: false }, canaries: { urls: [] } }, {}, null, (k) => k.join('.'), dir);
  const monitor = new Monitor(db, config, pino({ level: 'silent' }));
  monitor.applyRegistry(loadRegistry(file));

  expect(statusOf(db, 'a-phone')).toEqual({ status: 'not_probed', status_reason: 'not probed: telephony not configured' });
  expect(changesOf(db, 'a-phone')).toEqual([{ from_status: 'unknown', to_status: 'not_probed', reason: 'not probed: telephony not configured', probe_ids: '[]' }]);
  // Applying the same registry again is no new change.
  monitor.applyRegistry(loadRegistry(file));
  expect(changesOf(db, 'a-phone')).toHaveLength(1);

  // A phone prober appears (as when telephony is configured): back to unknown, also recorded.
  const phoneProber = { channelType: 'phone' as const, method: 'call' as const, hostKey: () => 'x', probe: () => Promise.reject(new Error('never run')) };
  const withPhones = new Monitor(db, config, pino({ level: 'silent' }), {}, [phoneProber]);
  withPhones.applyRegistry(loadRegistry(file));
  expect(statusOf(db, 'a-phone')?.status).toBe('unknown');
  expect(changesOf(db, 'a-phone').map((c) => `${c.from_status}->${c.to_status}`)).toEqual(['unknown->not_probed', 'not_probed->unknown']);
  monitor.writer.close();
  withPhones.writer.close();

  // The chain holds them and verifies.
  db.close();
  const reports = await verifyDatabase(path.join(dataDir, DB_FILE_NAME));
  const changes = reports.find((r) => r.table === 'status_changes');
  // Exactly the phone's two: the website always had a prober, so it changed nothing.
  expect(changes).toMatchObject({ ok: true, records: 2 });
});

test('a channel whose target vanishes or appears in the registry changes status through the chain', async () => {
  const { dataDir, db } = setup();
  syncRegistry(db, assertLoadable(parseRegistry(registry('87162780193'), 'r.yaml')), 'r.yaml', 'x');
  expect(changesOf(db, 'a-phone')).toEqual([]);
  // The number becomes one nobody can dial: not probed.
  const broken = parseRegistry(registry('12'), 'r.yaml');
  syncRegistry(db, assertLoadable(broken), 'r.yaml', 'x');
  expect(statusOf(db, 'a-phone')?.status).toBe('not_probed');
  syncRegistry(db, assertLoadable(parseRegistry(registry('87162780193'), 'r.yaml')), 'r.yaml', 'x');
  expect(statusOf(db, 'a-phone')?.status).toBe('unknown');
  expect(changesOf(db, 'a-phone').map((c) => `${c.from_status}->${c.to_status} (${c.reason})`)).toEqual([
    'unknown->not_probed (no_target)',
    'not_probed->unknown (target_added)',
  ]);
  db.close();
  const reports = await verifyDatabase(path.join(dataDir, DB_FILE_NAME));
  expect(reports.find((r) => r.table === 'status_changes')).toMatchObject({ ok: true, records: 2 });
});

test('a registry sync that rolls back takes its status changes out of the chain\'s end too: the next change links to the stored tail', async () => {
  const { dataDir, db } = setup();
  // One status writer across syncs, as in the daemon (the probe writer's).
  const status = new ChannelStatusStore(db);
  syncRegistry(db, assertLoadable(parseRegistry(registry('87162780193'), 'r.yaml')), 'r.yaml', 'x', 1000, status);
  // The target vanishes (a status change is linked), then the sync fails at its last write and rolls back.
  db.exec(`CREATE TEMP TRIGGER fail_sync BEFORE INSERT ON registry_syncs BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
  expect(() => syncRegistry(db, assertLoadable(parseRegistry(registry('12'), 'r.yaml')), 'r.yaml', 'x', 2000, status)).toThrow(/disk says no/);
  expect(changesOf(db, 'a-phone')).toEqual([]);
  db.exec('DROP TRIGGER fail_sync');
  syncRegistry(db, assertLoadable(parseRegistry(registry('12'), 'r.yaml')), 'r.yaml', 'x', 3000, status);
  expect(changesOf(db, 'a-phone').map((c) => `${c.from_status}->${c.to_status}`)).toEqual(['unknown->not_probed']);
  db.close();
  const reports = await verifyDatabase(path.join(dataDir, DB_FILE_NAME));
  expect(reports.find((r) => r.table === 'status_changes')).toMatchObject({ ok: true, records: 1 });
});
