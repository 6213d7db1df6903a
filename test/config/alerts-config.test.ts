// The alerts, centers and maintenance sections fail with a sentence naming the file, line and key,
// and the shipped config file loads as documented.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from '../../src/config/config.ts';
import { tempDir } from '../helpers/tmp.ts';

const t = tempDir();
afterAll(t.remove);

function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  const file = path.join(t.dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  try {
    loadConfig(env, file);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => p.replace(file, 'FILE'));
    throw err;
  }
  return [];
}

test('the shipped config file loads, with alerts off until subscriptions are added', () => {
  const c = loadConfig({}, DEFAULT_CONFIG_FILE);
  expect(c.alerts.subscriptions).toEqual([]);
  expect(c.centers.darkAfterMs).toBe(15 * 60_000);
  expect(c.alerts.reminderMs).toBe(86_400_000);
});

test('subscriptions: each problem names the line and the field', () => {
  const problems = problemsOf(`alerts:
  subscriptions:
    - id: ngo
      channel: email
      to: duty@ngo.kz
    - id: ngo
      channel: pigeon
    - id: hook
      channel: webhook
      url: ftp://x
      secret_env: MISSING
    - id: tg
      channel: telegram
      chat_id: "-100"
`);
  expect(problems).toEqual([
    'FILE:4 alerts.subscriptions.0.channel: email subscriptions need alerts.smtp to be configured.',
    'FILE:7 alerts.subscriptions.1.channel: must be one of webhook, email, sms, telegram.',
    'FILE:10 alerts.subscriptions.2.url: a webhook needs an http(s) url.',
    'FILE:11 alerts.subscriptions.2.secret_env: names the environment variable MISSING, which is not set.',
    'FILE:13 alerts.subscriptions.3.channel: Telegram subscriptions need REACHWATCH_TELEGRAM_BOT_TOKEN in the environment.',
  ]);
});

test('channels are enabled by their settings: SMTP and its password, the Telegram token, Twilio', () => {
  expect(problemsOf(`alerts:\n  smtp: {host: 127.0.0.1, port: 2525, user: me, from: "r <r@x.kz>"}\n`)).toEqual([
    'FILE:2 alerts.smtp.user: an SMTP user is set, so REACHWATCH_SMTP_PASSWORD must be set in the environment.',
  ]);
  const c = loadConfig(
    { REACHWATCH_TELEGRAM_BOT_TOKEN: '1:x', REACHWATCH_TELEGRAM_API_URL: 'http://127.0.0.1:9/', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', REACHWATCH_TWILIO_FROM: '+15005550006' },
    (() => {
      const f = path.join(t.dir, 'ok.yaml');
      writeFileSync(f, `alerts:\n  subscriptions:\n    - {id: tg, channel: telegram, chat_id: 42}\n    - {id: sms, channel: sms, to: "+77011234567", language: kk}\n`);
      return f;
    })(),
  );
  expect(c.alerts.telegram).toEqual({ apiUrl: 'http://127.0.0.1:9', token: '1:x' });
  expect(c.alerts.sms).toEqual({ from: '+15005550006' });
  expect(c.alerts.subscriptions.map((s) => s.target)).toEqual([{ kind: 'telegram', chatId: '42' }, { kind: 'sms', to: '+77011234567' }]);
});

test('maintenance windows and center rules', () => {
  expect(
    problemsOf(`centers:
  dark_after: soon
maintenance:
  - {center: a, region: b, from: "2026-12-31T00:00+06:00", to: "2027-01-03T00:00+06:00", reason: x}
  - {center: a, from: "2026-12-31", to: "2027-01-03T00:00+06:00", reason: x}
  - {center: a, from: "2027-01-03T00:00+06:00", to: "2026-12-31T00:00+06:00"}
`),
  ).toEqual([
    'FILE:2 centers.dark_after: must be a duration like "30s", "15m" or "24h" (or 0), not "soon".',
    'FILE:4 maintenance.0.center: a window names exactly one of center or region.',
    'FILE:5 maintenance.1.from: must be a date and time with its offset, for example "2026-12-31T00:00+06:00".',
    'FILE:6 maintenance.2.to: must be after from.',
    'FILE:6 maintenance.2.reason: say why (for example "New Year holidays"): it is shown in history.',
  ]);
});
