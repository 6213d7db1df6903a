// Subscriptions: who is told about what, and how. Matching is pure; the rows live in `subscriptions`.

import type { AlertChannelKind, AlertEvent, DeliveryTarget } from './channel.ts';
import { ALERT_CHANNELS, SUBSCRIBABLE_EVENTS } from './channel.ts';
import { LANGUAGES, type Language } from '../i18n/languages.ts';

export interface SubscriptionFilters {
  /** Center ids; empty means every center. */
  centers: string[];
  regions: string[];
  /** Center kinds (rehab, hotline...). */
  kinds: string[];
  events: AlertEvent[];
}

export interface Subscription {
  id: string;
  source: 'config' | 'api';
  channel: AlertChannelKind;
  target: DeliveryTarget;
  language: Language;
  filters: SubscriptionFilters;
  createdBy: string;
  createdAt: number;
  disabledAt: number | null;
}

/** What a subscription receives unless it says otherwise: every center event, not the operator's. */
export const DEFAULT_EVENTS: AlertEvent[] = ['went_dark', 'partly_reachable', 'recovered', 'still_dark', 'channel_closed', 'cert_expiring'];

export interface CenterFacts {
  id: string;
  name: string;
  kind: string;
  region: string | null;
  city: string | null;
  tz: string;
}

/** Whether an event about `center` (null for reachwatch's own health) goes to this subscription. */
export function subscriptionMatches(sub: Subscription, event: AlertEvent, center: CenterFacts | null): boolean {
  if (sub.disabledAt !== null) return false;
  if (!sub.filters.events.includes(event)) return false;
  if (center === null) return event === 'self_check';
  const f = sub.filters;
  if (f.centers.length && !f.centers.includes(center.id)) return false;
  if (f.regions.length && (center.region === null || !f.regions.includes(center.region))) return false;
  if (f.kinds.length && !f.kinds.includes(center.kind)) return false;
  return true;
}

/**
 * Validates a subscription as written in the config file or sent to the API. Problems are sentences
 * naming the field; `at(field)` says where that field is (a file line or a JSON path).
 */
export function parseSubscription(
  raw: Record<string, unknown>,
  at: (field: string) => string,
  problems: string[],
  opts: { secretFromEnv?: (name: string) => string | undefined; generateSecret?: () => string },
): Omit<Subscription, 'source' | 'createdBy' | 'createdAt' | 'disabledAt'> | null {
  const start = problems.length;
  const fail = (field: string, msg: string) => problems.push(`${at(field)}: ${msg}`);
  const known = ['id', 'channel', 'to', 'url', 'secret', 'secret_env', 'chat_id', 'language', 'centers', 'regions', 'kinds', 'events'];
  for (const k of Object.keys(raw)) if (!known.includes(k)) fail(k, `unknown key "${k}"; known keys are ${known.join(', ')}.`);
  const id = raw.id;
  if (typeof id !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(id)) fail('id', 'must be a short id of lowercase letters, digits, - and _ (for example ngo-almaty).');
  const channel = raw.channel;
  if (typeof channel !== 'string' || !(ALERT_CHANNELS as readonly string[]).includes(channel)) fail('channel', `must be one of ${ALERT_CHANNELS.join(', ')}.`);
  const language = raw.language ?? 'ru';
  if (typeof language !== 'string' || !(LANGUAGES as readonly string[]).includes(language)) fail('language', `must be one of ${LANGUAGES.join(', ')}.`);
  const list = (field: string): string[] => {
    const v = raw[field];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) {
      fail(field, 'must be a list of strings.');
      return [];
    }
    return v as string[];
  };
  const centers = list('centers');
  const regions = list('regions');
  const kinds = list('kinds');
  let events = DEFAULT_EVENTS;
  if (raw.events !== undefined) {
    const e = list('events');
    const bad = e.filter((x) => !(SUBSCRIBABLE_EVENTS as readonly string[]).includes(x));
    if (bad.length) fail('events', `unknown event ${bad.map((b) => `"${b}"`).join(', ')}; events are ${SUBSCRIBABLE_EVENTS.join(', ')}.`);
    else if (e.length === 0) fail('events', 'must name at least one event.');
    else events = e as AlertEvent[];
  }

  let target: DeliveryTarget | null = null;
  if (channel === 'webhook') {
    const url = raw.url;
    let ok = false;
    try {
      ok = typeof url === 'string' && ['http:', 'https:'].includes(new URL(url).protocol);
    } catch {
      ok = false;
    }
    if (!ok) fail('url', 'a webhook needs an http(s) url.');
    let secret: string | undefined;
    if (typeof raw.secret_env === 'string') {
      secret = opts.secretFromEnv?.(raw.secret_env);
      if (!secret) fail('secret_env', `names the environment variable ${raw.secret_env}, which is not set.`);
    } else if (typeof raw.secret === 'string') secret = raw.secret;
    else secret = opts.generateSecret?.();
    if (secret !== undefined && !/^whsec_[A-Za-z0-9+/=]{24,}$/.test(secret)) fail(raw.secret_env ? 'secret_env' : 'secret', 'must be a Standard Webhooks secret: whsec_ followed by base64 of at least 18 random bytes.');
    if (!secret && raw.secret_env === undefined) fail('secret', 'a webhook needs a signing secret (secret_env names the variable that holds it).');
    if (ok && secret) target = { kind: 'webhook', url: url as string, secret };
  } else if (channel === 'email') {
    const to = typeof raw.to === 'string' ? [raw.to] : raw.to;
    if (!Array.isArray(to) || to.length === 0 || to.some((a) => typeof a !== 'string' || !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(a))) {
      fail('to', 'an email subscription needs `to`: an address or a list of addresses.');
    } else target = { kind: 'email', to: to as string[] };
  } else if (channel === 'sms') {
    if (typeof raw.to !== 'string' || !/^\+[1-9]\d{6,14}$/.test(raw.to)) fail('to', 'an SMS subscription needs `to` in E.164 form, for example +77011234567.');
    else target = { kind: 'sms', to: raw.to };
  } else if (channel === 'telegram') {
    const chat = typeof raw.chat_id === 'number' ? String(raw.chat_id) : raw.chat_id;
    if (typeof chat !== 'string' || !/^(-?\d+|@[A-Za-z0-9_]{5,})$/.test(chat)) fail('chat_id', 'a Telegram subscription needs `chat_id`: a numeric chat id or an @channel name.');
    else target = { kind: 'telegram', chatId: chat };
  }
  if (problems.length > start || target === null) return null;
  return {
    id: id as string,
    channel: channel as AlertChannelKind,
    target,
    language: language as Language,
    filters: { centers, regions, kinds, events },
  };
}

/** A subscription as shown to API clients: a webhook's secret is never echoed back. */
export interface PublicSubscription {
  id: string;
  source: string;
  channel: string;
  target: Record<string, unknown>;
  language: string;
  filters: SubscriptionFilters;
  created_by: string;
  created_at: string;
  disabled_at: string | null;
}

export function publicSubscription(s: Subscription): PublicSubscription {
  const target: Record<string, unknown> = s.target.kind === 'webhook' ? { kind: 'webhook', url: withoutCredentials(s.target.url) } : { ...s.target };
  return {
    id: s.id,
    source: s.source,
    channel: s.channel,
    target,
    language: s.language,
    filters: s.filters,
    created_by: s.createdBy,
    created_at: new Date(s.createdAt).toISOString(),
    disabled_at: s.disabledAt === null ? null : new Date(s.disabledAt).toISOString(),
  };
}

/** A URL as shown to others: user and password removed. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}
