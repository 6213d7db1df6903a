// The simulated world the demo's reachwatch probes: the centers' websites on one loopback server,
// their phones on the local Twilio-protocol server, and a mail catcher for the NGO's alerts. These
// are the simulators the tests use (simulators/), so the demo exercises what the tests do. Short codes
// such as 114 are dialled through a SIP line: SIPp (simulators/sip/) playing, as early media, the
// special information tones and «Номер недоступен», then 480, as the researcher heard 114 in 2018.

import { page, reset, startSite, type LoopbackSite } from '../simulators/sites.ts';
import { startSmtpServer, type SmtpTestServer } from '../simulators/receivers/smtp.ts';
import { startFakeTwilio, type FakeTwilio } from '../simulators/twilio/fake-twilio.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { calleeAudio, startCallee, type Callee } from '../simulators/sip/callee.ts';
import type { SimulatedChannel } from './simulation.ts';

export const DEMO_ACCOUNT = 'AC' + 'de70'.repeat(8);
export const DEMO_AUTH_TOKEN = 'demo-auth-token-not-a-secret';
export const DEMO_CALLER_ID = '+15005550006';
/** The canary the daemon checks before blaming a center: a loopback page that always answers. */
export const CANARY_HOST = 'canary.reachwatch.demo';

export interface World {
  site: LoopbackSite;
  twilio: FakeTwilio;
  smtp: SmtpTestServer;
  /** The SIP line short codes are dialled through (sip.proxy), or null when no channel needs one. */
  line: Callee | null;
  close(): Promise<void>;
}

const run = promisify(execFile);

/** SIPp answering every call with 183, the tones and «Номер недоступен» as early media, then 480 (Q.850 20). */
async function startLine(): Promise<{ line: Callee; remove: () => void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'reachwatch-demo-line-'));
  const audio = await calleeAudio(dir);
  const unavailable = path.join(dir, 'number-unavailable.wav');
  const raw = `${unavailable}.espeak.wav`;
  await run('espeak-ng', ['-v', 'ru', '-w', raw, 'Номер недоступен. Номер недоступен.']);
  await run('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', unavailable]);
  const line = await startCallee({
    scenario: 'early-media-fail',
    values: { code: '480', reason: 'Temporarily Unavailable', cause: '20', text: 'Subscriber absent' },
    audio: { 'early.wav': [audio.sit, unavailable] },
  });
  return { line, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const PAGES = {
  page: () => page('<!doctype html><title>Центр помощи</title><h1>Центр помощи</h1><p>Консультации по телефону и на месте.</p>'),
  reset: () => reset(),
  not_found: () => page('<!doctype html><title>404 Not Found</title><h1>Not Found</h1>', { status: 404 }),
} as const;

/** `guardMs`: how long the fake Twilio waits for the daemon's webhooks, in simulated ms (Twilio: 15 s). */
export async function startWorld(sims: SimulatedChannel[], guardMs = 15_000): Promise<World> {
  const site = await startSite({ routes: { [`${CANARY_HOST}/*`]: page('ok') } });
  // Timers in this process already run on the demo clock, so the fake plays calls in simulated time.
  const twilio = await startFakeTwilio({ accountSid: DEMO_ACCOUNT, authToken: DEMO_AUTH_TOKEN, timeScale: 1, webhookTimeoutMs: guardMs });
  const smtp = await startSmtpServer();
  const sip = sims.some((s) => s.line) ? await startLine() : null;
  for (const s of sims) {
    if (s.call) twilio.script(s.channel.target as string, s.call);
    if (s.website) site.route(`${new URL(s.channel.target as string).hostname}/*`, PAGES[s.website]());
  }
  return {
    site,
    twilio,
    smtp,
    line: sip?.line ?? null,
    close: async () => {
      await Promise.allSettled([site.close(), twilio.close(), smtp.close(), sip?.line.stop()]);
      sip?.remove();
    },
  };
}
