// Alert texts in the subscriber's language, rendered once when the alert is queued, so a message says
// what was true when it was raised even if it is delivered hours later. Pure: facts in, text out.

import type { ChannelStatus } from '../domain.ts';
import type { CenterStatus } from '../status/center.ts';
import type { AlertEvent, AlertMessage, Language } from './channel.ts';
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
  boardUrl: string | null;
}

type Dict = {
  locale: string;
  center: Record<CenterStatus, string>;
  channel: Record<ChannelStatus, string>;
  type: Record<string, string>;
  subject: Record<AlertEvent, (name: string) => string>;
  headline: Record<AlertEvent, (name: string) => string>;
  region: string;
  since: string;
  channels: string;
  evidence: string;
  board: string;
  certExpires: string;
  afterMaintenance: string;
  selfCheck: { degraded: string; ok: string; why: string; noCenterAlerts: string };
};

const RU: Dict = {
  locale: 'ru-RU',
  center: { reachable: 'доступен', partial: 'доступен частично', dark: 'недоступен', unknown: 'нет данных', opted_out: 'отказался от звонков' },
  channel: {
    reachable: 'отвечает', no_answer: 'не отвечает', busy: 'занято', unavailable: 'недоступен', wrong_number: 'номер принадлежит другим людям',
    closed: 'закрыт', redirected: 'перенаправляет в другое место', callback_requested: 'просят перезвонить', voicemail: 'автоответчик',
    inconclusive: 'не удалось проверить', unknown: 'ещё не проверен', not_probed: 'не проверяется', opted_out: 'просили не звонить',
  },
  type: { phone: 'Телефон', website: 'Сайт' },
  subject: {
    went_dark: (n) => `Недоступен: ${n}`,
    partly_reachable: (n) => `Доступен частично: ${n}`,
    recovered: (n) => `Снова доступен: ${n}`,
    still_dark: (n) => `Всё ещё недоступен: ${n}`,
    channel_closed: (n) => `Номер или сайт закрыт: ${n}`,
    cert_expiring: (n) => `Истекает сертификат сайта: ${n}`,
    self_check: () => 'reachwatch: сбой самопроверки',
  },
  headline: {
    went_dark: (n) => `Центр «${n}» недоступен: ни по одному из указанных контактов дозвониться или зайти нельзя.`,
    partly_reachable: (n) => `Центр «${n}» доступен лишь частично: часть контактов не работает.`,
    recovered: (n) => `Центр «${n}» снова доступен.`,
    still_dark: (n) => `Центр «${n}» по-прежнему недоступен.`,
    channel_closed: (n) => `У центра «${n}» контакт больше не принадлежит центру или закрыт.`,
    cert_expiring: (n) => `У сайта центра «${n}» скоро истекает сертификат.`,
    self_check: () => 'reachwatch не может надёжно проверять центры.',
  },
  region: 'Регион',
  since: 'С',
  channels: 'Контакты',
  evidence: 'Доказательства',
  board: 'Страница центра',
  certExpires: 'Сертификат действителен до',
  afterMaintenance: 'Плановое окно обслуживания закончилось, а центр всё ещё недоступен.',
  selfCheck: {
    degraded: 'reachwatch в режиме сбоя: статусы центров заморожены, оповещения НКО не отправляются.',
    ok: 'reachwatch снова работает нормально: статусы центров обновляются.',
    why: 'Причины',
    noCenterAlerts: 'Ошибки этого периода записаны как наши, а не как недоступность центров.',
  },
};

const KK: Dict = {
  locale: 'kk-KZ',
  center: { reachable: 'қолжетімді', partial: 'ішінара қолжетімді', dark: 'қолжетімсіз', unknown: 'дерек жоқ', opted_out: 'қоңыраудан бас тартты' },
  channel: {
    reachable: 'жауап береді', no_answer: 'жауап бермейді', busy: 'бос емес', unavailable: 'қолжетімсіз', wrong_number: 'нөмір басқа адамдарға тиесілі',
    closed: 'жабық', redirected: 'басқа жерге жібереді', callback_requested: 'қайта қоңырау шалуды сұрайды', voicemail: 'автожауапбергіш',
    inconclusive: 'тексеру мүмкін болмады', unknown: 'әлі тексерілмеген', not_probed: 'тексерілмейді', opted_out: 'қоңырау шалмауды сұрады',
  },
  type: { phone: 'Телефон', website: 'Сайт' },
  subject: {
    went_dark: (n) => `Қолжетімсіз: ${n}`,
    partly_reachable: (n) => `Ішінара қолжетімді: ${n}`,
    recovered: (n) => `Қайта қолжетімді: ${n}`,
    still_dark: (n) => `Әлі де қолжетімсіз: ${n}`,
    channel_closed: (n) => `Нөмір немесе сайт жабық: ${n}`,
    cert_expiring: (n) => `Сайт сертификатының мерзімі бітуде: ${n}`,
    self_check: () => 'reachwatch: өзін-өзі тексеру ақауы',
  },
  headline: {
    went_dark: (n) => `«${n}» орталығы қолжетімсіз: көрсетілген байланыстардың ешқайсысы жұмыс істемейді.`,
    partly_reachable: (n) => `«${n}» орталығы ішінара ғана қолжетімді: кейбір байланыстар жұмыс істемейді.`,
    recovered: (n) => `«${n}» орталығы қайта қолжетімді.`,
    still_dark: (n) => `«${n}» орталығы әлі де қолжетімсіз.`,
    channel_closed: (n) => `«${n}» орталығының байланысы енді орталыққа тиесілі емес немесе жабық.`,
    cert_expiring: (n) => `«${n}» орталығы сайтының сертификаты жақында бітеді.`,
    self_check: () => 'reachwatch орталықтарды сенімді тексере алмайды.',
  },
  region: 'Өңір',
  since: 'Бастап',
  channels: 'Байланыстар',
  evidence: 'Дәлелдер',
  board: 'Орталық беті',
  certExpires: 'Сертификат мерзімі',
  afterMaintenance: 'Жоспарлы қызмет көрсету уақыты аяқталды, ал орталық әлі де қолжетімсіз.',
  selfCheck: {
    degraded: 'reachwatch ақау режимінде: орталықтардың мәртебесі тоқтатылды, ҮЕҰ-ға хабарлама жіберілмейді.',
    ok: 'reachwatch қайтадан қалыпты жұмыс істейді: орталықтардың мәртебесі жаңартылады.',
    why: 'Себептері',
    noCenterAlerts: 'Бұл кезеңнің қателері орталықтардың емес, біздің қателеріміз ретінде жазылды.',
  },
};

const EN: Dict = {
  locale: 'en-GB',
  center: { reachable: 'reachable', partial: 'partly reachable', dark: 'dark', unknown: 'no data', opted_out: 'opted out of calls' },
  channel: {
    reachable: 'answers', no_answer: 'no answer', busy: 'busy', unavailable: 'unavailable', wrong_number: 'belongs to someone else',
    closed: 'closed', redirected: 'sends callers elsewhere', callback_requested: 'asked to call back', voicemail: 'voicemail',
    inconclusive: 'could not be checked', unknown: 'not checked yet', not_probed: 'not probed', opted_out: 'asked not to be called',
  },
  type: { phone: 'Phone', website: 'Website' },
  subject: {
    went_dark: (n) => `Dark: ${n}`,
    partly_reachable: (n) => `Partly reachable: ${n}`,
    recovered: (n) => `Reachable again: ${n}`,
    still_dark: (n) => `Still dark: ${n}`,
    channel_closed: (n) => `Number or site closed: ${n}`,
    cert_expiring: (n) => `Website certificate expiring: ${n}`,
    self_check: () => 'reachwatch: self-check failed',
  },
  headline: {
    went_dark: (n) => `${n} has gone dark: none of its listed contacts can be reached.`,
    partly_reachable: (n) => `${n} is only partly reachable: some of its listed contacts do not work.`,
    recovered: (n) => `${n} is reachable again.`,
    still_dark: (n) => `${n} is still dark.`,
    channel_closed: (n) => `A listed contact of ${n} no longer belongs to the center or is closed.`,
    cert_expiring: (n) => `The website certificate of ${n} expires soon.`,
    self_check: () => 'reachwatch cannot check centers reliably.',
  },
  region: 'Region',
  since: 'Since',
  channels: 'Contacts',
  evidence: 'Evidence',
  board: 'Center page',
  certExpires: 'Certificate valid until',
  afterMaintenance: 'The planned maintenance window has ended and the center is still dark.',
  selfCheck: {
    degraded: 'reachwatch is degraded: center statuses are frozen and no NGO alerts are sent.',
    ok: 'reachwatch works normally again: center statuses are updated again.',
    why: 'Reasons',
    noCenterAlerts: 'Failures in this period are recorded as ours, not as centers being unreachable.',
  },
};

export const DICTIONARIES: Record<Language, Dict> = { ru: RU, kk: KK, en: EN };

function when(d: Dict, at: number, tz: string): string {
  return new Intl.DateTimeFormat(d.locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz, timeZoneName: 'short' }).format(at);
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function centerPageUrl(boardUrl: string | null, centerId: string): string | null {
  return boardUrl ? `${boardUrl.replace(/\/$/, '')}/centers/${encodeURIComponent(centerId)}` : null;
}

export function renderAlert(f: AlertFacts, lang: Language): Omit<AlertMessage, 'id' | 'createdAt'> {
  const d = DICTIONARIES[lang];
  const tz = f.center?.tz ?? 'UTC';
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
      const since = ch.since !== null ? ` (${d.since.toLowerCase()} ${when(d, ch.since, tz)})` : '';
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
  const short = [subject, f.since !== undefined ? `${d.since.toLowerCase()} ${when(d, f.since, tz)}` : null, link].filter(Boolean).join('. ');
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
