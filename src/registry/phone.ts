// Phone numbers as written in the registry -> E.164, or a reason why not.
//
// The registry copies numbers character for character from the sources ("8 7162 780193",
// "+7727 3933172", "8-702-401-53-20"), so they must be normalised before a prober can dial them.
// The one rule that matters more than any other: never guess a correction. A number with a digit too
// many is reported, not trimmed, because dialling a guessed number calls a stranger.
//
// libphonenumber-js/max is used (not the default `min` metadata) because only `max` knows number
// types (FIXED_LINE, MOBILE...), which the board shows and phone probers may use to pick a route.

import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/max';
import type { CountryCode } from 'libphonenumber-js/max';

/** The registry describes help services in Kazakhstan, so national numbers are read as Kazakh. */
export const DEFAULT_PHONE_COUNTRY: CountryCode = 'KZ';

export interface NormalizedPhone {
  /** `+` and digits, e.g. `+77162780193`. */
  e164: string;
  /** ISO 3166 alpha-2 country from the number's prefix (KZ and RU share +7), or `001` for non-geographic numbers. */
  country: string;
  /** libphonenumber's type, e.g. `FIXED_LINE`, `MOBILE`; absent when the metadata cannot tell. */
  numberType?: string;
}

export interface PhoneProblem {
  /** A sentence for the data maintainer: what is wrong and what to do. */
  problem: string;
  kind: 'short_code' | 'malformed' | 'wrong_country';
  /** A short code's digits (e.g. `114`): what a line inside the country dials. */
  shortCode?: string;
}

/**
 * Whether a phone channel's target is a national short code rather than an E.164 number: only a line
 * inside the country dials it (an agent of a vantage point whose line dials short codes, docs/agents.md),
 * never Twilio.
 */
export function isShortCodeTarget(ch: { type: string; target: string | null }): boolean {
  return ch.type === 'phone' && ch.target !== null && !ch.target.startsWith('+');
}

export type PhoneResult = NormalizedPhone | PhoneProblem;

export function isPhoneProblem(r: PhoneResult): r is PhoneProblem {
  return 'problem' in r;
}

// Separators people write inside numbers. Unicode dashes are included because values are copied from
// word-processed documents, where "-" is often silently turned into an en dash.
const SEPARATORS = /[\s\-\u2010-\u2015\u2212()]/g;

/**
 * Normalises a phone number. Pure and deterministic: the same text always gives the same result,
 * which keeps channel ids derived from it stable.
 */
export function normalizePhone(value: string, country: CountryCode = DEFAULT_PHONE_COUNTRY): PhoneResult {
  const compact = value.replace(SEPARATORS, '');
  const quoted = JSON.stringify(value);

  if (compact === '') {
    return { kind: 'malformed', problem: `The phone number ${quoted} contains no digits. Write the number, or remove the channel.` };
  }
  if (!/^\+?\d+$/.test(compact)) {
    const stray = [...new Set(compact.replace(/^\+/, '').replace(/\d/g, ''))].map((c) => JSON.stringify(c)).join(', ');
    return {
      kind: 'malformed',
      problem:
        `The phone number ${quoted} contains characters other than digits, spaces, hyphens, parentheses ` +
        `and a leading "+" (${stray}). Write only the number; put extensions, names or ` +
        `remarks in the channel's note.`,
    };
  }

  const digits = compact.replace(/^\+/, '');
  const international = compact.startsWith('+');

  if (!international && (digits.length === 3 || digits.length === 4)) {
    return {
      kind: 'short_code',
      shortCode: digits,
      problem:
        `${quoted} is a national short code (${digits.length} digits). Short codes have no international ` +
        `(E.164) form and cannot be dialled through an international calling provider, so this channel ` +
        `is not probed automatically. Record a manual probe, or probe it from a domestic line in the country.`,
    };
  }

  const parsed = parsePhoneNumberFromString(compact, country);
  if (parsed && parsed.isValid()) {
    const type = parsed.getType();
    return {
      e164: parsed.number,
      // Non-geographic numbers (+800...) have no country; "001" is libphonenumber's own code for them.
      country: parsed.country ?? '001',
      ...(type !== undefined ? { numberType: type } : {}),
    };
  }

  return { kind: 'malformed', problem: explainInvalid(value, compact, digits, international) };
}

const NO_GUESS =
  'It cannot be corrected without guessing which digit is wrong, missing or extra, so nothing is ' +
  'guessed and the channel is not probed. Check the number against the source and correct it, or ' +
  'leave it as it is to keep the record faithful to the source.';

function explainInvalid(value: string, compact: string, digits: string, international: boolean): string {
  const quoted = JSON.stringify(value);
  const count = `${digits.length} digit${digits.length === 1 ? '' : 's'}`;

  // Country code 7 (Kazakhstan and Russia) gets a precise explanation because it is what the registry
  // holds; the rule mirrors the registry's own header: "8" or "+7", then exactly 10 digits.
  let expected: string | undefined;
  if (international && digits.startsWith('7')) expected = 'a number starting with "+7" has 11 digits ("+7" and 10 more)';
  else if (!international && digits.startsWith('8')) expected = 'a number written with the domestic prefix "8" has 11 digits ("8" and 10 more)';
  else if (!international) expected = 'a Kazakh number written without a prefix has 10 digits (area or operator code and subscriber number)';

  if (expected !== undefined) {
    const expectedCount = international || digits.startsWith('8') ? 11 : 10;
    if (digits.length !== expectedCount) {
      return `The phone number ${quoted} has ${count}, but ${expected}. ${NO_GUESS}`;
    }
    return (
      `The phone number ${quoted} has the expected ${count}, but no Kazakh or Russian number begins this way ` +
      `(the area or operator code is not assigned). ${NO_GUESS}`
    );
  }

  const reason = validatePhoneNumberLength(compact, DEFAULT_PHONE_COUNTRY);
  const why =
    reason === 'TOO_SHORT'
      ? 'which is too short for its country code'
      : reason === 'TOO_LONG'
        ? 'which is too long for its country code'
        : reason === 'INVALID_LENGTH'
          ? 'which is not a valid length for its country code'
          : reason === 'INVALID_COUNTRY'
            ? 'and its country code does not exist'
            : 'but it does not match any number range of its country code';
  return `The phone number ${quoted} has ${count}, ${why}. ${NO_GUESS}`;
}

// Ranges that belong to a calling code rather than to a place. Within a calling code shared by several
// countries the number alone cannot tell whose they are: libphonenumber gives +7 800 to Russia, yet
// Kazakhstan's free numbers are 8-800 too. Only numbers of a place (landline, mobile) are compared.
const PLACELESS_TYPES: ReadonlySet<string> = new Set(['TOLL_FREE', 'SHARED_COST', 'PREMIUM_RATE', 'UAN', 'VOIP', 'PERSONAL_NUMBER', 'VOICEMAIL', 'PAGER']);

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
/** "Russia (RU)"; a code Intl does not know is shown as it is. */
export const countryName = (code: string): string => {
  let name: string | undefined;
  try {
    name = regionNames.of(code);
  } catch {
    name = undefined;
  }
  return name && name !== code ? `${name} (${code})` : code;
};

/** Whether `code` is an ISO 3166 alpha-2 country that has a telephone numbering plan. */
export const isPhoneCountry = (code: string): code is CountryCode => isSupportedCountry(code);

/**
 * A number of another country than the center's, or null when the number may be the center's.
 * +7 is shared by Kazakhstan and Russia, so "8 495 ..." passes every length and prefix check and is a
 * valid number: in Moscow. Calling it probes a stranger abroad and reports the center by what they
 * answer, so such a number is kept visible but not probed, like a malformed one.
 */
export function phoneCountryProblem(value: string, phone: NormalizedPhone, country: CountryCode): PhoneProblem | null {
  if (phone.country === country) return null;
  const sharedCode = phone.e164.startsWith(`+${getCountryCallingCode(country)}`);
  if (phone.country === '001' || (sharedCode && phone.numberType !== undefined && PLACELESS_TYPES.has(phone.numberType))) return null;
  const quoted = JSON.stringify(value);
  const shared = sharedCode ? ` The calling code +${getCountryCallingCode(country)} is shared, but this number's area or operator code belongs to ${countryName(phone.country)}.` : '';
  return {
    kind: 'wrong_country',
    problem:
      `The phone number ${quoted} (${phone.e164}) is a number in ${countryName(phone.country)}, but the center is in ${countryName(country)}.${shared} ` +
      `Calling it would reach whoever has that number there, so the channel is not probed. Check the number against the source; ` +
      `if the center really is in ${countryName(phone.country)}, set the record's country: ${phone.country}.`,
  };
}
