// The `canaries` section: well-known sites probed to tell our network's failure from a center's.

import { fieldsOf, knownKeys, sectionOf, showDuration, showValue, type Obj, type SectionContext, type SectionDoc } from '../config/section.ts';

export interface CanariesConfig {
  urls: string[];
  maxAgeMs: number;
  /** How long a canary may take; null for the website total_timeout, at most 10 s. */
  timeoutMs: number | null;
}

export const CANARY_DEFAULTS: CanariesConfig = { urls: [], maxAgeMs: 15_000, timeoutMs: null };
/** The longest a canary may take when canaries.timeout is unset (and the value kept when it is wrong). */
export const CANARY_TIMEOUT_CAP_MS = 10_000;

export const CANARIES_DOC: SectionDoc = {
  section: 'canaries',
  about: 'Well-known sites probed alongside the centers: when they fail too, the failure is ours and no center is marked down.',
  keys: [
    { key: 'urls', default: showValue(CANARY_DEFAULTS.urls), meaning: 'http(s) URLs of the canaries; empty: no canary check.' },
    { key: 'max_age', default: showDuration(CANARY_DEFAULTS.maxAgeMs), meaning: 'How old a canary result may be and still vouch for our network.' },
    { key: 'timeout', default: `website.total_timeout, at most ${showDuration(CANARY_TIMEOUT_CAP_MS)}`, meaning: 'How long a canary probe may take.' },
  ],
};

export function parseCanariesSection(raw: Obj, ctx: SectionContext): CanariesConfig {
  const { where, problems } = ctx;
  const canaries = sectionOf(raw, 'canaries', ctx);
  const f = fieldsOf(ctx, 'canaries', canaries);
  f.known(knownKeys(CANARIES_DOC));
  const urls: string[] = [];
  if (canaries.urls !== undefined) {
    if (!Array.isArray(canaries.urls)) problems.push(`${where(['canaries', 'urls'])}: must be a list of URLs.`);
    else
      canaries.urls.forEach((u, i) => {
        let ok = false;
        try {
          ok = typeof u === 'string' && ['http:', 'https:'].includes(new URL(u).protocol);
        } catch {
          ok = false;
        }
        if (!ok) problems.push(`${where(['canaries', 'urls', i])}: ${JSON.stringify(u)} is not an http(s) URL.`);
        else urls.push(u as string);
      });
  }
  return {
    urls,
    maxAgeMs: f.duration('max_age', CANARY_DEFAULTS.maxAgeMs),
    timeoutMs: canaries.timeout === undefined ? CANARY_DEFAULTS.timeoutMs : f.duration('timeout', CANARY_TIMEOUT_CAP_MS),
  };
}
