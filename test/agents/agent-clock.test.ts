// The agent's pure pieces: its estimate of the central's clock (NTP-style, the least uncertain of the
// recent samples wins), the backoff between retries (doubling, capped, jittered, never under the
// central's Retry-After), and Retry-After read in both its forms.

import { expect, test } from 'vitest';
import { backoffMs } from '../../src/agent/agent.ts';
import { retryAfterOf } from '../../src/agent/client.ts';
import { CentralClock, sampleOf } from '../../src/agent/clock.ts';

test('an offset is the middle of the round trip minus the central time, good to half the round trip', () => {
  // Sent at 1000 and answered at 1100 on our clock; the central said 10_050: we are 9,000 ms behind.
  expect(sampleOf(1000, 1100, 10_050)).toEqual({ offsetMs: -9000, rttMs: 100 });
  expect(sampleOf(5000, 5000, 2000)).toEqual({ offsetMs: 3000, rttMs: 0 });
});

test('the clock keeps the sample with the shortest round trip among the recent ones, and converts times both ways', () => {
  let now = 50_000;
  const clock = new CentralClock(() => now);
  expect(clock.known).toBe(false);
  expect(clock.centralNow()).toBe(50_000);
  clock.add({ offsetMs: 900, rttMs: 400 });
  clock.add({ offsetMs: 1000, rttMs: 20 }); // the tight one
  clock.add({ offsetMs: 4000, rttMs: 3000 }); // a slow reply: uncertain, ignored
  expect(clock.offsetMs).toBe(1000);
  expect(clock.centralNow()).toBe(49_000);
  expect(clock.toAgent(49_000)).toBe(50_000);
  // Old samples age out: after eight newer ones the tight sample no longer counts.
  for (let i = 0; i < 8; i++) clock.add({ offsetMs: 2000, rttMs: 50 });
  expect(clock.offsetMs).toBe(2000);
  now = 60_000;
  expect(clock.centralNow()).toBe(58_000);
});

test('backoff doubles from about a second to a minute at most, jittered, and never shorter than Retry-After', () => {
  expect(backoffMs(1, null, () => 0)).toBe(500);
  expect(backoffMs(1, null, () => 1)).toBe(1000);
  expect(backoffMs(3, null, () => 1)).toBe(4000);
  expect(backoffMs(30, null, () => 1)).toBe(60_000);
  expect(backoffMs(30, null, () => 0)).toBe(30_000);
  expect(backoffMs(1, 7000, () => 0.5)).toBe(7000);
});

test('Retry-After in seconds or as an HTTP date', () => {
  expect(retryAfterOf('2')).toBe(2000);
  expect(retryAfterOf('0.5')).toBe(500);
  expect(retryAfterOf(new Date(70_000).toUTCString(), 10_000)).toBe(60_000);
  expect(retryAfterOf(undefined)).toBeNull();
  expect(retryAfterOf('soon')).toBeNull();
});
