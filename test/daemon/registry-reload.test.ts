// The registry follows its file: on SIGHUP and on a change, new centers appear and removed ones are
// archived; a broken file is refused at start (nothing written) and on reload (nothing changed).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DB_FILE_NAME } from '../../src/store/db.ts';
import { MAIN, NODE, startDaemonProcess, writeConfig } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/tmp.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

const center = (id: string, phone: string) => `- id: ${id}\n  name: ${id}\n  kind: hotline\n  channels:\n    - {type: phone, value: "${phone}"}\n`;

function setup(watch: boolean) {
  const t = tempDir();
  cleanups.push(t.remove);
  const registry = path.join(t.dir, 'centers.yaml');
  writeFileSync(registry, center('first-center', '87162780193') + center('second-center', '87122324014'));
  const config = writeConfig(t.dir, `registry: {file: centers.yaml, watch: ${watch}}\ncanaries: {urls: []}\n`);
  return { dir: t.dir, registry, config, dataDir: path.join(t.dir, 'data') };
}

async function centerIds(url: string, archived = false): Promise<string[]> {
  const body = (await (await fetch(`${url}/api/v1/centers?archived=${archived}`)).json()) as { centers: { id: string; archived: boolean }[] };
  return body.centers.map((c) => (c.archived ? `${c.id} (archived)` : c.id)).sort();
}

async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

describe('registry reload', () => {
  test('SIGHUP applies an edited file; a broken edit is refused and changes nothing', async () => {
    const s = setup(false);
    const d = await startDaemonProcess({ config: s.config, dataDir: s.dataDir });
    try {
      expect(await centerIds(d.url)).toEqual(['first-center', 'second-center']);
      writeFileSync(s.registry, center('first-center', '87162780193') + center('third-center', '87252339251'));
      d.child.kill('SIGHUP');
      await until(async () => (await centerIds(d.url)).includes('third-center'));
      expect(await centerIds(d.url, true)).toEqual(['first-center', 'second-center (archived)', 'third-center']);

      // Duplicate ids: refused as a whole. The daemon keeps running on the previous registry.
      writeFileSync(s.registry, center('first-center', '87162780193') + center('first-center', '87252339251') + center('fourth-center', '87292500546'));
      d.child.kill('SIGHUP');
      await until(async () => d.logs.some((l) => l.includes('registry reload refused')));
      expect(d.logs.find((l) => l.includes('registry reload refused'))).toMatch(/centers\.yaml:6:\d+ .*first-center/);
      expect(await centerIds(d.url, true)).toEqual(['first-center', 'second-center (archived)', 'third-center']);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  }, 60_000);

  test('a change to the file is picked up without a signal', async () => {
    const s = setup(true);
    const d = await startDaemonProcess({ config: s.config, dataDir: s.dataDir });
    try {
      writeFileSync(s.registry, readFileSync(s.registry, 'utf8') + center('watched-center', '87292500546'));
      await until(async () => (await centerIds(d.url)).includes('watched-center'));
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  }, 60_000);

  test('a structurally broken registry is refused at start with file and line; the database is untouched', async () => {
    const s = setup(false);
    // First a good run creates the database.
    const d = await startDaemonProcess({ config: s.config, dataDir: s.dataDir });
    d.child.kill('SIGTERM');
    await d.exited;
    const dbFile = path.join(s.dataDir, DB_FILE_NAME);
    const before = createHash('sha256').update(readFileSync(dbFile)).digest('hex');

    writeFileSync(s.registry, `${center('first-center', '87162780193')}- id: broken\n  name: "unterminated\n`);
    const r = spawnSync(NODE, [MAIN], { env: { ...process.env, REACHWATCH_CONFIG: s.config, REACHWATCH_DATA_DIR: s.dataDir, PORT: '0' }, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(78);
    expect(r.stderr).toMatch(/centers\.yaml:7:\d+/);
    expect(createHash('sha256').update(readFileSync(dbFile)).digest('hex')).toBe(before);

    // On a fresh machine the data folder is not even created.
    const fresh = path.join(s.dir, 'fresh-data');
    const r2 = spawnSync(NODE, [MAIN], { env: { ...process.env, REACHWATCH_CONFIG: s.config, REACHWATCH_DATA_DIR: fresh, PORT: '0' }, encoding: 'utf8', timeout: 20_000 });
    expect(r2.status).toBe(78);
    expect(existsSync(fresh)).toBe(false);
  }, 60_000);

  test('phone channels without telephony say so instead of looking unknown or down', async () => {
    const s = setup(false);
    mkdirSync(s.dataDir, { recursive: true });
    const d = await startDaemonProcess({ config: s.config, dataDir: s.dataDir });
    try {
      const body = (await (await fetch(`${d.url}/api/v1/centers/first-center`)).json()) as { channels: { status: string; statusReason: string }[] };
      expect(body.channels[0]).toMatchObject({ status: 'not_probed', statusReason: 'not probed: telephony not configured' });
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  }, 60_000);
});
