// The `vantage` section: the places the directory is seen from besides this daemon, which of them
// probe a channel by default, and how the central treats the agents that serve them (docs/agents.md).

import { fieldsOf, isObj, knownKeys, sectionOf, showDuration, type Obj, type SectionContext, type SectionDoc } from '../config/section.ts';

/** This daemon's own vantage point. */
export const CENTRAL = 'central';

export interface VantagePoint {
  name: string;
  /** Inside the country the directory serves, where its callers are (a site that answers only here is geo-restricted, not down). */
  domestic: boolean;
}

export interface VantageConfig {
  /** Every vantage point, `central` first. */
  points: VantagePoint[];
  /** Which points probe a channel of each type when the registry names none. */
  defaults: { website: string[]; phone: string[] };
  /** 0: a channel is down only when every point with a verdict agrees; n > 0: when at least n agree and none says reachable. */
  quorum: number;
  /** An agent silent this long is stale: the operator is alerted; nothing counts against a center. */
  staleAfterMs: number;
  /** An agent clock further off than this is flagged and its times corrected. */
  maxClockOffsetMs: number;
  /** An agent clock further off than this has its results refused until it is fixed. */
  refuseClockOffsetMs: number;
  /** A lease lasts the probe's deadline plus this. */
  leaseMarginMs: number;
  /** Requests per second one agent may make (a token bucket with a burst of ten times this). */
  agentRate: number;
}

const NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;

export const VANTAGE_DEFAULTS: VantageConfig = {
  points: [{ name: CENTRAL, domestic: false }],
  defaults: { website: [CENTRAL], phone: [CENTRAL] },
  quorum: 0,
  staleAfterMs: 5 * 60_000,
  maxClockOffsetMs: 5_000,
  refuseClockOffsetMs: 5 * 60_000,
  leaseMarginMs: 60_000,
  agentRate: 20,
};

const D = VANTAGE_DEFAULTS;
export const VANTAGE_DOC: SectionDoc = {
  section: 'vantage',
  about: 'Vantage points: the places besides this daemon (`central`) that probe the directory through enrolled regional agents (docs/agents.md).',
  keys: [
    { key: 'points', default: '{}', meaning: 'Named vantage points, e.g. `kz: {domestic: true}`: lower-case names (letters, digits, dashes); `domestic: true` for a point inside the country the directory serves.' },
    { key: 'central_domestic', default: 'false', meaning: 'Whether this daemon itself is inside the country the directory serves.' },
    { key: 'defaults.website', default: '[central]', meaning: 'The points that probe a website channel whose registry entry names none.' },
    { key: 'defaults.phone', default: '[central]', meaning: 'The points that probe a phone channel whose registry entry names none.' },
    { key: 'quorum', default: String(D.quorum), meaning: '0: a channel is down only when every point that reached a verdict agrees; n: when at least n agree and none says reachable.' },
    { key: 'stale_after', default: showDuration(D.staleAfterMs), meaning: 'An agent silent this long is stale: operators are alerted, its channels show "no data", nothing counts against a center.' },
    { key: 'max_clock_offset', default: showDuration(D.maxClockOffsetMs), meaning: "An agent clock further off than this is flagged and its results' times corrected." },
    { key: 'refuse_clock_offset', default: showDuration(D.refuseClockOffsetMs), meaning: 'An agent clock further off than this has its results refused until it is fixed; longer than max_clock_offset.' },
    { key: 'lease_margin', default: showDuration(D.leaseMarginMs), meaning: "A job's lease lasts the probe's deadline plus this; when it expires another agent of the point may take the job." },
    { key: 'agent_rate', default: String(D.agentRate), meaning: 'Requests per second one agent may make (burst: ten times this); more get 429.' },
  ],
};

export function parseVantageSection(raw: Obj, ctx: SectionContext): VantageConfig {
  const { where, problems } = ctx;
  const v = sectionOf(raw, 'vantage', ctx);
  const f = fieldsOf(ctx, 'vantage', v);
  f.known(knownKeys(VANTAGE_DOC));
  const points: VantagePoint[] = [{ name: CENTRAL, domestic: f.bool('central_domestic', false) }];
  if (v.points !== undefined && v.points !== null) {
    if (!isObj(v.points)) problems.push(`${where(['vantage', 'points'])}: must be a mapping of point names to their settings, e.g. kz: {domestic: true}.`);
    else {
      for (const [name, settings] of Object.entries(v.points)) {
        if (name === CENTRAL) problems.push(`${where(['vantage', 'points', name])}: "central" is this daemon's own point; set vantage.central_domestic instead.`);
        else if (!NAME_RE.test(name)) problems.push(`${where(['vantage', 'points', name])}: a point name is lower-case letters, digits and dashes, starting with a letter, at most 32 characters, not ${JSON.stringify(name)}.`);
        else {
          const s = settings ?? {};
          if (!isObj(s)) {
            problems.push(`${where(['vantage', 'points', name])}: must be a mapping such as {domestic: true}.`);
            continue;
          }
          for (const k of Object.keys(s)) if (k !== 'domestic') problems.push(`${where(['vantage', 'points', name, k])}: unknown key "${k}"; a point has only "domestic".`);
          if (s.domestic !== undefined && typeof s.domestic !== 'boolean') problems.push(`${where(['vantage', 'points', name, 'domestic'])}: must be true or false.`);
          points.push({ name, domestic: s.domestic === true });
        }
      }
    }
  }
  const names = new Set(points.map((p) => p.name));
  const defaults = { ...D.defaults };
  if (v.defaults !== undefined && v.defaults !== null) {
    if (!isObj(v.defaults)) problems.push(`${where(['vantage', 'defaults'])}: must be a mapping with website and phone lists.`);
    else {
      for (const [type, list] of Object.entries(v.defaults)) {
        if (type !== 'website' && type !== 'phone') {
          problems.push(`${where(['vantage', 'defaults', type])}: unknown channel type "${type}"; known types are website, phone.`);
          continue;
        }
        if (!Array.isArray(list) || list.length === 0 || !list.every((x): x is string => typeof x === 'string')) {
          problems.push(`${where(['vantage', 'defaults', type])}: must be a non-empty list of point names, e.g. [central, kz].`);
          continue;
        }
        const unknown = list.filter((x) => !names.has(x));
        if (unknown.length) problems.push(`${where(['vantage', 'defaults', type])}: ${unknown.map((x) => JSON.stringify(x)).join(', ')} is not a vantage point; known points are ${[...names].join(', ')}.`);
        else defaults[type] = [...new Set(list)];
      }
    }
  }
  const config: VantageConfig = {
    points,
    defaults,
    quorum: f.int('quorum', D.quorum, 0, 100),
    staleAfterMs: f.duration('stale_after', D.staleAfterMs),
    maxClockOffsetMs: f.duration('max_clock_offset', D.maxClockOffsetMs),
    refuseClockOffsetMs: f.duration('refuse_clock_offset', D.refuseClockOffsetMs),
    leaseMarginMs: f.duration('lease_margin', D.leaseMarginMs),
    agentRate: f.number('agent_rate', D.agentRate, 0.1),
  };
  if (config.refuseClockOffsetMs <= config.maxClockOffsetMs) {
    problems.push(`${where(['vantage', 'refuse_clock_offset'])}: must be longer than vantage.max_clock_offset (${config.maxClockOffsetMs} ms).`);
  }
  return config;
}
