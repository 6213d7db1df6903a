// The shipped registry is real, messy data; these numbers were counted by hand from the file and
// agree with its header ("45 records ... 31 channels: 25 phone (23 with an e164) ... and 6 website").
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Center, Channel } from '../../src/domain.ts';
import { assertLoadable, loadRegistry, parseRegistry } from '../../src/registry/load.ts';
import { isPhoneProblem, normalizePhone } from '../../src/registry/phone.ts';

const FILE = 'config/centers.yaml';
const PATH = fileURLToPath(new URL(`../../${FILE}`, import.meta.url));
const TEXT = readFileSync(PATH, 'utf8');
const load = parseRegistry(TEXT, FILE);
const centers = load.centers;
const channels: Channel[] = centers.flatMap((c) => c.channels);
const center = (id: string): Center => {
  const c = centers.find((x) => x.id === id);
  if (!c) throw new Error(`no center ${id}`);
  return c;
};
const channel = (id: string): Channel => {
  const c = channels.find((x) => x.id === id);
  if (!c) throw new Error(`no channel ${id}`);
  return c;
};

describe('the default registry config/centers.yaml', () => {
  it('loads from disk the same as from text', () => {
    expect(loadRegistry(PATH).centers.map((c) => c.id)).toEqual(centers.map((c) => c.id));
  });

  it('has no errors', () => {
    expect(load.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(assertLoadable(load)).toHaveLength(45);
  });

  it('has the counts its header states', () => {
    expect(centers).toHaveLength(45);
    expect(channels).toHaveLength(31);
    expect(channels.filter((c) => c.type === 'phone')).toHaveLength(25);
    expect(channels.filter((c) => c.type === 'website')).toHaveLength(6);
    const probeable = channels.filter((c) => c.target !== null);
    expect(probeable).toHaveLength(29);
    expect(probeable.filter((c) => c.type === 'phone')).toHaveLength(23);
    expect(probeable.filter((c) => c.type === 'website')).toHaveLength(6);
    expect(centers.filter((c) => c.probe)).toHaveLength(21);
    expect(centers.filter((c) => !c.probe)).toHaveLength(24);
    // Every center marked for probing has at least one probeable channel.
    expect(centers.filter((c) => c.probe && !c.channels.some((ch) => ch.target !== null))).toEqual([]);
  });

  it('warns exactly about the malformed number and the short code', () => {
    // The shared copy also had `ref: thesis chapters 2, 5, 6.3` unquoted inside {...} (line 440),
    // which YAML splits at the commas; our copy quotes it. The loader's warning for that slip is
    // tested in yaml-source.test.ts ("warns about flow mappings cut at a comma").
    const warnings = load.problems.filter((p) => p.severity === 'warning');
    expect(warnings.map((p) => [p.line, p.column, p.field])).toEqual([
      [179, 14, 'religious-psychological-legal-consultation-karagandy.channels[0].value'],
      [534, 14, 'hotline-114.channels[0].value'],
    ]);
    expect(warnings.every((p) => p.file === FILE)).toBe(true);
    expect(warnings[0]?.message).toContain('12 digits');
    expect(warnings[1]?.message).toContain('short code');
  });

  it('passes the country, host and text checks as it is: its 23 numbers are Kazakh, its 6 sites on public domains', () => {
    // Checked by hand as well: no +7 number outside Kazakhstan's ranges (toll-free 8-800 included),
    // no single-word host, no control character, the longest name 116 and the longest note 431 characters.
    const phones = channels.filter((c) => c.type === 'phone' && c.target !== null);
    expect(phones.map((c) => normalizePhone(c.value)).every((r) => !isPhoneProblem(r) && r.country === 'KZ')).toBe(true);
    expect(channels.filter((c) => c.type === 'website').every((c) => c.target !== null && new URL(c.target).hostname.includes('.'))).toBe(true);
    expect(load.problems.filter((p) => /control character|characters long|is a number in|host name/.test(p.message))).toEqual([]);
  });

  it('keeps unprobeable channels visible, with the reason', () => {
    const malformed = channel('religious-psychological-legal-consultation-karagandy--phone-870269785990');
    expect(malformed).toMatchObject({ value: '870269785990', target: null });
    expect(malformed.unprobeableReason).toContain('12 digits');
    const shortCode = channel('hotline-114--phone-114');
    expect(shortCode).toMatchObject({ value: '114', target: null, type: 'phone', centerId: 'hotline-114' });
    expect(shortCode.unprobeableReason).toContain('short code');
    for (const c of channels) expect(c.target === null).toBe(c.unprobeableReason !== null);
  });

  it('normalises the awkwardly written numbers', () => {
    expect(channel('assistance-victims-kokshetau--phone-77162780193').target).toBe('+77162780193');
    expect(channel('perspective-almaty--phone-77273933172')).toMatchObject({ value: '+7727 3933172', target: '+77273933172' });
    expect(channel('victoria-karagandy--phone-77024015320')).toMatchObject({ value: '8-702-401-53-20', target: '+77024015320' });
    expect(channel('insight-koz-zhetu-petropavlovsk--phone-77772868123')).toMatchObject({ value: '8777 2868123', target: '+77772868123' });
    // Our normalisation agrees with every e164 the compilers wrote (otherwise there would be a warning).
    for (const c of channels.filter((x) => x.type === 'phone')) {
      const raw = center(c.centerId).record['channels'] as Array<Record<string, unknown>>;
      expect(raw.some((r) => r['value'] === c.value && r['e164'] === c.target)).toBe(true);
    }
  });

  it('resolves website targets (probe_url, or value with http:// added)', () => {
    expect(channel('hotline-114--web-www-114-kz').target).toBe('http://www.114.kz/');
    expect(channel('shapagat-atyrau--web-bit-ly-2hwvk5a').target).toBe('https://bit.ly/2HwVK5A');
    expect(channel('stop-sekta--web-www-vk-com-stopsektakz').target).toBe('http://www.vk.com/stopsektakz');
    // probe_url wins over the link target "/undefined/" path noted in the record.
    expect(channel('stop-sekta--web-www-stop-sekta-kz').target).toBe('http://www.stop-sekta.kz/');
    expect(channel('perspective-almaty--web-www-perspektiva-group-kz').target).toBe('http://www.perspektiva-group.kz/');
  });

  it('gives unique, URL-safe channel ids', () => {
    const ids = channels.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-{1,2}[a-z0-9]+)*$/);
    // The same site listed by two records gets two channels, one per center.
    expect(ids.filter((id) => id.endsWith('--web-www-stop-sekta-kz'))).toEqual([
      'religious-psychological-legal-consultation-karagandy--web-www-stop-sekta-kz',
      'stop-sekta--web-www-stop-sekta-kz',
    ]);
  });

  it('keeps channel ids stable when records and channels are reordered', () => {
    // Move the first record (perspective-almaty) to the end and reverse its channels' order.
    const lines = TEXT.split('\n');
    const start = lines.findIndex((l) => l === '- id: perspective-almaty');
    const end = lines.findIndex((l, i) => i > start && l.startsWith('- id: '));
    const block = lines.slice(start, end).join('\n');
    const chStart = block.indexOf('    - type: phone');
    const chEnd = block.indexOf('  sources:');
    const items = block.slice(chStart, chEnd).split(/\n(?=    - type: )/).map((s) => s.replace(/\n?$/, '\n'));
    const reordered = block.slice(0, chStart) + [...items].reverse().join('') + block.slice(chEnd);
    const moved = [...lines.slice(0, start), ...lines.slice(end), reordered].join('\n');
    const again = parseRegistry(moved, FILE);
    expect(again.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const idsAgain = again.centers.flatMap((c) => c.channels.map((ch) => ch.id)).sort();
    expect(idsAgain).toEqual(channels.map((c) => c.id).sort());
    expect(again.centers.at(-1)?.channels.map((c) => c.id)).toEqual(center('perspective-almaty').channels.map((c) => c.id).reverse());
  });

  it('records the line of each center and channel (checked against grep -n)', () => {
    expect(center('perspective-almaty').line).toBe(64);
    expect(center('hotline-114').line).toBe(519);
    expect(center('returnee-rehab-kaskelen').line).toBe(1028);
    expect(channel('hotline-114--phone-114').line).toBe(533);
    expect(channel('perspective-almaty--phone-77273933172').line).toBe(80);
    const lines = TEXT.split('\n');
    for (const c of centers) expect(lines[c.line - 1]).toBe(`- id: ${c.id}`);
    for (const ch of channels) expect(lines[ch.line - 1]).toBe(`    - type: ${ch.type}`);
  });

  it('maps center fields without inventing defaults', () => {
    expect(center('perspective-almaty')).toMatchObject({
      name: 'Information-consultative group "Perspective"',
      kind: 'rehabilitation_center',
      city: 'Almaty',
      region: 'Almaty (city of republican significance)',
      tz: 'Asia/Almaty',
      probe: true,
    });
    // tz_iana: null stays null: the daemon, not the registry, applies its default zone.
    expect(center('hotline-114')).toMatchObject({ city: null, tz: null, region: 'Republic of Kazakhstan (national)', kind: 'hotline' });
    expect(center('zoom-zhusan')).toMatchObject({ city: null, region: null, tz: null, probe: false, channels: [] });
    expect(center('practicing-psychologists-association-kostanay').tz).toBe('Asia/Qostanay');
  });

  it('keeps the whole record verbatim', () => {
    const rec = center('victoria-karagandy').record;
    expect(rec['aliases']).toEqual(['“Victoria”', '“Viktoriya” Rehabilitation Center, Karaganda Province']);
    expect(rec['references']).toEqual([
      expect.objectContaining({ type: 'media_article', value: 'https://bit.ly/2FhUvFH' }),
    ]);
    // References are media articles, not channels.
    expect(center('victoria-karagandy').channels.map((c) => c.type)).toEqual(['phone', 'phone']);
  });

  it('takes no per-channel options from the registry as shipped, but the sip method for the short code 114', () => {
    for (const c of channels) expect(c.options).toEqual(c.id === 'hotline-114--phone-114' ? { methods: ['sip'] } : {});
  });

  it('leaves 114 unprobeable without a SIP trunk, as it always was, and dials it through one', () => {
    const ch = channel('hotline-114--phone-114');
    expect(ch.target).toBeNull();
    expect(ch.unprobeableReason).toContain('national short code');
    const withTrunk = assertLoadable(parseRegistry(readFileSync(PATH, 'utf8'), FILE, { dialsShortCodes: true }));
    const dialled = withTrunk.flatMap((c) => c.channels).find((c) => c.id === 'hotline-114--phone-114');
    expect(dialled).toMatchObject({ target: '114', unprobeableReason: null, options: { methods: ['sip'] } });
  });
});
