import { describe, expect, test } from 'vitest';
import type { Outcome } from '../../src/domain.ts';
import { applyProbe, INITIAL_STATE, type ChannelStatusState, type StatusChange } from '../../src/status/policy.ts';

function feed(outcomes: Outcome[], confirmations = 3, state: ChannelStatusState = INITIAL_STATE) {
  const changes: StatusChange[] = [];
  let s = state;
  outcomes.forEach((outcome, i) => {
    const r = applyProbe(s, { id: i + 1, at: 1000 * (i + 1), outcome, reason: `r-${outcome}`, detail: `d${i + 1}` }, { confirmations });
    s = r.state;
    if (r.change) changes.push(r.change);
  });
  return { state: s, changes };
}

describe('status policy', () => {
  test('a status changes only after N consecutive identical outcomes', () => {
    const two = feed(['unavailable', 'unavailable']);
    expect(two.state.status).toBe('unknown');
    expect(two.changes).toHaveLength(0);
    const three = feed(['unavailable', 'unavailable', 'unavailable']);
    expect(three.state.status).toBe('unavailable');
    expect(three.changes).toEqual([
      { from: 'unknown', to: 'unavailable', at: 3000, reason: 'r-unavailable', probes: [
        { id: 1, at: 1000, reason: 'r-unavailable', detail: 'd1' },
        { id: 2, at: 2000, reason: 'r-unavailable', detail: 'd2' },
        { id: 3, at: 3000, reason: 'r-unavailable', detail: 'd3' },
      ] },
    ]);
    // "since" is when people started failing, not when we were sure.
    expect(three.state.statusSince).toBe(1000);
  });

  test('one different outcome breaks the streak', () => {
    const r = feed(['unavailable', 'unavailable', 'reachable', 'unavailable', 'unavailable']);
    expect(r.state.status).toBe('unknown');
    expect(r.state.streakCount).toBe(2);
  });

  test('our own errors neither count nor break a streak', () => {
    const r = feed(['closed', 'error', 'closed', 'error', 'error', 'closed']);
    expect(r.state.status).toBe('closed');
    expect(r.changes).toHaveLength(1);
    expect(r.changes[0]?.probes.map((p) => p.id)).toEqual([1, 3, 6]);
  });

  test('recovery needs the same confirmation and records one change per transition', () => {
    const r = feed(['reachable', 'reachable', 'reachable', 'unavailable', 'unavailable', 'unavailable', 'unavailable', 'reachable', 'reachable', 'reachable']);
    expect(r.changes.map((c) => `${c.from}->${c.to}`)).toEqual(['unknown->reachable', 'reachable->unavailable', 'unavailable->reachable']);
    // A streak longer than N still cites the first N probes.
    expect(r.changes[1]?.probes.map((p) => p.id)).toEqual([4, 5, 6]);
  });

  test('informational results (confirming: false) neither count nor break a streak', () => {
    let s = INITIAL_STATE;
    const outcomes: [Outcome, boolean][] = [['no_answer', true], ['inconclusive', false], ['no_answer', true], ['no_answer', true]];
    const changes: StatusChange[] = [];
    outcomes.forEach(([outcome, confirming], i) => {
      const r = applyProbe(s, { id: i + 1, at: i, outcome, confirming, reason: 'r', detail: 'd' }, { confirmations: 3 });
      s = r.state;
      if (r.change) changes.push(r.change);
    });
    expect(s.status).toBe('no_answer');
    expect(changes[0]?.probes.map((p) => p.id)).toEqual([1, 3, 4]);
  });

  test("a person's answer to the menu is confirmed by answer_confirmations answers; silence still needs N", () => {
    const rules = { confirmations: 3, answers: { reasons: ['center_closed', 'confirmed'], confirmations: 1 } };
    const probe = (id: number, outcome: Outcome, reason: string) => ({ id, at: id * 1000, outcome, reason, detail: `d${id}` });
    const closed = applyProbe(INITIAL_STATE, probe(1, 'closed', 'center_closed'), rules);
    expect(closed.state.status).toBe('closed');
    expect(closed.change).toMatchObject({ from: 'unknown', to: 'closed', at: 1000 });
    // The same outcome from a symptom (a 404 site page says "closed" too) keeps the usual N.
    const symptom = applyProbe(INITIAL_STATE, probe(1, 'closed', 'http_404'), rules);
    expect(symptom.state.status).toBe('unknown');
    // Answers of another kind (wrong number) are not in this rule set: N applies.
    const other = applyProbe(INITIAL_STATE, probe(1, 'wrong_number', 'not_the_center'), rules);
    expect(other.state.status).toBe('unknown');
    // Two answers needed when so configured.
    const two = { ...rules, answers: { ...rules.answers, confirmations: 2 } };
    const once = applyProbe(INITIAL_STATE, probe(1, 'reachable', 'confirmed'), two);
    expect(once.state.status).toBe('unknown');
    expect(applyProbe(once.state, probe(2, 'reachable', 'confirmed'), two).state.status).toBe('reachable');
  });

  test('N is configurable', () => {
    expect(feed(['closed'], 1).state.status).toBe('closed');
    expect(feed(['closed', 'closed', 'closed', 'closed'], 5).state.status).toBe('unknown');
  });
});

describe('a probe standing for several attempts (a manual record of several calls)', () => {
  const spread = { outcomes: ['no_answer', 'unavailable'] as Outcome[], minSlots: 2 };

  test('counts as each of them: one record of three calls over two days confirms', () => {
    const r = applyProbe(
      INITIAL_STATE,
      { id: 7, at: 5000, firstAt: 1000, outcome: 'no_answer', reason: 'manual', detail: 'd', attempts: 3, slot: '2026-03-04/pm', slots: ['2026-03-03/am'] },
      { confirmations: 3, spread },
    );
    expect(r.change).toEqual({ from: 'unknown', to: 'no_answer', at: 5000, reason: 'manual', probes: [{ id: 7, at: 5000, firstAt: 1000, reason: 'manual', detail: 'd' }] });
    // The outage began with the first call, not when the record was written.
    expect(r.state).toMatchObject({ status: 'no_answer', statusSince: 1000, streakCount: 3, streakSlots: ['2026-03-03/am', '2026-03-04/pm'] });
  });

  test('the spread rule still holds: three calls in one half-day are three attempts in one slot', () => {
    const r = applyProbe(
      INITIAL_STATE,
      { id: 1, at: 5000, firstAt: 1000, outcome: 'unavailable', reason: 'manual', detail: 'd', attempts: 3, slot: '2026-03-03/am', slots: ['2026-03-03/am'] },
      { confirmations: 3, spread },
    );
    expect(r.change).toBeNull();
    expect(r.state).toMatchObject({ status: 'unknown', streakCount: 3, streakSlots: ['2026-03-03/am'] });
    // One more attempt in another half-day confirms, citing both probes; "since" is the record's first call.
    const next = applyProbe(r.state, { id: 2, at: 9000, outcome: 'unavailable', reason: 'no_answer', detail: 'd2', slot: '2026-03-03/pm' }, { confirmations: 3, spread });
    expect(next.change?.probes.map((p) => p.id)).toEqual([1, 2]);
    expect(next.state).toMatchObject({ status: 'unavailable', statusSince: 1000, streakCount: 4 });
  });

  test('continues a streak of single probes, and a different outcome still breaks it', () => {
    const one = feed(['busy']);
    const r = applyProbe(one.state, { id: 2, at: 5000, outcome: 'busy', reason: 'manual', detail: 'd', attempts: 2 }, { confirmations: 3 });
    expect(r.change?.probes.map((p) => p.id)).toEqual([1, 2]);
    expect(r.state.statusSince).toBe(1000);
    const broken = applyProbe(one.state, { id: 2, at: 5000, outcome: 'closed', reason: 'manual', detail: 'd', attempts: 2 }, { confirmations: 3 });
    expect(broken.change).toBeNull();
    expect(broken.state).toMatchObject({ streakOutcome: 'closed', streakCount: 2 });
  });
});
