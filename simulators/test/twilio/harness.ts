// Shared set-up for the fake's tests: a fake Twilio, a signature-checking receiver, and a real
// twilio client routed to the fake through the test-only httpClient.

import type twilio from 'twilio';
import { afterEach, beforeEach, expect } from 'vitest';
import type { CallListInstanceCreateOptions } from 'twilio/lib/rest/api/v2010/account/call.js';
import { startFakeTwilio, type FakeTwilio } from '../../twilio/fake-twilio.ts';
import { startReceiver, type Receiver } from './receiver.ts';
import { fakeTwilioClient } from './test-only-base-url-client.ts';

export const ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
export const AUTH_TOKEN = '9f'.repeat(16);
/** Twilio's magic "valid From" number; any E.164 works with the fake. */
export const FROM = '+15005550006';

export interface Harness {
  fake: FakeTwilio;
  receiver: Receiver;
  client: twilio.Twilio;
  /** Forged callbacks a test sends on purpose; every other webhook must validate. */
  expectedInvalidSignatures: number;
  /** The create-call options reachwatch would send for probe `id`. */
  probe(id: string, to: string, extra?: Partial<CallListInstanceCreateOptions>): CallListInstanceCreateOptions;
  close(): Promise<void>;
}

export async function startHarness(timeScale = 0.01): Promise<Harness> {
  const fake = await startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, timeScale });
  const receiver = await startReceiver(() => fake.authToken);
  const client = fakeTwilioClient(fake.baseUrl, ACCOUNT_SID, AUTH_TOKEN);
  const hooks = receiver.baseUrl;
  return {
    fake,
    receiver,
    client,
    expectedInvalidSignatures: 0,
    probe: (id, to, extra = {}) => ({
      to,
      from: FROM,
      url: `${hooks}/ivr/${id}`,
      statusCallback: `${hooks}/status/${id}`,
      statusCallbackMethod: 'POST',
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      timeout: 30,
      timeLimit: 120,
      machineDetection: 'Enable',
      asyncAmd: 'true',
      asyncAmdStatusCallback: `${hooks}/amd/${id}`,
      ...extra,
    }),
    close: async () => {
      await fake.close();
      await receiver.close();
    },
  };
}

/**
 * Registers a fresh harness per test and the checks every test shares: each webhook the fake sent
 * passed twilio.validateRequest (except forged ones a test counts), and the fake had no bugs.
 */
export function useHarness(timeScale?: number): () => Harness {
  let current: Harness | undefined;
  beforeEach(async () => {
    current = await startHarness(timeScale);
  });
  afterEach(async () => {
    const h = current;
    if (h === undefined) return;
    current = undefined;
    await h.fake.settled();
    const invalid = h.receiver.received.filter((w) => !w.signatureValid);
    await h.close();
    expect(invalid).toHaveLength(h.expectedInvalidSignatures);
    expect(h.fake.internalErrors).toEqual([]);
  });
  return () => {
    if (current === undefined) throw new Error('harness used outside a test');
    return current;
  };
}
