// The pure policy for status changes that no probe made (src/status/probeability.ts).
import { expect, test } from 'vitest';
import { INITIAL_STATE, type ChannelStatusState } from '../../src/status/policy.ts';
import { applyProbeability, NOT_CONFIGURED_REASON } from '../../src/status/probeability.ts';

const down: ChannelStatusState = {
  ...INITIAL_STATE,
  status: 'unavailable',
  statusSince: 100,
  statusReason: 'connection_refused',
  streakOutcome: 'unavailable',
  streakCount: 4,
  streakProbes: [{ id: 1, at: 100, reason: 'connection_refused', detail: 'x' }],
  streakSlots: ['2026-01-01 am'],
};

test('no prober here: only a channel nothing was learnt about says not_probed; an observed status is never hidden', () => {
  const r = applyProbeability(INITIAL_STATE, { kind: 'prober', available: false }, 500);
  expect(r.state).toMatchObject({ status: 'not_probed', statusReason: NOT_CONFIGURED_REASON, statusSince: 500 });
  expect(r.change).toEqual({ from: 'unknown', to: 'not_probed', at: 500, reason: NOT_CONFIGURED_REASON, probes: [] });
  const again = applyProbeability(r.state, { kind: 'prober', available: false }, 900);
  expect(again.change).toBeNull();
  expect(again.state.statusSince).toBe(500);
  expect(applyProbeability(down, { kind: 'prober', available: false }, 500)).toEqual({ state: down, change: null });
});

test('a channel no vantage point can probe says what is missing; a new reason replaces the old without a change in the chain', () => {
  const why = 'not probed: no agent of kz has a line that dials short codes (short_codes)';
  const r = applyProbeability(INITIAL_STATE, { kind: 'prober', available: false, reason: why }, 500);
  expect(r.state).toMatchObject({ status: 'not_probed', statusReason: why, statusSince: 500 });
  expect(r.change).toEqual({ from: 'unknown', to: 'not_probed', at: 500, reason: why, probes: [] });
  expect(applyProbeability(r.state, { kind: 'prober', available: false, reason: why }, 600)).toEqual({ state: r.state, change: null });
  const other = applyProbeability(r.state, { kind: 'prober', available: false }, 700);
  expect(other.state).toMatchObject({ status: 'not_probed', statusReason: NOT_CONFIGURED_REASON, statusSince: 500 });
  expect(other.change).toBeNull();
});

test('a prober again: not_probed returns to unknown; other statuses are untouched', () => {
  const off = applyProbeability(INITIAL_STATE, { kind: 'prober', available: false }, 500).state;
  const on = applyProbeability(off, { kind: 'prober', available: true }, 700);
  expect(on.state).toMatchObject({ status: 'unknown', statusReason: null, statusSince: 700 });
  expect(on.change).toMatchObject({ from: 'not_probed', to: 'unknown', reason: 'prober_available' });
  expect(applyProbeability(down, { kind: 'prober', available: true }, 700)).toEqual({ state: down, change: null });
});

test('a target that vanished or appeared starts the channel again, streak and all', () => {
  const gone = applyProbeability(down, { kind: 'target', probeable: false }, 800);
  expect(gone.state).toEqual({ ...INITIAL_STATE, status: 'not_probed', statusSince: 800 });
  expect(gone.change).toMatchObject({ from: 'unavailable', to: 'not_probed', reason: 'no_target' });
  const back = applyProbeability(gone.state, { kind: 'target', probeable: true }, 900);
  expect(back.change).toMatchObject({ from: 'not_probed', to: 'unknown', reason: 'target_added' });
  // Same status, new target: the streak still starts again, and no change is recorded.
  const counting: ChannelStatusState = { ...down, status: 'unknown', statusReason: null, streakCount: 2 };
  const moved = applyProbeability(counting, { kind: 'target', probeable: true }, 950);
  expect(moved.change).toBeNull();
  expect(moved.state).toEqual({ ...INITIAL_STATE, statusSince: 950 });
});
