// The `alerts`, `centers` and `maintenance` sections of the config file. Each validates itself and
// fails with a sentence naming the file, line and key. Secrets come from the environment only (read
// in src/config/env.ts and handed in through the context).

import { parseDuration } from '../scheduler/schedule.ts';
import { isObj, knownKeys, showDuration, showValue, type Obj, type SectionContext, type SectionDoc } from '../config/section.ts';
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
export const TELEGRAM_API_DEFAULT = 'https://api.telegram.org';
export const SMTP_PORT_DEFAULT = 587;

type Ctx = Pick<SectionContext, 'env' | 'where' | 'problems'>;

const A = ALERT_DEFAULTS;
export const ALERTS_DOC: SectionDoc = {
  section: 'alerts',
  about: 'Alerts to NGOs and the operator, sent through a durable outbox. Secrets come from the environment only.',
  keys: [
    { key: 'board_url', default: 'REACHWATCH_BOARD_URL, else REACHWATCH_PUBLIC_URL, else none', meaning: 'The http(s) address where the board is published; alerts link to the center\'s page there.' },
    { key: 'reminder', default: showDuration(A.reminderMs), meaning: '"Still dark" reminders this often; 0: never.' },
    { key: 'retry', default: showValue(A.retryScheduleMs.map(showDuration)), meaning: 'Delays between tries of one alert, 1 to 30 of them.' },
    { key: 'send_timeout', default: showDuration(A.sendTimeoutMs), meaning: 'Longest one delivery attempt may take.' },
    { key: 'poll_interval', default: showDuration(A.pollMs), meaning: 'How often the outbox is looked at for alerts due.' },
    { key: 'webhook.timeout', default: showDuration(A.webhook.timeoutMs), meaning: 'Longest a webhook delivery may take.' },
    { key: 'webhook.allow_private_addresses', default: showValue(A.webhook.allowPrivate), meaning: 'Allow webhook receivers on loopback, private and link-local addresses (refused by default against SSRF).' },
    { key: 'smtp.host', default: 'none (no email)', meaning: 'The SMTP server; required when smtp is set.' },
    { key: 'smtp.port', default: String(SMTP_PORT_DEFAULT), meaning: 'The SMTP port.' },
    { key: 'smtp.secure', default: 'false', meaning: 'TLS from the first byte (port 465).' },
    { key: 'smtp.user', default: 'none', meaning: 'The SMTP user; its password is REACHWATCH_SMTP_PASSWORD.' },
    { key: 'smtp.from', default: 'none', meaning: 'The sender address, for example "reachwatch <alerts@example.org>"; required.' },
    { key: 'smtp.require_tls', default: 'false', meaning: 'Refuse to send without STARTTLS.' },
    { key: 'smtp.tls_reject_unauthorized', default: 'true', meaning: 'Check the server\'s certificate.' },
    { key: 'telegram.api_url', default: TELEGRAM_API_DEFAULT, meaning: 'The Telegram Bot API server; the bot token is REACHWATCH_TELEGRAM_BOT_TOKEN.', env: 'REACHWATCH_TELEGRAM_API_URL' },
    { key: 'sms.from', default: 'REACHWATCH_TWILIO_FROM', meaning: 'The sender of SMS alerts (sent through Twilio).', env: 'REACHWATCH_SMS_FROM' },
    { key: 'subscriptions', default: showValue(A.subscriptions), meaning: 'Who is told what: a list of {id, channel (webhook, email, telegram, sms), target (url, to, chat_id), secret or secret_env, language, centers, regions, kinds, events}.' },
  ],
};

export const CENTERS_DOC: SectionDoc = {
  section: 'centers',
  about: 'When a center counts as dark.',
  keys: [
    { key: 'dark_after', default: showDuration(CENTER_DEFAULTS.darkAfterMs), meaning: 'Every channel confirmed down this long before a center is dark (0: at once).' },
    { key: 'sweep_interval', default: showDuration(CENTER_DEFAULTS.sweepMs), meaning: 'How often time-driven changes (grace periods, reminders, window ends) are looked for.' },
  ],
};

export const MAINTENANCE_DOC: SectionDoc = {
  section: 'maintenance',
  about: 'Declared maintenance windows (more can be declared through the API).',
  keys: [{ key: '', default: '[]', meaning: 'A list of {center or region, from, to, reason}; from and to are ISO 8601 with an offset, such as "2026-12-31T00:00+06:00"; the reason is shown in history.' }],
};

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
  known(ctx, ['centers'], raw, knownKeys(CENTERS_DOC));
  return {
    darkAfterMs: durationOf(ctx, ['centers', 'dark_after'], raw.dark_after, CENTER_DEFAULTS.darkAfterMs, true),
    sweepMs: durationOf(ctx, ['centers', 'sweep_interval'], raw.sweep_interval, CENTER_DEFAULTS.sweepMs),
  };
}

export function parseAlertsSection(raw: unknown, ctx: Ctx): AlertsConfig {
  if (raw === undefined || raw === null) raw = {};
  if (!isObj(raw)) {
    ctx.problems.push(`${ctx.where(['alerts'])}: must be a mapping of keys.`);
    return ALERT_DEFAULTS;
  }
  const { env, where, problems } = ctx;
  known(ctx, ['alerts'], raw, knownKeys(ALERTS_DOC));
  const D = ALERT_DEFAULTS;

  let boardUrl = env.boardUrl || env.publicUrl || null;
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
      const port = s.port ?? SMTP_PORT_DEFAULT;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) problems.push(`${where(['alerts', 'smtp', 'port'])}: must be a port number.`);
      if (typeof s.from !== 'string' || !/@/.test(s.from)) problems.push(`${where(['alerts', 'smtp', 'from'])}: the sender address is required, for example "reachwatch <alerts@example.org>".`);
      for (const k of ['secure', 'require_tls', 'tls_reject_unauthorized']) {
        if (s[k] !== undefined && typeof s[k] !== 'boolean') problems.push(`${where(['alerts', 'smtp', k])}: must be true or false.`);
      }
      smtp = {
        host: String(s.host),
        port: typeof port === 'number' ? port : SMTP_PORT_DEFAULT,
        secure: s.secure === true,
        user: typeof s.user === 'string' ? s.user : null,
        password: env.smtpPassword || null,
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
  const tgUrl = env.telegramApiUrl || (tg.api_url as string | undefined) || TELEGRAM_API_DEFAULT;
  if (!httpUrl(tgUrl)) problems.push(`REACHWATCH_TELEGRAM_API_URL / alerts.telegram.api_url: ${JSON.stringify(tgUrl)} is not an http(s) URL.`);
  if (env.telegramBotToken) telegram = { apiUrl: httpUrl(tgUrl) ?? TELEGRAM_API_DEFAULT, token: env.telegramBotToken };

  let sms: AlertsConfig['sms'] = null;
  const smsRaw = isObj(raw.sms) ? raw.sms : {};
  known(ctx, ['alerts', 'sms'], smsRaw, ['from']);
  const smsFrom = env.smsFrom || (smsRaw.from as string | undefined) || env.twilio.from;
  // SMS goes through Twilio, so it needs the account even where calls are not configured.
  const twilioAccount = Boolean(env.twilio.accountSid && env.twilio.authToken);
  if (twilioAccount && smsFrom) sms = { from: smsFrom };

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
        const sub = parseSubscription(s, at, problems, { secretFromEnv: (n) => env.secret(n) });
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
