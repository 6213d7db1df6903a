import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { anchorsOf, brokenLinks, githubSlug, linksOf } from './markdown-links.ts';

const root = path.resolve(import.meta.dirname, '../..');
const docs = readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

describe('the README and docs/', () => {
  test('every relative link and #anchor resolves', () => {
    expect(docs.length).toBeGreaterThan(0);
    expect(brokenLinks(root, ['README.md', ...docs])).toEqual([]);
  });

  test('the README maps every page of docs/', () => {
    const linked = new Set(linksOf(readFileSync(path.join(root, 'README.md'), 'utf8')).map((l) => l.target.split('#')[0]));
    expect(docs.filter((d) => !linked.has(d))).toEqual([]);
  });

  test('the README stays short enough for a newcomer: at most 300 lines, the rest in docs/', () => {
    const lines = readFileSync(path.join(root, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(300);
  });
});

describe('the link checker', () => {
  test("makes GitHub's heading anchors", () => {
    expect(githubSlug('Scheduling: why not one cron job per channel')).toBe('scheduling-why-not-one-cron-job-per-channel');
    expect(githubSlug('See it work: the 2018 experiment, replayed in two minutes')).toBe('see-it-work-the-2018-experiment-replayed-in-two-minutes');
    expect(githubSlug('Delivered, failed, or unknown')).toBe('delivered-failed-or-unknown');
    expect(githubSlug('`reachwatch verify` and **heads**')).toBe('reachwatch-verify-and-heads');
    expect(githubSlug('[Storage](operating.md) on_disk')).toBe('storage-on_disk');
    expect(githubSlug('Центр — закрыт')).toBe('центр--закрыт');
  });

  test('numbers repeated headings and ignores headings inside code', () => {
    const md = ['# Tests', '## Tests', '```sh', '# not a heading', '```', 'Setext', '---', '<a id="kept"></a>'].join('\n');
    expect([...anchorsOf(md)].sort()).toEqual(['kept', 'setext', 'tests', 'tests-1']);
  });

  test('finds a missing file and a missing anchor, naming file and line, and nothing in code', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'reachwatch-links-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const t = { dir };
    mkdirSync(path.join(t.dir, 'docs'));
    writeFileSync(path.join(t.dir, 'README.md'), [
      '# Home',
      'See [ops](docs/ops.md#storage), [top](#home) and ![shot](docs/shot.png "a title").',
      'Gone: [old](docs/old.md) and [moved](docs/ops.md#exit-codes).',
      '`[in code](nowhere.md)`, [out](https://example.invalid/x#y), [mail](mailto:a@example.invalid)',
      '```md',
      '[in a fence](nowhere.md)',
      '```',
      '[ref]: docs/ops.md#nope',
    ].join('\n'));
    writeFileSync(path.join(t.dir, 'docs', 'ops.md'), '# Operating\n\n## Storage\n\nBack [home](../README.md#home), [self](#storage), [bad](#exit-codes).\n');
    writeFileSync(path.join(t.dir, 'docs', 'shot.png'), '');
    expect(brokenLinks(t.dir, ['README.md', 'docs/ops.md'])).toEqual([
      'README.md:3: link to "docs/old.md": docs/old.md does not exist',
      'README.md:3: link to "docs/ops.md#exit-codes": no heading of docs/ops.md has the anchor #exit-codes',
      'README.md:8: link to "docs/ops.md#nope": no heading of docs/ops.md has the anchor #nope',
      'docs/ops.md:5: link to "#exit-codes": no heading of docs/ops.md has the anchor #exit-codes',
    ]);
  });
});
