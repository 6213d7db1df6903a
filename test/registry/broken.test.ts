// One small file per problem under test/fixtures/registry-broken/. Each case pins the complete list of
// problems (severity, position, field, a key phrase), so a new follow-on message is noticed too.
import { parseDuration, parseSchedule } from '../../src/scheduler/schedule.ts';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  assertLoadable,
  formatProblem,
  loadRegistry,
  RegistryError,
} from '../../src/registry/load.ts';
import type { RegistryProblem } from '../../src/registry/load.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/registry-broken/${name}`, import.meta.url));

type Expected = [severity: RegistryProblem['severity'], line: number, column: number, field: string, phrase: string];

const CASES: Array<[file: string, expected: Expected[]]> = [
  ['bad-yaml-unclosed-quote.yaml', [['error', 4, 9, '', 'no closing quote']]],
  ['bad-yaml-indentation.yaml', [['error', 4, 1, '', 'indented less than']]],
  ['not-a-list.yaml', [['error', 2, 1, '', 'but the top level is a mapping']]],
  ['empty.yaml', [['error', 1, 1, '', 'The registry is empty']]],
  ['record-not-mapping.yaml', [['error', 5, 3, 'centers[1]', 'Record 2 of the list is the text "just a line of text", not a mapping']]],
  ['duplicate-center-id.yaml', [['error', 11, 7, 'alpha.id', 'The center id "alpha" is already used by the record at line 1']]],
  [
    'duplicate-channel.yaml',
    [['error', 10, 14, 'alpha.channels[1].value', 'The channel id "alpha--phone-77162780193" is already used by alpha.channels[0] (line 7)']],
  ],
  ['duplicate-key.yaml', [['error', 8, 7, 'alpha.channels[0].value', 'The key "value" appears more than once in the same mapping (first at line 7)']]],
  ['unknown-key-typo.yaml', [['error', 5, 3, 'alpha.chanels', '"chanels" is not a known key of a center record. Did you mean "channels"?']]],
  [
    'unknown-channel-key.yaml',
    [['error', 8, 7, 'alpha.channels[0].expect_txt', '"expect_txt" is not a known key of a channel. Did you mean "expect_text"?']],
  ],
  [
    'website-not-url.yaml',
    [
      ['warning', 7, 14, 'alpha.channels[0].value', '"not a url" is not a web address, even with "http://" added'],
      ['warning', 9, 14, 'alpha.channels[1].value', '"http://" is not a valid web address'],
      ['warning', 11, 14, 'alpha.channels[2].value', 'only http and https addresses can be probed'],
    ],
  ],
  ['malformed-phone.yaml', [['warning', 7, 14, 'alpha.channels[0].value', 'has 12 digits']]],
  ['e164-mismatch.yaml', [['warning', 8, 13, 'alpha.channels[0].e164', 'normalises to "+77024015320". "+77024015320" is used']]],
  ['bad-type-probe.yaml', [['error', 4, 10, 'alpha.probe', '"probe" must be true or false, but it is the text "yes"']]],
  ['channels-not-a-list.yaml', [['error', 6, 5, 'alpha.channels', '"channels" must be a list, but it is a mapping']]],
  ['unquoted-number.yaml', [['error', 8, 14, 'alpha.channels[0].value', 'YAML read +77272619580 as a number. Put it in quotes']]],
  ['missing-id.yaml', [['error', 6, 3, 'centers[1]', 'The record has no "id"']]],
  ['bad-center-id.yaml', [['error', 1, 7, 'centers[0].id', 'not lowercase kebab-case']]],
  ['bad-tz.yaml', [['error', 4, 12, 'alpha.tz_iana', '"Asia/Almati" is not an IANA time zone known to this system. Did you mean "Asia/Almaty"?']]],
  ['unknown-channel-type.yaml', [['error', 8, 13, 'alpha.channels[1].type', '"telegram" is not a channel type reachwatch can probe']]],
  ['channel-without-value.yaml', [['error', 8, 7, 'alpha.channels[1]', 'The channel has no value']]],
  ['bad-schedule.yaml', [['error', 8, 17, 'alpha.channels[0].schedule', 'The schedule "every 5 minutes" is neither a duration']]],
];

describe('broken registry files', () => {
  it.each(CASES)('%s', (name, expected) => {
    const file = fixture(name);
    const load = loadRegistry(file);
    expect(load.problems.map((p) => [p.severity, p.line, p.column, p.field])).toEqual(
      expected.map(([severity, line, column, field]) => [severity, line, column, field]),
    );
    load.problems.forEach((p, i) => {
      expect(p.file).toBe(file);
      expect(p.message).toContain(expected[i]?.[4]);
      // Messages are sentences: capitalised or quoted start, full stop at the end.
      expect(p.message).toMatch(/^["A-Z].*\.$/s);
    });
    const refused = expected.some(([severity]) => severity === 'error');
    // A refused file yields no centers at all, so nothing can be written from it by mistake.
    if (refused) expect(load.centers).toEqual([]);
    else expect(load.centers).toHaveLength(1);
  });

  it('keeps channels with warnings, unprobeable but visible', () => {
    const load = loadRegistry(fixture('website-not-url.yaml'));
    const chans = load.centers[0]?.channels ?? [];
    expect(chans.map((c) => [c.id, c.target])).toEqual([
      ['alpha--web-not-a-url', null],
      ['alpha--web-http', null],
      ['alpha--web-x', null],
      ['alpha--web-www-example-org', 'http://www.example.org/'],
    ]);
    expect(chans[2]?.unprobeableReason).toContain('ftp');

    const phone = loadRegistry(fixture('malformed-phone.yaml')).centers[0]?.channels ?? [];
    expect(phone.map((c) => [c.id, c.target])).toEqual([
      ['alpha--phone-870269785990', null],
      ['alpha--phone-77162780193', '+77162780193'],
    ]);
  });

  it('accepts valid schedules', () => {
    const load = loadRegistry(fixture('bad-schedule.yaml'));
    // Only the first channel's schedule is wrong; the cron and duration forms pass.
    expect(load.problems).toHaveLength(1);
  });

  it('reports every problem of a file in one pass', () => {
    const file = fixture('several-problems.yaml');
    const load = loadRegistry(file);
    expect(load.centers).toEqual([]);
    expect(load.problems.map((p) => [p.severity, p.line, p.field])).toEqual([
      ['error', 5, 'alpha.tz_iana'],
      ['warning', 9, 'alpha.channels[0].value'],
      ['error', 10, 'alpha.channels[1].type'],
      ['error', 14, 'beta.name'],
      ['error', 17, 'beta.chanels'],
      ['error', 19, 'alpha.id'],
      ['error', 22, 'alpha.probe'],
      ['error', 26, 'alpha.channels[0].insecure'],
      ['error', 27, 'alpha.channels[0].schedule'],
    ]);
    const text = load.problems.map((p) => p.message).join('\n');
    for (const phrase of ['"Europe/Nowhere" is not an IANA time zone', 'short code', '"fax" is not a channel type', '"name" is empty', 'Did you mean "channels"?', 'already used by the record at line 2', 'the text "maybe"', '"insecure" must be true or false', '"0m"']) {
      expect(text).toContain(phrase);
    }

    // assertLoadable lists every error (and only errors) in one exception.
    let thrown: unknown;
    try {
      assertLoadable(load);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RegistryError);
    const err = thrown as RegistryError;
    expect(err.problems).toEqual(load.problems);
    expect(err.message).toContain('has 8 errors and was not loaded');
    expect(err.message.split('\n')).toHaveLength(1 + 8);
    expect(err.message).not.toContain('short code');
  });

  it('formats problems as file:line:column field: message', () => {
    const [p] = loadRegistry('test/fixtures/registry-broken/unknown-key-typo.yaml').problems;
    if (!p) throw new Error('expected a problem');
    expect(formatProblem(p)).toBe(
      'test/fixtures/registry-broken/unknown-key-typo.yaml:5:3 alpha.chanels: "chanels" is not a known key of a center record. Did you mean "channels"? Correct or remove it.',
    );
    const [syntax] = loadRegistry('test/fixtures/registry-broken/bad-yaml-indentation.yaml').problems;
    if (!syntax) throw new Error('expected a problem');
    expect(formatProblem(syntax)).toMatch(/^test\/fixtures\/registry-broken\/bad-yaml-indentation\.yaml:4:1: This line/);
  });

  it('reports an unreadable file as a problem instead of throwing', () => {
    const load = loadRegistry('test/fixtures/registry-broken/does-not-exist.yaml');
    expect(load.centers).toEqual([]);
    expect(load.problems).toHaveLength(1);
    expect(load.problems[0]).toMatchObject({ severity: 'error', line: 0, field: '' });
    expect(formatProblem(load.problems[0] as RegistryProblem)).toMatch(/^test\/fixtures\/registry-broken\/does-not-exist\.yaml: The registry file cannot be read \(ENOENT/);
  });
});

describe('schedules', () => {
  it.each(['30s', '5m', '1h', '1d', '*/5 * * * *', '0 */2 * * *', '0 0 9 * * MON-FRI', '0 9-18 * * 1-5'])('%s is accepted', (s) => {
    expect(parseSchedule(s, 'UTC')).not.toHaveProperty('error');
  });
  it.each(['', '0m', '5', 'm', '5 min', 'every 5 minutes', '* * * *', '* * * * * * *', '1.5h', '-5m', '500ms', '61 * * * *'])('%j is refused', (s) => {
    expect(parseSchedule(s, 'UTC')).toHaveProperty('error');
  });
  it('parses durations to milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('0s')).toBeNull();
    expect(parseDuration('*/5 * * * *')).toBeNull();
  });
});
