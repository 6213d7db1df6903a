// Alert texts in the subscriber's language, rendered once when the alert is queued, so a message says
// what was true when it was raised even if it is delivered hours later. Pure: facts in, text out. The
// words themselves live in src/i18n/alerts.ts.

import type { ChannelStatus } from '../domain.ts';
import type { CenterStatus } from '../status/center.ts';
import { ALERT_WORDS, type AlertWords } from '../i18n/alerts.ts';
import type { Language } from '../i18n/languages.ts';
import type { AlertEvent, AlertMessage } from './channel.ts';
import type { CenterFacts } from './subscription.ts';

export interface ChannelFacts {
  id: string;
  type: string;
  value: string;
  status: ChannelStatus;
  since: number | null;
  reason: string | null;
}

export interface EvidenceFacts {
  channelId: string;
  at: number;
  reason: string;
  detail: string;
}

export interface AlertFacts {
  event: AlertEvent;
  at: number;
  center: CenterFacts | null;
  /** For center events: the new status and since when. */
  status?: CenterStatus;
  since?: number;
  incidentId?: number;
  /** The center's channels (center events) or the one channel concerned (channel events). */
  channels: ChannelFacts[];
  /** The probes that confirmed the change. */
  evidence: EvidenceFacts[];
  certExpiresAt?: number;
  /** Raised when a maintenance window ended with the center still dark. */
  afterMaintenance?: boolean;
  selfCheck?: { degraded: boolean; since: number; reasons: { check: string; detail: string }[] };
  /** An agent of a vantage point went stale or was heard again (event self_check: operators only). */
  agent?: { state: 'stale' | 'back'; id: string; name: string; vantage: string; lastSeenAt: number | null };
  boardUrl: string | null;
}

function when(d: AlertWords, at: number, tz: string): string {
  return new Intl.DateTimeFormat(d.locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz, timeZoneName: 'short' }).format(at);
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function centerPageUrl(boardUrl: string | null, centerId: string): string | null {
  return boardUrl ? `${boardUrl.replace(/\/$/, '')}/centers/${encodeURIComponent(centerId)}` : null;
}

export function renderAlert(f: AlertFacts, lang: Language): Omit<AlertMessage, 'id' | 'createdAt'> {
  const d = ALERT_WORDS[lang];
  const tz = f.center?.tz ?? 'UTC';
  if (f.event === 'self_check' && f.agent) {
    const a = f.agent;
    const subject = a.state === 'stale' ? d.agent.staleSubject(a.name) : d.agent.backSubject(a.name);
    const lines = [
      a.state === 'stale' ? d.agent.stale(a.name, a.vantage) : d.agent.back(a.name, a.vantage),
      `${d.since}: ${when(d, f.at, tz)}`,
      `${d.agent.lastSeen}: ${a.lastSeenAt === null ? d.agent.never : when(d, a.lastSeenAt, tz)}`,
      d.agent.noCenterAlerts,
    ];
    return {
      event: 'self_check',
      subject,
      text: lines.join('\n'),
      short: subject.slice(0, 300),
      html: `<b>${escapeHtml(subject)}</b>\n${escapeHtml(lines.join('\n'))}`,
      data: {
        agent: { id: a.id, name: a.name, vantage: a.vantage, state: a.state, last_seen_at: a.lastSeenAt === null ? null : new Date(a.lastSeenAt).toISOString() },
        since: new Date(f.at).toISOString(),
      },
    };
  }
  if (f.event === 'self_check' || !f.center) {
    const s = f.selfCheck ?? { degraded: true, since: f.at, reasons: [] };
    const subject = s.degraded ? d.subject.self_check('') : `reachwatch: OK`;
    const lines = [s.degraded ? d.selfCheck.degraded : d.selfCheck.ok, `${d.since}: ${when(d, s.since, tz)}`];
    if (s.reasons.length) lines.push(`${d.selfCheck.why}:`, ...s.reasons.map((r) => `- ${r.check}: ${r.detail}`));
    if (s.degraded) lines.push(d.selfCheck.noCenterAlerts);
    const text = lines.join('\n');
    return {
      event: 'self_check',
      subject,
      text,
      short: `${subject}. ${s.reasons.map((r) => r.check).join(', ')}`.slice(0, 300),
      html: `<b>${escapeHtml(subject)}</b>\n${escapeHtml(lines.slice(0).join('\n'))}`,
      data: { degraded: s.degraded, since: new Date(s.since).toISOString(), reasons: s.reasons },
    };
  }
  const c = f.center;
  const subject = d.subject[f.event](c.name);
  const headline = d.headline[f.event](c.name);
  const link = centerPageUrl(f.boardUrl, c.id);
  const place = [c.region, c.city].filter(Boolean).join(', ');
  const lines: string[] = [headline];
  if (f.afterMaintenance) lines.push(d.afterMaintenance);
  if (place) lines.push(`${d.region}: ${place}`);
  if (f.since !== undefined) lines.push(`${d.since}: ${when(d, f.since, tz)}`);
  if (f.certExpiresAt !== undefined) lines.push(`${d.certExpires}: ${when(d, f.certExpiresAt, tz)}`);
  if (f.channels.length) {
    lines.push('', `${d.channels}:`);
    for (const ch of f.channels) {
      const since = ch.since !== null ? ` (${d.sinceWhen(when(d, ch.since, tz))})` : '';
      lines.push(`- ${d.type[ch.type] ?? ch.type} ${ch.value}: ${d.channel[ch.status]}${since}`);
    }
  }
  if (f.evidence.length) {
    lines.push('', `${d.evidence}:`);
    for (const e of f.evidence) lines.push(`- ${when(d, e.at, tz)} ${e.channelId}: ${e.detail}`);
  }
  if (link) lines.push('', `${d.board}: ${link}`);
  const text = lines.join('\n');
  // SMS: headline-sized. Cyrillic is UCS-2 (70 characters a segment), so the link carries the detail.
  const short = [subject, f.since !== undefined ? d.sinceWhen(when(d, f.since, tz)) : null, link].filter(Boolean).join('. ');
  const html = [`<b>${escapeHtml(subject)}</b>`, escapeHtml((link ? lines.slice(0, -2) : lines).join('\n')), link ? `<a href="${escapeHtml(link)}">${escapeHtml(d.board)}</a>` : '']
    .filter(Boolean)
    .join('\n');
  return {
    event: f.event,
    subject,
    text,
    short,
    html,
    data: {
      center: { id: c.id, name: c.name, kind: c.kind, region: c.region, city: c.city },
      ...(f.status ? { status: f.status } : {}),
      ...(f.since !== undefined ? { since: new Date(f.since).toISOString() } : {}),
      ...(f.incidentId !== undefined ? { incident_id: f.incidentId } : {}),
      ...(f.afterMaintenance ? { after_maintenance: true } : {}),
      ...(f.certExpiresAt !== undefined ? { cert_expires_at: new Date(f.certExpiresAt).toISOString() } : {}),
      channels: f.channels.map((ch) => ({ id: ch.id, type: ch.type, value: ch.value, status: ch.status, since: ch.since === null ? null : new Date(ch.since).toISOString(), reason: ch.reason })),
      evidence: f.evidence.map((e) => ({ channel_id: e.channelId, at: new Date(e.at).toISOString(), reason: e.reason, detail: e.detail })),
      ...(link ? { center_url: link } : {}),
    },
  };
}
