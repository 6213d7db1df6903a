// The `telephony` section, and Twilio's credentials and addresses from the environment. Both end up
// in Config, so nothing past start-up reads the environment for them.

import { parseDuration } from '../../scheduler/schedule.ts';
import { CALLING_DEFAULTS, CALLING_KEYS, parseCallingLimits, type CallingLimitsConfig } from '../../calling/config.ts';
import { fieldsOf, knownKeys, sectionOf, showDuration, showValue, type Obj, type SectionContext, type SectionDoc } from '../../config/section.ts';
import type { TwilioSettings } from './settings.ts';

export interface TelephonyConfig extends CallingLimitsConfig {
  /** Methods of a phone channel unless its registry entry says otherwise. */
  methods: ('lookup' | 'call')[];
  /** After an unconfirmed failure (no answer, unavailable, busy) the next call comes this soon, within hours and caps. */
  followUpMs: number;
  ringTimeoutSec: number;
  timeLimitSec: number;
  /** How long after ring timeout + time limit to wait for the final callback before asking Twilio. */
  callbackGraceMs: number;
  lookupFields: string[];
  kazakhPromptAudio: string | null;
  /** The 2018 protocol: distinct days or half-days a no_answer/unavailable streak must span. */
  minSlots: number;
  /** Consecutive answers to the call menu that confirm what a person said (status.confirmations is for everything else). */
  answerConfirmations: number;
  /** A Twilio BYOC trunk (BY…) that routes our calls through our own carrier, e.g. a domestic one; null: Twilio's own carriers. */
  byocTrunk: string | null;
}

export interface TwilioConfig {
  /** null when telephony is not configured; `missing` then names the variables that are not set. */
  settings: TwilioSettings | null;
  missing: string[];
}

export const TELEPHONY_DEFAULTS: TelephonyConfig = {
  methods: ['lookup', 'call'],
  followUpMs: 4 * 3_600_000,
  ringTimeoutSec: 30,
  timeLimitSec: 120,
  callbackGraceMs: 30_000,
  lookupFields: [],
  kazakhPromptAudio: null,
  minSlots: 2,
  answerConfirmations: 1,
  byocTrunk: null,
  ...CALLING_DEFAULTS,
};

/** As in the twilio package. */
export const TWILIO_DEFAULTS = { requestTimeoutMs: 30_000 };

const D = TELEPHONY_DEFAULTS;
export const TELEPHONY_DOC: SectionDoc = {
  section: 'telephony',
  about: 'Phone probes through Twilio (Lookups and calls). Credentials come from the environment only (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, REACHWATCH_TWILIO_FROM, REACHWATCH_PUBLIC_URL); without them phone channels are not probed.',
  keys: [
    { key: 'methods', default: showValue(D.methods), meaning: 'Methods of a phone channel unless its registry entry says otherwise: lookup and/or call.' },
    { key: 'follow_up', default: showDuration(D.followUpMs), meaning: 'After an unconfirmed failure (no answer, unavailable, busy) the next call comes this soon, within calling hours and caps.' },
    { key: 'ring_timeout', default: showDuration(D.ringTimeoutSec * 1000), meaning: 'How long a call rings before it counts as no answer.' },
    { key: 'time_limit', default: showDuration(D.timeLimitSec * 1000), meaning: 'Longest a call may last.' },
    { key: 'callback_grace', default: showDuration(D.callbackGraceMs), meaning: 'How long after ring timeout + time limit to wait for the final callback before asking Twilio.' },
    CALLING_KEYS[0]!,
    CALLING_KEYS[1]!,
    { key: 'lookup_fields', default: showValue(D.lookupFields), meaning: 'Extra Twilio Lookup fields to ask for (line_type_intelligence, ...).' },
    ...CALLING_KEYS.slice(2),
    { key: 'kazakh_prompt_audio', default: 'none', meaning: 'http(s) URL of the recorded Kazakh menu prompt; without it the menu is played in Russian only.' },
    { key: 'min_slots', default: String(D.minSlots), meaning: 'The 2018 protocol: distinct days or half-days a no_answer/unavailable streak must span, 1 to 14.' },
    { key: 'byoc_trunk', default: 'none', meaning: "The SID (BY + 32 hex digits) of a Twilio BYOC trunk: calls are routed through your own carrier's SIP trunk, e.g. a domestic one. Numbers are still dialled in E.164 form; a short code such as 114 cannot be (docs/phones.md, \"Calls through your own carrier\")." },
    { key: 'answer_confirmations', default: String(D.answerConfirmations), meaning: 'Consecutive answers to the call menu that confirm what a person said, 1 to 10.' },
  ],
};

export function parseTelephonySection(raw: Obj, ctx: SectionContext): TelephonyConfig {
  const { where, problems } = ctx;
  const tel = sectionOf(raw, 'telephony', ctx);
  const f = fieldsOf(ctx, 'telephony', tel);
  f.known(knownKeys(TELEPHONY_DOC));
  let methods = D.methods;
  if (tel.methods !== undefined) {
    if (!Array.isArray(tel.methods) || tel.methods.some((m) => m !== 'lookup' && m !== 'call')) {
      problems.push(`${where(['telephony', 'methods'])}: must be a list of lookup and/or call.`);
    } else methods = tel.methods as ('lookup' | 'call')[];
  }
  const limits = parseCallingLimits(tel, ctx);
  const lookupFields = Array.isArray(tel.lookup_fields) ? (tel.lookup_fields as unknown[]).filter((x): x is string => typeof x === 'string') : D.lookupFields;
  const audio = tel.kazakh_prompt_audio;
  if (audio !== undefined && audio !== null && (typeof audio !== 'string' || !/^https?:\/\//.test(audio))) {
    problems.push(`${where(['telephony', 'kazakh_prompt_audio'])}: must be an http(s) URL of a recording Twilio can fetch.`);
  }
  const byoc = tel.byoc_trunk;
  if (byoc !== undefined && byoc !== null && (typeof byoc !== 'string' || !/^BY[0-9a-fA-F]{32}$/.test(byoc))) {
    problems.push(`${where(['telephony', 'byoc_trunk'])}: must be a Twilio BYOC trunk SID, BY followed by 32 hexadecimal digits, not ${JSON.stringify(byoc)}.`);
  }
  return {
    methods,
    followUpMs: f.duration('follow_up', D.followUpMs),
    ringTimeoutSec: Math.round(f.duration('ring_timeout', D.ringTimeoutSec * 1000) / 1000),
    timeLimitSec: Math.round(f.duration('time_limit', D.timeLimitSec * 1000) / 1000),
    callbackGraceMs: f.duration('callback_grace', D.callbackGraceMs),
    lookupFields,
    kazakhPromptAudio: typeof audio === 'string' ? audio : null,
    minSlots: f.int('min_slots', D.minSlots, 1, 14),
    answerConfirmations: f.int('answer_confirmations', D.answerConfirmations, 1, 10),
    byocTrunk: typeof byoc === 'string' && /^BY[0-9a-fA-F]{32}$/.test(byoc) ? byoc : null,
    ...limits,
  };
}

/**
 * Credentials and addresses from the environment. REACHWATCH_TWILIO_TIMEOUT is checked even when
 * telephony is off: a typo must stop the daemon, not quietly switch telephony off.
 */
export function parseTwilioEnv(ctx: SectionContext): TwilioConfig {
  const t = ctx.env.twilio;
  let requestTimeoutMs = TWILIO_DEFAULTS.requestTimeoutMs;
  if (t.timeout !== undefined && t.timeout !== '') {
    const ms = parseDuration(t.timeout);
    if (ms === null || ms < 1000 || ms > 600_000) ctx.problems.push(`REACHWATCH_TWILIO_TIMEOUT: must be a duration from 1s to 10m like "30s", not "${t.timeout}".`);
    else requestTimeoutMs = ms;
  }
  const need = { TWILIO_ACCOUNT_SID: t.accountSid, TWILIO_AUTH_TOKEN: t.authToken, REACHWATCH_TWILIO_FROM: t.from, REACHWATCH_PUBLIC_URL: ctx.env.publicUrl };
  const missing = Object.entries(need).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) return { settings: null, missing };
  return {
    settings: {
      accountSid: need.TWILIO_ACCOUNT_SID as string,
      authToken: need.TWILIO_AUTH_TOKEN as string,
      from: need.REACHWATCH_TWILIO_FROM as string,
      publicUrl: (need.REACHWATCH_PUBLIC_URL as string).replace(/\/$/, ''),
      baseUrl: t.baseUrl || null,
      requestTimeoutMs,
    },
    missing: [],
  };
}
