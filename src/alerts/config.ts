// The `alerts`, `centers` and `maintenance` sections of the config file. Each validates itself and
// fails with a sentence naming the file, line and key. Secrets come from the environment only.

import { parseDuration } from '../scheduler/schedule.ts';
import type { DeclaredWindow } from '../maintenance/windows.ts';
import type { EmailSenderOptions } from './channels/email.ts';
import { DEFAULT_RETRY_SCHEDULE_MS } from './retry.ts';
import { parseSubscription, type Subscription } from './subscription.ts';

export type ConfiguredSubscription = Omit<Subscription, 'source' | 'createdBy' | 'createdAt' | 'disabledAt'>;

export interface AlertsConfig {
  /** Where the board is published; alerts link to the center's page there. */
  boardUrl: string | null;
  /** "Still dark" reminders this often; null: never. */
  reminderMs: number | null;
  retryScheduleMs: number[];
  sendTimeoutMs: number;
  pollMs: number;
  webhook: { timeoutMs: number; allowPrivate: boolean };
  smtp: Omit<EmailSenderOptions, 'timeoutMs'> | null;
  telegram: { apiUrl: string; token: string } | null;
  sms: { from: string } | null;
  subscriptions: ConfiguredSubscription[];
}

export interface CentersConfig {
  /** Every channel confirmed down this long before a center is dark. */
  darkAfterMs: number;
  /** How often time-driven changes (grace periods, reminders, window ends) are looked for. */
  sweepMs: number;
}

export const ALERT_DEFAULTS: AlertsConfig = {
  boardUrl: null,
  reminderMs: 24 * 3_600_000,
  retryScheduleMs: DEFAULT_RETRY_SCHEDULE_MS,
  sendTimeoutMs: 30_000,
  pollMs: 1000,
  webhook: { timeoutMs: 15_000, allowPrivate: false },
  smtp: null,
  telegram: null,
  sms: null,
  subscriptions: [],
};

export const CENTER_DEFAULTS: CentersConfig = { darkAfterMs: 15 * 60_000, sweepMs: 10_000 };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Ctx {
  env: NodeJS.ProcessEnv;
  where: (keys: (string | number)[]) => string;
  problems: string[];
}

function durationOf(ctx: Ctx, keys: (string | number)[], v: unknown, dflt: number, allowZero = false): number {
  if (v === undefined) return dflt;
  const ms = typeof v === 'string' ? (v.trim() === '0' ? 0 : parseDuration(v)) : typeof v === 'number' ? v : null;
  if (ms === null || ms < 0 || (!allowZero && ms === 0)) {
    ctx.problems.push(`${ctx.where(keys)}: must be a duration like "30s", "15m" or "24h"${allowZero ? ' (or 0)' : ''}, not ${JSON.stringify(v)}.`);
    return dflt;
  }
  return ms;
}

function known(ctx: Ctx, keys: string[], obj: Obj, allowed: string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) ctx.problems.push(`${ctx.where([...keys, k])}: unknown key "${k}"; known keys are ${allowed.join(', ')}.`);
  }
}

function httpUrl(v: unknown): string | null {
  try {
    return typeof v === 'string' && ['http:', 'https:'].includes(new URL(v).protocol) ? v.replace(/\/$/, '') : null;
  } catch {
    return null;
  }
}

export function parseCentersSection(raw: unknown, ctx: Ctx): CentersConfig {
  if (raw === undefined || raw === null) return CENTER_DEFAULTS;
  if (!isObj(raw)) {
    ctx.problems.push(`${ctx.where(['centers'])}: must be a mapping of keys.`);
    return CENTER_DEFAULTS;
  }
  known(ctx, ['centers'], raw, ['dark_after', 'sweep_interval']);
  return {
    darkAfterMs: durationOf(ctx, ['centers', 'dark_after'], raw.dark_after, CENTER_DEFAULTS.darkAfterMs, true),
    sweepMs: durationOf(ctx, ['centers', 'sweep_interval'], raw.sweep_interval, CENTER_DEFAULTS.sweepMs),
  };
}

export function parseAlertsSection(raw: unknown, ctx: Ctx, telephonyConfigured: boolean): AlertsConfig {
  if (raw === undefined || raw === null) raw = {};
  if (!isObj(raw)) {
    ctx.problems.push(`${ctx.where(['alerts'])}: must be a mapping of keys.`);
    return ALERT_DEFAULTS;
  }
  const { env, where, problems } = ctx;
  known(ctx, ['alerts'], raw, ['board_url', 'reminder', 'retry', 'send_timeout', 'poll_interval', 'webhook', 'smtp', 'telegram', 'sms', 'subscriptions']);
  const D = ALERT_DEFAULTS;

  let boardUrl = env.REACHWATCH_BOARD_URL || env.REACHWATCH_PUBLIC_URL || null;
  if (raw.board_url !== undefined) {
    boardUrl = httpUrl(raw.board_url);
    if (!boardUrl) problems.push(`${where(['alerts', 'board_url'])}: must be the http(s) address where the board is published.`);
  }
  const reminder = durationOf(ctx, ['alerts', 'reminder'], raw.reminder, D.reminderMs as number, true);
  let retryScheduleMs = D.retryScheduleMs;
  if (raw.retry !== undefined) {
    if (!Array.isArray(raw.retry) || raw.retry.length === 0 || raw.retry.length > 30) {
      problems.push(`${where(['alerts', 'retry'])}: must be a list of 1 to 30 delays between tries, for example [5s, 5m, 30m, 2h].`);
    } else retryScheduleMs = raw.retry.map((v, i) => durationOf(ctx, ['alerts', 'retry', i], v, 60_000));
  }

  const webhookRaw = isObj(raw.webhook) ? raw.webhook : {};
  if (raw.webhook !== undefined && !isObj(raw.webhook)) problems.push(`${where(['alerts', 'webhook'])}: must be a mapping of keys.`);
  known(ctx, ['alerts', 'webhook'], webhookRaw, ['timeout', 'allow_private_addresses']);
  const allowPrivate = webhookRaw.allow_private_addresses ?? false;
  if (typeof allowPrivate !== 'boolean') problems.push(`${where(['alerts', 'webhook', 'allow_private_addresses'])}: must be true or false.`);

  let smtp: AlertsConfig['smtp'] = null;
  if (raw.smtp !== undefined && raw.smtp !== null) {
    const s = raw.smtp;
    if (!isObj(s)) problems.push(`${where(['alerts', 'smtp'])}: must be {host, port, from, ...}.`);
    else {
      known(ctx, ['alerts', 'smtp'], s, ['host', 'port', 'secure', 'user', 'from', 'require_tls', 'tls_reject_unauthorized']);
      if (typeof s.host !== 'string' || s.host === '') problems.push(`${where(['alerts', 'smtp', 'host'])}: the SMTP server's host name is required.`);
      const port = s.port ?? 587;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) problems.push(`${where(['alerts', 'smtp', 'port'])}: must be a port number.`);
      if (typeof s.from !== 'string' || !/@/.test(s.from)) problems.push(`${where(['alerts', 'smtp', 'from'])}: the sender address is required, for example "reachwatch <alerts@example.org>".`);
      for (const k of ['secure', 'require_tls', 'tls_reject_unauthorized']) {
        if (s[k] !== undefined && typeof s[k] !== 'boolean') problems.push(`${where(['alerts', 'smtp', k])}: must be true or false.`);
      }
      smtp = {
        host: String(s.host),
        port: typeof port === 'number' ? port : 587,
        secure: s.secure === true,
        user: typeof s.user === 'string' ? s.user : null,
        password: env.REACHWATCH_SMTP_PASSWORD || null,
        from: String(s.from),
        requireTls: s.require_tls === true,
        tlsRejectUnauthorized: s.tls_reject_unauthorized !== false,
      };
      if (smtp.user && !smtp.password) problems.push(`${where(['alerts', 'smtp', 'user'])}: an SMTP user is set, so REACHWATCH_SMTP_PASSWORD must be set in the environment.`);
    }
  }

  let telegram: AlertsConfig['telegram'] = null;
  const tg = isObj(raw.telegram) ? raw.telegram : {};
  if (raw.telegram !== undefined && !isObj(raw.telegram)) problems.push(`${where(['alerts', 'telegram'])}: must be {api_url}.`);
  known(ctx, ['alerts', 'telegram'], tg, ['api_url']);
  const tgUrl = env.REACHWATCH_TELEGRAM_API_URL || (tg.api_url as string | undefined) || 'https://api.telegram.org';
  if (!httpUrl(tgUrl)) problems.push(`REACHWATCH_TELEGRAM_API_URL / alerts.telegram.api_url: ${JSON.stringify(tgUrl)} is not an http(s) URL.`);
  if (env.REACHWATCH_TELEGRAM_BOT_TOKEN) telegram = { apiUrl: httpUrl(tgUrl) ?? 'https://api.telegram.org', token: env.REACHWATCH_TELEGRAM_BOT_TOKEN };

  let sms: AlertsConfig['sms'] = null;
  const smsRaw = isObj(raw.sms) ? raw.sms : {};
  known(ctx, ['alerts', 'sms'], smsRaw, ['from']);
  const smsFrom = env.REACHWATCH_SMS_FROM || (smsRaw.from as string | undefined) || env.REACHWATCH_TWILIO_FROM;
  if (telephonyConfigured && smsFrom) sms = { from: smsFrom };

  const subscriptions: ConfiguredSubscription[] = [];
  if (raw.subscriptions !== undefined && raw.subscriptions !== null) {
    if (!Array.isArray(raw.subscriptions)) problems.push(`${where(['alerts', 'subscriptions'])}: must be a list of subscriptions.`);
    else {
      const ids = new Set<string>();
      raw.subscriptions.forEach((s, i) => {
        const at = (field: string) => where(['alerts', 'subscriptions', i, field]);
        if (!isObj(s)) {
          problems.push(`${where(['alerts', 'subscriptions', i])}: must be a mapping with id, channel and a target.`);
          return;
        }
        const sub = parseSubscription(s, at, problems, { secretFromEnv: (n) => env[n] });
        if (!sub) return;
        if (ids.has(sub.id)) problems.push(`${at('id')}: the id "${sub.id}" is used twice.`);
        ids.add(sub.id);
        if (sub.channel === 'email' && !smtp) problems.push(`${at('channel')}: email subscriptions need alerts.smtp to be configured.`);
        if (sub.channel === 'telegram' && !telegram) problems.push(`${at('channel')}: Telegram subscriptions need REACHWATCH_TELEGRAM_BOT_TOKEN in the environment.`);
        if (sub.channel === 'sms' && !sms) problems.push(`${at('channel')}: SMS subscriptions need Twilio (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, REACHWATCH_TWILIO_FROM or REACHWATCH_SMS_FROM).`);
        subscriptions.push(sub);
      });
    }
  }

  return {
    boardUrl,
    reminderMs: reminder === 0 ? null : reminder,
    retryScheduleMs,
    sendTimeoutMs: durationOf(ctx, ['alerts', 'send_timeout'], raw.send_timeout, D.sendTimeoutMs),
    pollMs: durationOf(ctx, ['alerts', 'poll_interval'], raw.poll_interval, D.pollMs),
    webhook: { timeoutMs: durationOf(ctx, ['alerts', 'webhook', 'timeout'], webhookRaw.timeout, D.webhook.timeoutMs), allowPrivate: allowPrivate === true },
    smtp,
    telegram,
    sms,
    subscriptions,
  };
}

/** Parses an instant: ISO 8601 with an offset or Z, so a window never depends on the server's zone. */
export function parseInstant(v: unknown): number | null {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

export function parseMaintenanceSection(raw: unknown, ctx: Ctx): DeclaredWindow[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    ctx.problems.push(`${ctx.where(['maintenance'])}: must be a list of windows {center or region, from, to, reason}.`);
    return [];
  }
  const out: DeclaredWindow[] = [];
  raw.forEach((w, i) => {
    const at = (k: string) => ctx.where(['maintenance', i, k]);
    if (!isObj(w)) {
      ctx.problems.push(`${ctx.where(['maintenance', i])}: must be {center or region, from, to, reason}.`);
      return;
    }
    known(ctx, ['maintenance', String(i)], w, ['center', 'region', 'from', 'to', 'reason']);
    const center = typeof w.center === 'string' && w.center !== '' ? w.center : null;
    const region = typeof w.region === 'string' && w.region !== '' ? w.region : null;
    if ((center === null) === (region === null)) ctx.problems.push(`${at('center')}: a window names exactly one of center or region.`);
    const from = parseInstant(w.from);
    const to = parseInstant(w.to);
    if (from === null) ctx.problems.push(`${at('from')}: must be a date and time with its offset, for example "2026-12-31T00:00+06:00".`);
    if (to === null) ctx.problems.push(`${at('to')}: must be a date and time with its offset, for example "2027-01-03T00:00+06:00".`);
    if (from !== null && to !== null && to <= from) ctx.problems.push(`${at('to')}: must be after from.`);
    if (typeof w.reason !== 'string' || w.reason.trim() === '') ctx.problems.push(`${at('reason')}: say why (for example "New Year holidays"): it is shown in history.`);
    if (from !== null && to !== null && to > from && typeof w.reason === 'string' && w.reason.trim() && (center === null) !== (region === null)) {
      out.push({ centerId: center, region, startsAt: from, endsAt: to, reason: w.reason.trim() });
    }
  });
  return out;
}
