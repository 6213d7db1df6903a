// The `vantage` section: points, defaults and the agents' limits validate themselves, each problem
// naming the file, line and key; an installation without the section behaves as before (central only).

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { tempDir } from '../helpers/tmp.ts';

const t = tempDir();
afterAll(t.remove);

function load(yaml: string) {
  const file = path.join(t.dir, `v-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  try {
    return { config: loadConfig({}, file), problems: [] as string[] };
  } catch (err) {
    if (err instanceof ConfigError) return { config: null, problems: err.problems.map((p) => p.replace(file, 'FILE')) };
    throw err;
  }
}

test('without the section, only the central daemon probes, as before', () => {
  const { config } = load('log:\n  level: warn\n');
  expect(config?.vantage.points).toEqual([{ name: 'central', domestic: false }]);
  expect(config?.vantage.defaults).toEqual({ website: ['central'], phone: ['central'] });
});

test('named points with their domestic flag, and defaults that name them', () => {
  const { config, problems } = load('vantage:\n  points:\n    kz: {domestic: true}\n    abroad: {}\n  defaults:\n    website: [central, kz]\n  stale_after: 2m\n');
  expect(problems).toEqual([]);
  expect(config?.vantage.points).toEqual([
    { name: 'central', domestic: false },
    { name: 'kz', domestic: true },
    { name: 'abroad', domestic: false },
  ]);
  expect(config?.vantage.defaults.website).toEqual(['central', 'kz']);
  expect(config?.vantage.defaults.phone).toEqual(['central']);
  expect(config?.vantage.staleAfterMs).toBe(120_000);
});

test('each mistake is one sentence with its file, line and key', () => {
  const { problems } = load(
    ['vantage:', '  points:', '    KZ: {domestic: true}', '    central: {}', '    ok: {domestic: yes please}', '  defaults:', '    website: [central, nowhere]', '  refuse_clock_offset: 1s', ''].join('\n'),
  );
  expect(problems).toContainEqual(expect.stringMatching(/^FILE:3 vantage\.points\.KZ: a point name is lower-case/));
  expect(problems).toContainEqual(expect.stringMatching(/^FILE:4 vantage\.points\.central: "central" is this daemon's own point/));
  expect(problems).toContainEqual(expect.stringMatching(/^FILE:5 vantage\.points\.ok\.domestic: must be true or false/));
  expect(problems).toContainEqual(expect.stringMatching(/^FILE:7 vantage\.defaults\.website: "nowhere" is not a vantage point; known points are central, ok/));
  expect(problems).toContainEqual(expect.stringMatching(/^FILE:8 vantage\.refuse_clock_offset: must be longer than vantage\.max_clock_offset/));
});
