// Rules of the loader that the one-file-per-problem corpus does not cover, on inline YAML.
import { describe, expect, it } from 'vitest';
import { editDistance, parseRegistry, suggest } from '../../src/registry/load.ts';
import type { RegistryLoad } from '../../src/registry/load.ts';

const FILE = 'inline.yaml';
const parse = (text: string): RegistryLoad => parseRegistry(text, FILE);
const summary = (load: RegistryLoad): Array<[string, number, string]> => load.problems.map((p) => [p.severity, p.line, p.field]);

describe('per-channel options', () => {
  it('reads expect_text, insecure and schedule', () => {
    const load = parse(`- id: a
  name: A
  kind: directory
  channels:
    - type: website
      value: https://example.org/
      expect_text: "Help line"
      insecure: true
      schedule: 5m
`);
    expect(load.problems).toEqual([]);
    expect(load.centers[0]?.channels[0]?.options).toEqual({ expectText: 'Help line', insecure: true, schedule: '5m' });
    // No `probe:` key: probe whatever is probeable.
    expect(load.centers[0]?.probe).toBe(true);
  });

  it('warns about website-only options on a phone and drops them', () => {
    const load = parse(`- id: a
  name: A
  kind: hotline
  channels:
    - type: phone
      value: "+77272619580"
      expect_text: Hello
      insecure: true
`);
    expect(summary(load)).toEqual([
      ['warning', 7, 'a.channels[0].expect_text'],
      ['warning', 8, 'a.channels[0].insecure'],
    ]);
    expect(load.centers[0]?.channels[0]?.options).toEqual({});
  });

  it('refuses an empty expect_text', () => {
    const load = parse(`- id: a\n  name: A\n  kind: x\n  channels:\n    - type: website\n      value: a.kz\n      expect_text: ""\n`);
    expect(summary(load)).toEqual([['error', 7, 'a.channels[0].expect_text']]);
  });
});

describe('explicit channel ids', () => {
  it('override the derived id', () => {
    const load = parse(`- id: hotline-114
  name: H
  kind: hotline
  channels:
    - type: phone
      value: "114"
      id: hotline-114--phone-domestic
`);
    expect(load.centers[0]?.channels[0]?.id).toBe('hotline-114--phone-domestic');
  });

  it('must be kebab-case and unique across the registry', () => {
    const load = parse(`- id: a
  name: A
  kind: hotline
  channels:
    - type: phone
      value: "+77272619580"
      id: Main Line
    - type: phone
      value: "+77273933172"
      id: shared
- id: b
  name: B
  kind: hotline
  channels:
    - type: phone
      value: "+77272619580"
      id: shared
`);
    expect(summary(load)).toEqual([
      ['error', 7, 'a.channels[0].id'],
      ['error', 17, 'b.channels[0].id'],
    ]);
    expect(load.problems[0]?.message).toContain('Write it as "main-line"');
    expect(load.problems[1]?.message).toContain('already used by a.channels[1] (line 8)');
  });
});

describe('record-level warnings', () => {
  it('probe: false with channels', () => {
    const load = parse(`- id: a\n  name: A\n  kind: x\n  probe: false\n  channels:\n    - type: website\n      value: a.kz\n`);
    expect(summary(load)).toEqual([['warning', 4, 'a.probe']]);
    expect(load.problems[0]?.message).toContain('never probed');
    expect(load.centers[0]?.probe).toBe(false);
    expect(load.centers[0]?.channels).toHaveLength(1);
  });

  it('probe: true without a probeable channel', () => {
    const load = parse(`- id: a\n  name: A\n  kind: x\n  probe: true\n  channels:\n    - type: phone\n      value: "114"\n`);
    expect(summary(load)).toEqual([
      ['warning', 4, 'a.probe'],
      ['warning', 7, 'a.channels[0].value'],
    ]);
    expect(load.problems[0]?.message).toContain('none of the record');
  });

  it('related ids that do not exist', () => {
    const load = parse(`- id: alpha\n  name: A\n  kind: x\n  related:\n    - {id: alhpa, relation: self}\n    - {id: gone, relation: x}\n`);
    expect(summary(load)).toEqual([
      ['warning', 5, 'alpha.related[0].id'],
      ['warning', 6, 'alpha.related[1].id'],
    ]);
    expect(load.problems[0]?.message).toContain('Did you mean "alpha"?');
  });

  it('a time zone in unusual letter case', () => {
    const load = parse(`- id: a\n  name: A\n  kind: x\n  tz_iana: asia/almaty\n`);
    expect(summary(load)).toEqual([['warning', 4, 'a.tz_iana']]);
    expect(load.problems[0]?.message).toContain('"Asia/Almaty"');
  });

  it('a probe_url without scheme is accepted with a warning', () => {
    const load = parse(`- id: a\n  name: A\n  kind: x\n  channels:\n    - type: website\n      value: See our site\n      probe_url: www.a.kz/help\n`);
    expect(summary(load)).toEqual([['warning', 7, 'a.channels[0].probe_url']]);
    expect(load.centers[0]?.channels[0]?.target).toBe('http://www.a.kz/help');
  });
});

describe('required fields and types', () => {
  it('reports missing name and kind and empty id on the record line', () => {
    const load = parse(`- id: ""\n  probe: false\n- id: b\n  name: B\n`);
    expect(summary(load)).toEqual([
      ['error', 1, 'centers[0]'],
      ['error', 1, 'centers[0]'],
      ['error', 1, 'centers[0].id'],
      ['error', 3, 'b'],
    ]);
    expect(load.problems.map((p) => p.message.split('.')[0])).toEqual([
      'The record has no "name"',
      'The record has no "kind"',
      '"id" is empty',
      'The record has no "kind"',
    ]);
  });

  it('reports wrong types for lists, mappings and texts', () => {
    const load = parse(`- id: a
  name: 114
  kind: x
  aliases: just one
  status_reported: closed
  sources:
    - doc: a.txt
    - plain text
  channels:
    - "+77272619580"
`);
    expect(summary(load)).toEqual([
      ['error', 2, 'a.name'],
      ['error', 4, 'a.aliases'],
      ['error', 5, 'a.status_reported'],
      ['error', 7, 'a.sources'],
      ['error', 10, 'a.channels[0]'],
    ]);
    expect(load.problems[0]?.message).toContain('Put it in quotes: name: "114"');
    expect(load.problems[3]?.message).toContain('item 2 is the text "plain text"');
  });

  it('treats null as "not given" for optional keys', () => {
    const load = parse(`- id: a\n  name: A\n  kind: x\n  city: null\n  tz_iana: ~\n  channels:\n  aliases: null\n`);
    expect(load.problems).toEqual([]);
    expect(load.centers[0]).toMatchObject({ city: null, tz: null, region: null, channels: [], probe: false });
  });

  it('does not bury a broken record under follow-on duplicate-channel errors', () => {
    // Two records without a valid id would derive the same "--phone-..." id; only the real problems show.
    const load = parse(`- name: A\n  kind: x\n  channels: [{type: phone, value: "114"}]\n- name: B\n  kind: x\n  channels: [{type: phone, value: "114"}]\n`);
    expect(load.problems.filter((p) => p.severity === 'error').map((p) => p.message.split('.')[0])).toEqual([
      'The record has no "id"',
      'The record has no "id"',
    ]);
  });
});

describe('suggestions', () => {
  it('counts a transposition as one edit', () => {
    expect(editDistance('chnanels', 'channels')).toBe(1);
    expect(editDistance('chanels', 'channels')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
  it('suggests only within the distance', () => {
    expect(suggest('tz', ['tz_iana', 'city'])).toBeUndefined();
    expect(suggest('Probe', ['probe', 'problem'])).toBe('probe');
    expect(suggest('proble', ['probe', 'problem'])).toBe('probe');
  });
});
