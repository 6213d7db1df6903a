// The simulated world the demo's reachwatch probes: the centers' websites on one loopback server,
// their phones on the local Twilio-protocol server, and a mail catcher for the NGO's alerts. These
// are the simulators the tests use (simulators/), so the demo exercises what the tests do.

import { page, reset, startSite, type LoopbackSite } from '../simulators/sites.ts';
import { startSmtpServer, type SmtpTestServer } from '../simulators/receivers/smtp.ts';
import { startFakeTwilio, type FakeTwilio } from '../simulators/twilio/fake-twilio.ts';
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
  close(): Promise<void>;
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
  for (const s of sims) {
    if (s.call) twilio.script(s.channel.target as string, s.call);
    if (s.website) site.route(`${new URL(s.channel.target as string).hostname}/*`, PAGES[s.website]());
  }
  return {
    site,
    twilio,
    smtp,
    close: async () => {
      await Promise.allSettled([site.close(), twilio.close(), smtp.close()]);
    },
  };
}
