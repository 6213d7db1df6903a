// A channel's `vantage` list in the registry: known points only (an unknown one is an error with file,
// line and field naming the known points), stored in the channel's options, a change re-syncs the
// channel; a national short code is probed from a point in the country when its list has one (and
// never from the central), otherwise it stays not probed with the reason, as before.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, parseRegistry, type RegistryOptions } from '../../src/registry/load.ts';
import { isShortCodeTarget } from '../../src/registry/phone.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

const KZ: RegistryOptions = { vantage: { points: ['central', 'kz', 'eu'], defaults: { website: ['central'], phone: ['central'] } } };
const reg = (channel: string): string => `- id: a\n  name: A\n  kind: hotline\n  channels:\n${channel}`;

describe('the vantage key', () => {
  it('is read into the options, without duplicates', () => {
    const load = parseRegistry(reg('    - type: website\n      value: https://example.kz/\n      vantage: [central, kz, kz]\n'), 'r.yaml', KZ);
    expect(load.problems).toEqual([]);
    expect(load.centers[0]?.channels[0]?.options).toEqual({ vantage: ['central', 'kz'] });
  });

  it('refuses a point the configuration does not name, with file, line and field, naming the known points', () => {
    const load = parseRegistry(reg('    - type: website\n      value: https://example.kz/\n      vantage: [central, kz-south]\n'), 'r.yaml', KZ);
    expect(load.centers).toEqual([]);
    expect(load.problems.map(formatProblem)).toEqual([
      'r.yaml:7:16 a.channels[0].vantage: "kz-south" is not a vantage point; the known points are central, kz, eu. Add the point under vantage.points in the configuration, or correct the name.',
    ]);
  });

  it('knows only central when the configuration names no point (the loader given no options)', () => {
    const load = parseRegistry(reg('    - type: website\n      value: https://example.kz/\n      vantage: [kz]\n'), 'r.yaml');
    expect(load.problems.map((p) => [p.severity, p.field])).toEqual([['error', 'a.channels[0].vantage']]);
    expect(load.problems[0]?.message).toMatch(/^"kz" is not a vantage point; the known points are central\. Add the point under vantage\.points/);
  });

  it('refuses an empty list and a list of other things than names', () => {
    const load = parseRegistry(reg('    - {type: website, value: "https://a.kz/", vantage: []}\n    - {type: website, value: "https://b.kz/", vantage: [1]}\n'), 'r.yaml', KZ);
    expect(load.problems.map((p) => [p.severity, p.field])).toEqual([
      ['error', 'a.channels[0].vantage'],
      ['error', 'a.channels[1].vantage'],
    ]);
    expect(load.problems[0]?.message).toMatch(/empty list/);
  });
});

describe('short codes', () => {
  const SHORT = '    - {type: phone, value: "114"}\n';
  it('stay not probed, with the warning, when no point in the country probes them (as before)', () => {
    const load = parseRegistry(reg(SHORT), 'r.yaml', KZ);
    expect(load.problems.map((p) => [p.severity, p.field])).toEqual([['warning', 'a.channels[0].value']]);
    expect(load.centers[0]?.channels[0]).toMatchObject({ target: null, unprobeableReason: expect.stringMatching(/national short code/) });
  });

  it('are dialled as written by a point whose list names it, by the channel or by vantage.defaults', () => {
    const own = parseRegistry(reg('    - {type: phone, value: "1 14", vantage: [kz]}\n'), 'r.yaml', KZ);
    expect(own.problems).toEqual([]);
    const ch = own.centers[0]?.channels[0];
    expect(ch).toMatchObject({ id: 'a--phone-114', target: '114', unprobeableReason: null, options: { vantage: ['kz'] } });
    expect(isShortCodeTarget(ch ?? { type: 'phone', target: null })).toBe(true);
    expect(isShortCodeTarget({ type: 'phone', target: '+77272619580' })).toBe(false);
    const byDefault = parseRegistry(reg(SHORT), 'r.yaml', { vantage: { points: ['central', 'kz'], defaults: { website: ['central'], phone: ['central', 'kz'] } } });
    expect(byDefault.problems).toEqual([]);
    expect(byDefault.centers[0]?.channels[0]).toMatchObject({ id: 'a--phone-114', target: '114', options: {} });
  });
});

describe('sync', () => {
  let db: DB;
  let cleanup: () => void;
  beforeEach(() => {
    const t = tempDir();
    cleanup = t.remove;
    db = openDatabase(t.dir);
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('a changed vantage list marks the channel changed (its jobs are made again); the same list does not', () => {
    const load = (list: string) => parseRegistry(reg(`    - {type: website, value: "https://example.kz/"${list}}\n`), 'r.yaml', KZ).centers;
    expect(syncRegistry(db, load(''), 'r.yaml', 'x', 1).changedChannels).toEqual(['a--web-example-kz']);
    expect(syncRegistry(db, load(''), 'r.yaml', 'x', 2).changedChannels).toEqual([]);
    expect(syncRegistry(db, load(', vantage: [central, kz]'), 'r.yaml', 'x', 3).changedChannels).toEqual(['a--web-example-kz']);
    expect(syncRegistry(db, load(', vantage: [central, kz]'), 'r.yaml', 'x', 4).changedChannels).toEqual([]);
    expect(syncRegistry(db, load(', vantage: [kz]'), 'r.yaml', 'x', 5).changedChannels).toEqual(['a--web-example-kz']);
  });

  it('a short code that gains a point in the country becomes probeable (unknown), and not probed again when it loses it', () => {
    const load = (list: string) => parseRegistry(reg(`    - {type: phone, value: "114"${list}}\n`), 'r.yaml', KZ).centers;
    const status = () => db.prepare(`SELECT s.status FROM channel_state s JOIN channels c ON c.ref = s.channel_ref WHERE c.id = 'a--phone-114'`).pluck().get();
    syncRegistry(db, load(''), 'r.yaml', 'x', 1);
    expect(status()).toBe('not_probed');
    expect(syncRegistry(db, load(', vantage: [kz]'), 'r.yaml', 'x', 2).changedChannels).toEqual(['a--phone-114']);
    expect(status()).toBe('unknown');
    syncRegistry(db, load(''), 'r.yaml', 'x', 3);
    expect(status()).toBe('not_probed');
  });
});
