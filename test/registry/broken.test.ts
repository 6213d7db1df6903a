// One small file per problem under test/fixtures/registry-broken/. Each case pins the complete list of
// problems (severity, position, field, a key phrase), so a new follow-on message is noticed too.
import { parseDuration, parseSchedule } from '../../src/scheduler/schedule.ts';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  assertLoadable,
  CENTER_KEYS,
  CHANNEL_KEYS,
  formatProblem,
  loadRegistry,
  parseRegistry,
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
  [
    'website-no-public-host.yaml',
    [
      ['warning', 7, 14, 'alpha.channels[0].value', '"www" has the host name "www", a single word without a domain, so http://www/ would be looked up'],
      ['warning', 9, 14, 'alpha.channels[1].value', 'has the host name "localhost", a single word'],
      ['warning', 11, 14, 'alpha.channels[2].value', 'under no public top-level domain ("local")'],
      ['warning', 14, 18, 'alpha.channels[3].probe_url', 'has only the top-level domain "kz" as its host name'],
    ],
  ],
  [
    'control-characters.yaml',
    [
      ['error', 2, 9, 'alpha.name', '"name" contains the control character U+0007 (BEL) at character 6 of "Alpha\\u0007"'],
      ['error', 3, 20, 'alpha.name_as_written', 'U+001B (ESC) at character 1 of "\\u001b[31mAlpha\\u001b[0m". It starts a terminal escape sequence'],
      ['error', 7, 29, 'alpha.sources[0].ref', 'U+202E at character 4'],
      ['error', 11, 13, 'alpha.channels[0].note', 'U+0007 (BEL)'],
    ],
  ],
  [
    'bad-country.yaml',
    [
      ['error', 4, 12, 'alpha.country', '"kz" is not an ISO 3166 two-letter country code'],
      ['error', 11, 12, 'beta.country', '"Kazakhstan" is not an ISO 3166 two-letter country code'],
    ],
  ],
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

  it('keeps a website without a public host name visible but never probes it; IP addresses and real domains are probed', () => {
    const chans = loadRegistry(fixture('website-no-public-host.yaml')).centers[0]?.channels ?? [];
    expect(chans.map((c) => c.target)).toEqual([null, null, null, null, 'http://127.0.0.1:8080/', 'http://www.example.kz/']);
    expect(chans[0]?.unprobeableReason).toContain('would be looked up in this machine\'s own network');
  });

  it('a host the config points at an address itself (website.resolve) is never looked up, so it is probed', () => {
    const chans = loadRegistry(fixture('website-no-public-host.yaml'), { resolvedHosts: ['WWW', 'center.local'] }).centers[0]?.channels ?? [];
    expect(chans.map((c) => c.target)).toEqual(['http://www/', null, 'http://center.local/', null, 'http://127.0.0.1:8080/', 'http://www.example.kz/']);
  });

  it('checks a phone number\'s country against the center\'s: +7 495 is Moscow, not Kazakhstan', () => {
    const load = loadRegistry(fixture('phone-wrong-country.yaml'));
    expect(load.problems.map((p) => [p.severity, p.line, p.column, p.field])).toEqual([
      ['warning', 7, 14, 'alpha.channels[0].value'],
      ['warning', 9, 14, 'alpha.channels[1].value'],
      ['warning', 22, 14, 'moscow-branch.channels[1].value'],
    ]);
    const [moscow, uzbek, ru] = load.problems.map((p) => p.message);
    expect(moscow).toContain('"8 (495) 123-45-67" (+74951234567) is a number in Russia (RU), but the center is in Kazakhstan (KZ)');
    expect(moscow).toContain('set the record\'s country: RU');
    expect(uzbek).toContain('is a number in Uzbekistan (UZ)');
    expect(ru).toContain('is a number in Kazakhstan (KZ), but the center is in Russia (RU)');
    const targets = Object.fromEntries(load.centers.map((c) => [c.id, c.channels.map((ch) => ch.target)]));
    // 8-800 is toll-free in both countries: the number alone cannot say whose, so it is not held against the center.
    expect(targets).toEqual({ alpha: [null, null, '+78000807777', '+77272619580'], 'moscow-branch': ['+74951234567', null] });
    expect(load.centers[0]?.channels[0]?.id).toBe('alpha--phone-74951234567');
    expect(load.centers[0]?.channels[0]?.unprobeableReason).toContain('not probed');
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

describe('text fields', () => {
  const record = (extra: string, channel = '') =>
    `- id: alpha\n  name: Alpha\n  kind: rehabilitation_center\n${extra}  channels:\n    - type: phone\n      value: "87162780193"\n${channel}`;

  it('a name of a megabyte refuses the file, with line and field, and the message does not repeat it', () => {
    const big = 'A'.repeat(1 << 20);
    const load = parseRegistry(`- id: alpha\n  name: "${big}"\n  kind: rehabilitation_center\n`, 'centers.yaml');
    expect(load.centers).toEqual([]);
    expect(load.problems.map((p) => [p.severity, p.line, p.field])).toEqual([['error', 2, 'alpha.name']]);
    expect(load.problems[0]?.message).toMatch(/^"name" is 1,048,576 characters long \(it starts "A{40}\.\.\."\); at most 300 are allowed\./);
    expect(load.problems[0]?.message.length).toBeLessThan(300);
  });

  it('every text key of a center and of a channel has a length limit and refuses control characters', () => {
    const missing: string[] = [];
    const keys = [
      ...Object.entries(CENTER_KEYS).filter(([k, kind]) => kind === 'text' && k !== 'id').map(([k]) => ({ k, at: 'center' as const })),
      ...Object.entries(CHANNEL_KEYS).filter(([, kind]) => kind === 'text').map(([k]) => ({ k, at: 'channel' as const })),
    ];
    for (const { k, at } of keys) {
      for (const [written, phrase] of [[`"${'a'.repeat(100_000)}"`, '100,000 characters long'], ['"a\\eb"', 'U+001B (ESC)']] as const) {
        const line = `${k}: ${written}\n`;
        const text = at === 'center' ? record(`  ${line}`) : record('', `      ${line}`);
        const field = at === 'center' ? `alpha.${k}` : `alpha.channels[0].${k}`;
        const load = parseRegistry(text, 'centers.yaml');
        if (!load.problems.some((p) => p.severity === 'error' && p.field === field && p.message.includes(phrase))) missing.push(`${field} ${phrase}`);
      }
    }
    expect(missing).toEqual([]);
    expect(keys.length).toBeGreaterThan(25);
  });

  it('lists of texts and nested mappings are checked item by item; notes may span lines; real-sized text passes', () => {
    const load = parseRegistry(
      record(`  aliases: [ok, "${'b'.repeat(301)}"]\n  notes: "${'n'.repeat(5000)}"\n  references:\n    - {type: article, note: "${'r'.repeat(2001)}"}\n`),
      'centers.yaml',
    );
    expect(load.problems.map((p) => [p.severity, p.field])).toEqual([
      ['error', 'alpha.aliases[1]'],
      ['error', 'alpha.references[0].note'],
    ]);
    const fine = parseRegistry(record('  notes: "line one\\nline two\\twith a tab"\n'), 'centers.yaml');
    expect(fine.problems).toEqual([]);
    // A line break in a one-line field is not.
    expect(parseRegistry(record('  city: "Al\\nmaty"\n'), 'centers.yaml').problems[0]).toMatchObject({ severity: 'error', field: 'alpha.city' });
  });

  it('an id or value at its limit still gives a channel id the API can look up (300 characters)', () => {
    const id = `a${'-b'.repeat(39)}0`; // 80 characters
    const value = `www.${'x'.repeat(60)}.${'y'.repeat(60)}.kz/${'p'.repeat(71)}`; // 200 characters
    const load = parseRegistry(`- id: ${id}\n  name: A\n  kind: k\n  channels:\n    - {type: website, value: "${value}"}\n`, 'centers.yaml');
    expect(load.problems).toEqual([]);
    expect(load.centers[0]?.channels[0]?.id.length).toBeLessThanOrEqual(300);
  });
});
