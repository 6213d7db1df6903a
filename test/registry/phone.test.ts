import { describe, expect, it } from 'vitest';
import { isPhoneProblem, normalizePhone, phoneCountryProblem } from '../../src/registry/phone.ts';

describe('normalizePhone: numbers as the registry writes them', () => {
  it.each([
    // [written, e164, country, type]
    ['8 7162 780193', '+77162780193', 'KZ', 'FIXED_LINE'],
    ['+7727 3933172', '+77273933172', 'KZ', 'FIXED_LINE'],
    ['8-702-401-53-20', '+77024015320', 'KZ', 'MOBILE'],
    ['87162780193', '+77162780193', 'KZ', 'FIXED_LINE'],
    ['+77272619580', '+77272619580', 'KZ', 'FIXED_LINE'],
    ['8777 2868123', '+77772868123', 'KZ', 'MOBILE'],
    ['8 (727) 393-31-72', '+77273933172', 'KZ', 'FIXED_LINE'],
    // Copied from word processors: en dashes instead of hyphens.
    ['8–702–401–53–20', '+77024015320', 'KZ', 'MOBILE'],
    // A national number without the trunk prefix is still unambiguous.
    ['7024015320', '+77024015320', 'KZ', 'MOBILE'],
  ])('%s -> %s', (written, e164, country, type) => {
    expect(normalizePhone(written)).toEqual({ e164, country, numberType: type });
  });

  it('recognises a Russian number by its prefix (KZ and RU share +7)', () => {
    expect(normalizePhone('+7 495 123-45-67')).toEqual({ e164: '+74951234567', country: 'RU', numberType: 'FIXED_LINE' });
  });

  it('accepts numbers from other countries when written internationally', () => {
    expect(normalizePhone('+44 20 7946 0958')).toMatchObject({ e164: '+442079460958', country: 'GB' });
  });
});

describe('normalizePhone: short codes', () => {
  it.each(['114', '1414'])('%s is a short code that cannot be dialled internationally', (written) => {
    const r = normalizePhone(written);
    expect(r).toMatchObject({ kind: 'short_code' });
    if (!isPhoneProblem(r)) throw new Error('expected a problem');
    expect(r.problem).toContain('national short code');
    expect(r.problem).toContain('international calling provider');
    expect(r.problem).toMatch(/manual probe|domestic line/);
    expect(r).not.toHaveProperty('e164');
  });
});

describe('normalizePhone: malformed numbers are reported, never corrected', () => {
  it('the 12-digit number from the registry names the digit count and refuses to guess', () => {
    const r = normalizePhone('870269785990');
    expect(r).toMatchObject({ kind: 'malformed' });
    if (!isPhoneProblem(r)) throw new Error('expected a problem');
    expect(r.problem).toContain('12 digits');
    expect(r.problem).toContain('11 digits');
    expect(r.problem).toContain('nothing is guessed');
    expect(r).not.toHaveProperty('e164');
  });

  it.each([
    ['8702401532', '10 digits'], // one digit short after the trunk prefix
    ['+7702401532099', '13 digits'], // too long after +7
    ['12345', '5 digits'], // a local number without its area code
    ['+114', '3 digits'], // "+" turns a short code into a (far too short) international number
    ['+999 123', 'country code does not exist'],
    ['7999999999', 'not assigned'], // right length, unassigned range
  ])('%s is malformed (%s)', (written, phrase) => {
    const r = normalizePhone(written);
    expect(r).toMatchObject({ kind: 'malformed' });
    if (!isPhoneProblem(r)) throw new Error('expected a problem');
    expect(r.problem).toContain(phrase);
  });

  it.each([
    ['87024015320 ext. 5', '"e", "x", "t", "."'],
    ['call us', '"c"'],
    ['', 'no digits'],
    ['  ', 'no digits'],
  ])('%j is malformed because of its characters', (written, phrase) => {
    const r = normalizePhone(written);
    expect(r).toMatchObject({ kind: 'malformed' });
    if (!isPhoneProblem(r)) throw new Error('expected a problem');
    expect(r.problem).toContain(phrase);
  });
});

describe('phoneCountryProblem: +7 is shared by Kazakhstan and Russia', () => {
  it('a Moscow number is not a Kazakh center\'s; the same number is a Russian center\'s', () => {
    const moscow = normalizePhone('8 (495) 123-45-67');
    if (isPhoneProblem(moscow)) throw new Error('expected a number');
    expect(phoneCountryProblem('8 (495) 123-45-67', moscow, 'KZ')).toMatchObject({ kind: 'wrong_country' });
    expect(phoneCountryProblem('8 (495) 123-45-67', moscow, 'RU')).toBeNull();
    // A national number is read in the center's country.
    expect(normalizePhone('8 (495) 123-45-67', 'RU')).toMatchObject({ e164: '+74951234567', country: 'RU' });
  });

  it('toll-free 8-800 is both countries\' and is not held against either; a number of another calling code is', () => {
    const free = normalizePhone('8 800 080 7777');
    if (isPhoneProblem(free)) throw new Error('expected a number');
    expect(free.numberType).toBe('TOLL_FREE');
    expect(phoneCountryProblem('8 800 080 7777', free, 'KZ')).toBeNull();
    const tashkent = normalizePhone('+998 71 234 56 78');
    if (isPhoneProblem(tashkent)) throw new Error('expected a number');
    expect(phoneCountryProblem('+998 71 234 56 78', tashkent, 'KZ')?.problem).toContain('Uzbekistan (UZ)');
  });
});
