// Pure parts of alerting: retry timing, subscription filters and validation, and the rendered texts.

import { describe, expect, test } from 'vitest';
import { renderAlert, type AlertFacts } from '../../src/alerts/messages.ts';
import { DEFAULT_RETRY_SCHEDULE_MS, nextAttempt } from '../../src/alerts/retry.ts';
import { parseSubscription, subscriptionMatches, type Subscription } from '../../src/alerts/subscription.ts';

describe('nextAttempt', () => {
  const transient = { permanent: false, retryAfterMs: null };
  test('follows the Standard Webhooks schedule with ±20% jitter, then gives up', () => {
    expect(nextAttempt(1, DEFAULT_RETRY_SCHEDULE_MS, 0, transient, () => 0.5)).toEqual({ retry: true, at: 5000 });
    expect(nextAttempt(2, DEFAULT_RETRY_SCHEDULE_MS, 0, transient, () => 0)).toEqual({ retry: true, at: 240_000 });
    expect(nextAttempt(2, DEFAULT_RETRY_SCHEDULE_MS, 0, transient, () => 1)).toEqual({ retry: true, at: 360_000 });
    expect(nextAttempt(10, DEFAULT_RETRY_SCHEDULE_MS, 0, transient)).toEqual({ retry: false, why: 'exhausted' });
  });
  test('a permanent error is never retried', () => {
    expect(nextAttempt(1, DEFAULT_RETRY_SCHEDULE_MS, 0, { permanent: true, retryAfterMs: null })).toEqual({ retry: false, why: 'permanent' });
  });
  test("a receiver's Retry-After is honoured (capped at a day)", () => {
    expect(nextAttempt(3, DEFAULT_RETRY_SCHEDULE_MS, 100, { permanent: false, retryAfterMs: 7000 })).toEqual({ retry: true, at: 7100 });
    expect(nextAttempt(1, DEFAULT_RETRY_SCHEDULE_MS, 0, { permanent: false, retryAfterMs: 10 * 86_400_000 })).toEqual({ retry: true, at: 86_400_000 });
  });
});

describe('subscriptions', () => {
  const parse = (raw: Record<string, unknown>) => {
    const problems: string[] = [];
    const sub = parseSubscription(raw, (f) => `alerts.subscriptions.0.${f}`, problems, { secretFromEnv: (n) => (n === 'SECRET' ? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' : undefined) });
    return { sub, problems };
  };
  test('a valid subscription of each channel parses, with defaults', () => {
    expect(parse({ id: 'a', channel: 'email', to: 'ngo@example.kz' }).sub).toMatchObject({ language: 'ru', target: { kind: 'email', to: ['ngo@example.kz'] } });
    expect(parse({ id: 'b', channel: 'sms', to: '+77011234567', language: 'kk' }).sub?.target).toEqual({ kind: 'sms', to: '+77011234567' });
    expect(parse({ id: 'c', channel: 'telegram', chat_id: -1001234 }).sub?.target).toEqual({ kind: 'telegram', chatId: '-1001234' });
    expect(parse({ id: 'd', channel: 'webhook', url: 'https://ngo.example.kz/h', secret_env: 'SECRET' }).sub?.target).toMatchObject({ kind: 'webhook' });
  });
  test('each mistake is named with its field', () => {
    expect(parse({ id: 'Bad Id', channel: 'fax' }).problems).toEqual([
      'alerts.subscriptions.0.id: must be a short id of lowercase letters, digits, - and _ (for example ngo-almaty).',
      'alerts.subscriptions.0.channel: must be one of webhook, email, sms, telegram.',
    ]);
    expect(parse({ id: 'a', channel: 'sms', to: '8 701 123 45 67' }).problems[0]).toMatch(/^alerts\.subscriptions\.0\.to: .*E\.164/);
    expect(parse({ id: 'a', channel: 'webhook', url: 'https://x.kz', secret_env: 'NOPE' }).problems[0]).toMatch(/NOPE, which is not set/);
    expect(parse({ id: 'a', channel: 'email', to: 'x@y.kz', events: ['went_dark', 'exploded'] }).problems[0]).toMatch(/unknown event "exploded"/);
    expect(parse({ id: 'a', channel: 'email', to: 'x@y.kz', colour: 'red' }).problems[0]).toMatch(/unknown key "colour"/);
  });
  test('filters: centers, regions and kinds narrow; self_check goes only to those who asked for it', () => {
    const base = parse({ id: 'a', channel: 'email', to: 'x@y.kz', regions: ['Almaty'] }).sub as Omit<Subscription, 'source' | 'createdBy' | 'createdAt' | 'disabledAt'>;
    const sub: Subscription = { ...base, source: 'config', createdBy: 'config', createdAt: 0, disabledAt: null };
    const almaty = { id: 'x', name: 'X', kind: 'rehabilitation_center', region: 'Almaty', city: null, tz: 'Asia/Almaty' };
    expect(subscriptionMatches(sub, 'went_dark', almaty)).toBe(true);
    expect(subscriptionMatches(sub, 'went_dark', { ...almaty, region: 'Astana' })).toBe(false);
    expect(subscriptionMatches(sub, 'self_check', null)).toBe(false);
    expect(subscriptionMatches({ ...sub, filters: { ...sub.filters, events: ['self_check'] } }, 'self_check', null)).toBe(true);
    expect(subscriptionMatches({ ...sub, disabledAt: 1 }, 'went_dark', almaty)).toBe(false);
  });
});

describe('renderAlert', () => {
  const facts: AlertFacts = {
    event: 'went_dark',
    at: Date.UTC(2026, 2, 5, 6, 0),
    center: { id: 'perspective-almaty', name: 'Перспектива', kind: 'rehabilitation_center', region: 'Алматы', city: 'Алматы', tz: 'Asia/Almaty' },
    status: 'dark',
    since: Date.UTC(2026, 2, 5, 4, 30),
    incidentId: 7,
    channels: [{ id: 'p--phone-1', type: 'phone', value: '+7 727 261 95 80', status: 'unavailable', since: Date.UTC(2026, 2, 4, 4, 0), reason: 'sip_404' }],
    evidence: [{ channelId: 'p--phone-1', at: Date.UTC(2026, 2, 4, 4, 0), reason: 'sip_404', detail: 'The network said the number does not exist (SIP 404).' }],
    boardUrl: 'https://board.example.kz/',
  };
  test.each([
    ['ru', 'Недоступен: Перспектива', 'Регион: Алматы', 'недоступен'],
    ['kk', 'Қолжетімсіз: Перспектива', 'Өңір: Алматы', 'қолжетімсіз'],
    ['en', 'Dark: Перспектива', 'Region: Алматы', 'unavailable'],
  ] as const)('%s: center, region, channels, since, evidence and the link', (lang, subject, region, word) => {
    const m = renderAlert(facts, lang);
    expect(m.subject).toBe(subject);
    expect(m.text).toContain(region);
    expect(m.text).toContain(word);
    expect(m.text).toContain('+7 727 261 95 80');
    expect(m.text).toContain('SIP 404');
    expect(m.text).toContain('https://board.example.kz/centers/perspective-almaty');
    // Local time of the center (Asia/Almaty is UTC+5 since 2024): 04:30 UTC is 09:30 there.
    expect(m.text).toMatch(/09:30/);
    expect(m.short.length).toBeLessThan(160);
    expect(m.html).toContain('<a href="https://board.example.kz/centers/perspective-almaty">');
    expect(m.data).toMatchObject({ center: { id: 'perspective-almaty' }, status: 'dark', incident_id: 7 });
  });
  test('HTML for Telegram is escaped', () => {
    const m = renderAlert({ ...facts, center: { ...facts.center!, name: '<b>x</b> & y' } }, 'en');
    expect(m.html).toContain('&lt;b&gt;x&lt;/b&gt; &amp; y');
  });
});
