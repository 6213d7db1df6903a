// The center policy: a center is what a person in need experiences across all its listed channels.

import { describe, expect, test } from 'vitest';
import type { ChannelStatus } from '../../src/domain.ts';
import { centerEvent, evaluateCenter, type ChannelView, type CenterView } from '../../src/status/center.ts';

const ch = (status: ChannelStatus, confirmedAt: number | null = 1000, probeable = true, type = 'phone'): ChannelView => ({
  id: `c-${Math.random()}`, type, status, since: confirmedAt, confirmedAt, reason: null, probeable,
});
const rules = { darkAfterMs: 600_000 };
const NOW = 10_000_000;

describe('evaluateCenter', () => {
  test('a center with no channel, or only unprobeable ones, is unknown', () => {
    expect(evaluateCenter([], null, NOW, rules).status).toBe('unknown');
    expect(evaluateCenter([ch('unknown', null, false)], null, NOW, rules).status).toBe('unknown');
  });

  test('telephony not configured: phones are not probed, so a phone-only center is unknown, not dark', () => {
    expect(evaluateCenter([ch('not_probed'), ch('not_probed')], null, NOW, rules).status).toBe('unknown');
  });

  test('a center whose only channels asked not to be called is opted out; a website beside it still counts', () => {
    expect(evaluateCenter([ch('opted_out')], null, NOW, rules).status).toBe('opted_out');
    expect(evaluateCenter([ch('opted_out'), ch('reachable', 1, true, 'website')], null, NOW, rules).status).toBe('reachable');
  });

  test('reachable when a channel is confirmed reachable and none is down (unchecked channels do not count)', () => {
    expect(evaluateCenter([ch('reachable'), ch('unknown')], null, NOW, rules).status).toBe('reachable');
    expect(evaluateCenter([ch('reachable'), ch('inconclusive')], null, NOW, rules).status).toBe('reachable');
  });

  test('one channel down while another is up: partial, not dark', () => {
    const d = evaluateCenter([ch('reachable'), ch('unavailable')], null, NOW, rules);
    expect(d.status).toBe('partial');
    expect(d.pendingDark).toBe(false);
    expect(d.downSince).toBeNull();
  });

  test('a live line that gives no help (busy, voicemail, referred elsewhere) makes a center partial, never dark', () => {
    expect(evaluateCenter([ch('busy')], null, NOW, rules).status).toBe('partial');
    expect(evaluateCenter([ch('voicemail'), ch('closed')], null, NOW, rules).status).toBe('partial');
    expect(evaluateCenter([ch('redirected', 1, true, 'website')], null, NOW, rules).status).toBe('partial');
  });

  test('every channel down: partial (pending dark) during the grace period, dark after it, counted from the last confirmation', () => {
    const channels = [ch('unavailable', NOW - 900_000), ch('wrong_number', NOW - 300_000), ch('no_answer', NOW - 800_000)];
    const pending = evaluateCenter(channels, null, NOW, rules);
    expect(pending).toMatchObject({ status: 'partial', pendingDark: true, downSince: NOW - 300_000, darkAt: NOW + 300_000 });
    const later = evaluateCenter(channels, pending, NOW + 300_000, rules);
    expect(later).toMatchObject({ status: 'dark', downSince: NOW - 300_000, darkAt: null });
  });

  test('a channel not yet checked keeps a center from being called dark, but nothing is known to be alive', () => {
    const d = evaluateCenter([ch('closed', 0), ch('unknown')], null, NOW, rules);
    expect(d).toMatchObject({ status: 'partial', alive: false });
    expect(centerEvent('reachable', d)).toBeNull();
  });

  test('once dark, a center stays dark while every channel stays down, and since does not move', () => {
    const prev: CenterView = { status: 'dark', since: 5, downSince: 1000 };
    const d = evaluateCenter([ch('unavailable', NOW - 1), ch('closed', 1000)], prev, NOW, rules);
    expect(d.status).toBe('dark');
    expect(d.since).toBe(5);
  });

  test('a dark grace period of zero makes a center dark as soon as its last channel is confirmed down', () => {
    expect(evaluateCenter([ch('closed', NOW)], null, NOW, { darkAfterMs: 0 }).status).toBe('dark');
  });
});

describe('centerEvent', () => {
  const d = (status: CenterView['status'], pendingDark = false) => ({ status, since: 0, downSince: pendingDark ? 0 : null, pendingDark, darkAt: null, alive: !pendingDark });
  test.each([
    ['reachable', d('dark'), 'went_dark'],
    ['partial', d('dark'), 'went_dark'],
    ['unknown', d('dark'), 'went_dark'],
    ['reachable', d('partial'), 'partly_reachable'],
    ['dark', d('partial'), 'partly_reachable'],
    ['reachable', d('partial', true), null],
    ['dark', d('reachable'), 'recovered'],
    ['partial', d('reachable'), 'recovered'],
    ['unknown', d('reachable'), null],
    ['reachable', d('unknown'), null],
    ['dark', d('dark'), null],
  ] as const)('%s -> %o raises %s', (from, to, event) => {
    expect(centerEvent(from, to)).toBe(event);
  });
});
