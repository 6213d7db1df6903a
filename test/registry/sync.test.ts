import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { assertLoadable, loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { tempDir } from '../helpers/tmp.ts';

const DEFAULT = path.resolve('config/centers.yaml');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

function setup() {
  const t = tempDir();
  cleanups.push(t.remove);
  const db = openDatabase(path.join(t.dir, 'data'));
  cleanups.unshift(() => db.close());
  const file = path.join(t.dir, 'centers.yaml');
  writeFileSync(file, readFileSync(DEFAULT));
  const sync = () => syncRegistry(db, assertLoadable(loadRegistry(file)), file, 'sha');
  return { db, file, sync };
}

const count = (db: DB, sql: string) => (db.prepare(sql).get() as { n: number }).n;

describe('registry sync', () => {
  test('the default registry appears in full; a second sync changes nothing', () => {
    const { db, sync } = setup();
    const first = sync();
    expect(first.added).toBe(45);
    expect(count(db, 'SELECT count(*) AS n FROM centers')).toBe(45);
    expect(count(db, 'SELECT count(*) AS n FROM channels')).toBe(31);
    expect(count(db, "SELECT count(*) AS n FROM channel_state WHERE status = 'not_probed'")).toBe(2);
    const again = sync();
    expect(again).toMatchObject({ added: 0, updated: 0, archived: 0, restored: 0, changedChannels: [], archivedChannels: [] });
  });

  test('changed records update, removed ones are archived with their history, and come back when restored', async () => {
    const { db, file, sync } = setup();
    sync();
    // Some history for the center we are about to remove.
    const writer = new ProbeWriter(db, { rules: { confirmations: 1 }, batchMaxRows: 10, flushIntervalMs: 10 });
    const channelId = 'nurly-bilim-karaganda--phone-77212784342';
    const stored = writer.add({
      channelId, dueAt: 1, startedAt: 1, durationMs: 5,
      evidence: { method: 'manual', v: 1 },
      classification: { outcome: 'reachable', reason: 'test', detail: 'test', flags: [] },
    });
    writer.flush();
    await stored;

    const original = readFileSync(file, 'utf8');
    const edited = original
      .replace("name: 'Nurly Bilim'", "name: 'Nurly Bilim (renamed)'")
      // remove Ansar entirely
      .replace(/- id: ansar-aktobe[\s\S]*?(?=\n- id: )/, '')
      // change a website target
      .replace('value: "http://www.perspektiva-group.kz/"\n      probe_url: "http://www.perspektiva-group.kz/"', 'value: "http://www.perspektiva-group.kz/new/"\n      probe_url: "http://www.perspektiva-group.kz/new/"');
    writeFileSync(file, edited);
    const s = sync();
    expect(s.updated).toBe(2); // renamed + the center whose website changed
    expect(s.archived).toBe(1);
    expect(s.archivedChannels).toEqual(expect.arrayContaining(['ansar-aktobe--phone-77132744750', 'perspective-almaty--web-www-perspektiva-group-kz']));
    expect(s.changedChannels).toContain('perspective-almaty--web-www-perspektiva-group-kz-new');
    expect((db.prepare("SELECT name FROM centers WHERE id = 'nurly-bilim-karaganda'").get() as { name: string }).name).toBe('Nurly Bilim (renamed)');
    expect(db.prepare("SELECT archived_at IS NOT NULL AS a FROM centers WHERE id = 'ansar-aktobe'").get()).toEqual({ a: 1 });
    // Never deleted: rows and history are all still there.
    expect(count(db, 'SELECT count(*) AS n FROM centers')).toBe(45);
    expect(count(db, 'SELECT count(*) AS n FROM probes')).toBe(1);

    // Removing the center whose channel has history keeps the probes too.
    writeFileSync(file, edited.replace(/- id: nurly-bilim-karaganda[\s\S]*?(?=\n# -{20})/, ''));
    sync();
    expect(count(db, `SELECT count(*) AS n FROM probes p JOIN channels c ON c.ref = p.channel_ref WHERE c.id = '${channelId}' AND c.archived_at IS NOT NULL`)).toBe(1);

    writeFileSync(file, original);
    const back = sync();
    expect(back.restored).toBe(2);
    expect(count(db, 'SELECT count(*) AS n FROM centers WHERE archived_at IS NOT NULL')).toBe(0);
    expect(count(db, "SELECT count(*) AS n FROM channels WHERE archived_at IS NOT NULL AND id = 'perspective-almaty--web-www-perspektiva-group-kz-new'")).toBe(1);
  });
});
