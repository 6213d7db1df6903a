// The 2018 protocol through the real writer: a phone is declared no_answer (or unavailable) only after
// `confirmations` identical outcomes that also span `minSlots` distinct time slots (local day + am/pm
// in the center's zone). Real SQLite file, real registry sync, real ProbeWriter; no daemon.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { timeSlot } from '../../src/calling/policy.ts';
import { classifyPhone } from '../../src/classifier/phone.ts';
import type { Evidence, ProbeRecord } from '../../src/domain.ts';
import type { CallEvidence } from '../../src/probers/phone/evidence.ts';
import { assertLoadable, loadRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter, type StoredProbe } from '../../src/store/probe-writer.ts';
import type { StatusRules } from '../../src/status/policy.ts';
import { tempDir } from '../helpers/tmp.ts';

const TZ = 'Asia/Almaty';
const NUMBER = '+77172000001';
const CENTER = 'protocol-center';
const CHANNEL = `${CENTER}--phone-${NUMBER.slice(1)}`;
const RULES: StatusRules = { confirmations: 3, spread: { outcomes: ['no_answer', 'unavailable'], minSlots: 2 } };

// Instants chosen so that the half-day is the same whether Almaty is UTC+5 (since 2024-03-01) or UTC+6
// (older tzdata): 03:00Z is 08:00/09:00 local (am), 10:00Z is 15:00/16:00 local (pm).
const day = (d: number, hourUtc: number, minute = 0) => Date.UTC(2025, 2, 3 + d, hourUtc, minute);
const AM = (d: number, minute = 0) => day(d, 3, minute);
const PM = (d: number, minute = 0) => day(d, 10, minute);

let dir: string;
let remove: () => void;
let db: DB;
let writer: ProbeWriter;

beforeEach(() => {
  ({ dir, remove } = tempDir());
  const file = path.join(dir, 'centers.yaml');
  writeFileSync(file, `- id: ${CENTER}\n  name: Protocol Center\n  kind: rehabilitation_center\n  tz_iana: ${TZ}\n  channels:\n    - {type: phone, value: "${NUMBER}"}\n`);
  const load = loadRegistry(file);
  const centers = assertLoadable(load);
  db = openDatabase(path.join(dir, 'data'));
  syncRegistry(db, centers, file, createHash('sha256').update(readFileSync(file)).digest('hex'));
  writer = new ProbeWriter(db, { rules: RULES, batchMaxRows: 100, flushIntervalMs: 10_000 });
});

afterEach(() => {
  writer.close();
  db.close();
  remove();
});

function callEvidence(at: number, final: CallEvidence['final'], gathers: CallEvidence['gathers'] = []): Evidence {
  const e: CallEvidence = { method: 'call', v: 1, number: NUMBER, at, callSid: `CA${'0'.repeat(31)}${at % 10}`, events: [], gathers, ...(final ? { final } : {}) };
  return e as unknown as Evidence;
}

type Kind = 'no_answer' | 'busy' | 'reachable' | 'error';

function record(kind: Kind, at: number): ProbeRecord {
  const evidence =
    kind === 'no_answer'
      ? callEvidence(at, { status: 'no-answer', sip: 487, source: 'callback' })
      : kind === 'busy'
        ? callEvidence(at, { status: 'busy', sip: 486, source: 'callback' })
        : kind === 'reachable'
          ? callEvidence(at, { status: 'completed', durationSec: 20, source: 'callback' }, [{ step: 1, digits: '1' }])
          : callEvidence(at, undefined);
  const classification = classifyPhone(evidence);
  return { channelId: CHANNEL, jobId: `${CHANNEL}#call`, dueAt: at, startedAt: at, durationMs: 1000, evidence, classification, slot: timeSlot(TZ, at) };
}

async function feed(kind: Kind, at: number): Promise<StoredProbe> {
  const pending = writer.add(record(kind, at));
  writer.flush();
  return pending;
}

function state(): { status: string; status_since: number | null; streak_outcome: string | null; streak_count: number; streak_slots: string } {
  return db
    .prepare('SELECT s.status, s.status_since, s.streak_outcome, s.streak_count, s.streak_slots FROM channel_state s JOIN channels c ON c.ref = s.channel_ref WHERE c.id = ?')
    .get(CHANNEL) as { status: string; status_since: number | null; streak_outcome: string | null; streak_count: number; streak_slots: string };
}

function changes(): { from_status: string; to_status: string; at: number; probe_ids: number[]; evidence: { outcome: string; probes: { id: number }[] } }[] {
  return (db.prepare('SELECT from_status, to_status, at, probe_ids, evidence FROM status_changes ORDER BY id').all() as { from_status: string; to_status: string; at: number; probe_ids: string; evidence: string }[]).map(
    (r) => ({ ...r, probe_ids: JSON.parse(r.probe_ids) as number[], evidence: JSON.parse(r.evidence) as { outcome: string; probes: { id: number }[] } }),
  );
}

describe('the 2018 protocol in the status policy, through the real writer', () => {
  test('the records are what the protocol talks about: call no-answers in Almaty morning and afternoon slots', () => {
    const r = record('no_answer', AM(0));
    expect(r.classification).toMatchObject({ outcome: 'no_answer', reason: 'no_answer' });
    expect(r.evidence.method).toBe('call');
    expect(timeSlot(TZ, AM(0))).toBe('2025-03-03/am');
    expect(timeSlot(TZ, PM(0))).toBe('2025-03-03/pm');
    expect(timeSlot(TZ, AM(1))).toBe('2025-03-04/am');
    expect(record('busy', AM(0)).classification.outcome).toBe('busy');
    expect(record('reachable', AM(0)).classification.outcome).toBe('reachable');
    expect(record('error', AM(0)).classification.outcome).toBe('error');
  });

  test('three no-answers in the same morning are not enough; a fourth on another day confirms no_answer', async () => {
    const first = [await feed('no_answer', AM(0, 0)), await feed('no_answer', AM(0, 30)), await feed('no_answer', AM(0, 59))];
    for (const s of first) expect(s.status).toBe('unknown');
    expect(state()).toMatchObject({ status: 'unknown', streak_outcome: 'no_answer', streak_count: 3 });
    expect(JSON.parse(state().streak_slots)).toEqual(['2025-03-03/am']);
    expect(changes()).toEqual([]);

    const fourth = await feed('no_answer', AM(1));
    expect(fourth.status).toBe('no_answer');
    expect(fourth.change).toMatchObject({ from: 'unknown', to: 'no_answer' });
    expect(state()).toMatchObject({ status: 'no_answer', streak_count: 4, status_since: AM(0, 0) });
    expect(JSON.parse(state().streak_slots)).toEqual(['2025-03-03/am', '2025-03-04/am']);
    const rows = changes();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ from_status: 'unknown', to_status: 'no_answer', at: AM(1), probe_ids: first.map((s) => s.probeId) });
    expect(rows[0]?.evidence.probes.map((p) => p.id)).toEqual(first.map((s) => s.probeId));
  });

  test('a morning and an afternoon of the same day are two slots', async () => {
    await feed('no_answer', AM(0));
    await feed('no_answer', AM(0, 10));
    expect((await feed('no_answer', PM(0))).status).toBe('no_answer');
  });

  test.each(['busy', 'reachable'] as const)('a %s in between resets the streak', async (between) => {
    const before = [await feed('no_answer', AM(0)), await feed('no_answer', PM(0))];
    expect(before.map((s) => s.status)).toEqual(['unknown', 'unknown']);
    const reset = await feed(between, AM(1));
    expect(reset.status).toBe('unknown'); // one busy/reachable does not confirm anything either
    expect(state()).toMatchObject({ streak_outcome: between, streak_count: 1 });

    // Without the reset these would be the 3rd and 4th no-answers over 3 slots, i.e. confirmed.
    const after = [await feed('no_answer', AM(1, 30)), await feed('no_answer', PM(1))];
    expect(after.map((s) => s.status)).toEqual(['unknown', 'unknown']);
    expect(state()).toMatchObject({ status: 'unknown', streak_outcome: 'no_answer', streak_count: 2 });
    expect(JSON.parse(state().streak_slots)).toEqual(['2025-03-04/am', '2025-03-04/pm']);
    expect(changes()).toEqual([]);

    const third = await feed('no_answer', AM(2));
    expect(third.status).toBe('no_answer');
    expect(changes()).toEqual([
      expect.objectContaining({ from_status: 'unknown', to_status: 'no_answer', probe_ids: [...after.map((s) => s.probeId), third.probeId] }),
    ]);
    expect(state().status_since).toBe(AM(1, 30));
  });

  test('our own error in between neither counts nor breaks the streak', async () => {
    await feed('no_answer', AM(0));
    await feed('no_answer', AM(0, 20));
    const err = await feed('error', PM(0));
    expect(err.status).toBe('unknown');
    expect(state()).toMatchObject({ streak_outcome: 'no_answer', streak_count: 2 });
    expect(JSON.parse(state().streak_slots)).toEqual(['2025-03-03/am']); // the error's afternoon slot is not counted
    expect((await feed('no_answer', AM(0, 40))).status).toBe('unknown'); // 3 no-answers, still one slot
    expect((await feed('no_answer', PM(0, 30))).status).toBe('no_answer');
  });

  test('every probe is stored with its call evidence, in order', async () => {
    await feed('no_answer', AM(0));
    await feed('busy', PM(0));
    const rows = db.prepare("SELECT method, outcome, reason, started_at, json_extract(evidence, '$.final.status') AS final FROM probes ORDER BY id").all();
    expect(rows).toEqual([
      { method: 'call', outcome: 'no_answer', reason: 'no_answer', started_at: AM(0), final: 'no-answer' },
      { method: 'call', outcome: 'busy', reason: 'busy', started_at: PM(0), final: 'busy' },
    ]);
  });
});
