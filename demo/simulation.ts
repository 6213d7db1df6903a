// The 2018 experiment as simulated centers: for every channel the researcher tried, how its stand-in
// behaves (a loopback website, a script for the local Twilio-protocol server) so that reachwatch,
// probing it, meets what she met. The demo and its test build on this; the expectations are the
// outcome classes of config/experiment-2018.yaml, joined to the registry's channels.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Center, Channel } from '../src/domain.ts';
import type { CallScenario } from '../simulators/twilio/scenario.ts';

export const EXPERIMENT_FILE = new URL('../config/experiment-2018.yaml', import.meta.url);

export type Class = 'reachable' | 'no_answer' | 'busy' | 'unavailable' | 'wrong_number' | 'closed' | 'redirected' | 'callback_requested';

/**
 * Each channel's class in a row of the experiment. A list of classes over channels the source does
 * not tell apart (["unavailable", "wrong_number"] on both of a row's numbers) is assigned in the listed order.
 */
export function assignedClasses(channels: readonly { outcome_class: Class | 'not_reported' | (Class | 'not_reported')[] }[]): (Class | 'not_reported')[] {
  const used = new Map<string, number>();
  return channels.map(({ outcome_class: cls }) => {
    if (!Array.isArray(cls)) return cls;
    const key = JSON.stringify(cls);
    const i = used.get(key) ?? 0;
    used.set(key, i + 1);
    return cls[i % cls.length] as Class | 'not_reported';
  });
}

interface ExperimentChannel {
  type: 'phone' | 'website';
  value: string;
  outcome_class: Class | 'not_reported' | (Class | 'not_reported')[];
  attribution?: string;
  center_id?: string;
  note?: string;
}

interface ExperimentRow {
  row?: number;
  center_id: string;
  channels?: ExperimentChannel[];
}

/** `other_results`: one channel per entry, its class beside it (value null: the thesis gives no number). */
interface OtherResult {
  center_id: string;
  channel: { type: 'phone' | 'website'; value: string | null; description?: string };
  outcome_class: ExperimentChannel['outcome_class'];
  attribution?: string;
}

export interface SimulatedChannel {
  centerId: string;
  /** Appendix 1 row, when the channel is in it. */
  row: number | null;
  channel: Channel;
  /** What the researcher recorded for it. */
  expected: Class;
  /** How sure the attribution is (explicit, row_level, ambiguous: assigned in the listed order). */
  attribution: string;
  website?: 'page' | 'reset' | 'not_found';
  call?: CallScenario;
  /** Probed through the demo's SIP line (a short code such as 114): what the simulated line plays. */
  line?: 'number_unavailable';
}

export interface Unsimulated {
  centerId: string;
  value: string;
  why: string;
}

const CALLS: Record<Class, CallScenario> = {
  reachable: { outcome: 'completed', press: '1' },
  wrong_number: { outcome: 'completed', press: '2' },
  closed: { outcome: 'completed', press: '3' },
  redirected: { outcome: 'completed', press: '4' },
  callback_requested: { outcome: 'completed', speech: 'перезвоните позже, все специалисты на совещании' },
  no_answer: { outcome: 'no-answer', sipResponseCode: 487 },
  busy: { outcome: 'busy', sipResponseCode: 486 },
  unavailable: { outcome: 'failed', sipResponseCode: 404 },
};

const WEBSITES: Partial<Record<Class, SimulatedChannel['website']>> = { reachable: 'page', unavailable: 'reset', closed: 'not_found' };

const digits = (s: string) => s.replace(/\D/g, '');

/** Every channel of the experiment matched to the registry, with its stand-in; and the ones that cannot be. */
export function simulate(centers: Center[], experimentText = readFileSync(EXPERIMENT_FILE, 'utf8')): { channels: SimulatedChannel[]; unsimulated: Unsimulated[] } {
  const doc = parse(experimentText) as { appendix_1_results: ExperimentRow[]; other_results?: OtherResult[] };
  const unsimulated: Unsimulated[] = [];
  const others: ExperimentRow[] = [];
  for (const o of doc.other_results ?? []) {
    if (o.channel.value === null) unsimulated.push({ centerId: o.center_id, value: o.channel.description ?? '(no number)', why: 'the thesis does not give the number' });
    else others.push({ center_id: o.center_id, channels: [{ type: o.channel.type, value: o.channel.value, outcome_class: o.outcome_class, ...(o.attribution ? { attribution: o.attribution } : {}) }] });
  }
  const rows: ExperimentRow[] = [...doc.appendix_1_results, ...others];
  const byId = new Map(centers.map((c) => [c.id, c]));
  const channels: SimulatedChannel[] = [];
  for (const row of rows) {
    const rowChannels = row.channels ?? [];
    const classes = assignedClasses(rowChannels);
    for (const [n, ch] of rowChannels.entries()) {
      const centerId = ch.center_id ?? row.center_id;
      const cls = classes[n] as Class | 'not_reported';
      if (cls === 'not_reported') {
        unsimulated.push({ centerId, value: ch.value, why: 'the thesis reports no outcome for it' });
        continue;
      }
      const center = byId.get(centerId);
      const bare = (u: string) => u.replace(/^https?:\/\//, '').replace(/\/$/, '').toLowerCase();
      const match = center?.channels.find((c) => c.type === ch.type && (ch.type === 'phone' ? digits(c.value) === digits(ch.value) : bare(c.value) === bare(ch.value)));
      if (!match) {
        unsimulated.push({ centerId, value: ch.value, why: center ? 'not among the center\'s channels in the registry' : 'the center is not in the registry' });
        continue;
      }
      if (!match.target) {
        unsimulated.push({ centerId, value: ch.value, why: `reachwatch cannot probe it: ${match.unprobeableReason ?? 'no target'}` });
        continue;
      }
      const sim: SimulatedChannel = { centerId, row: row.row ?? null, channel: match, expected: cls, attribution: ch.attribution ?? 'row_level' };
      if (ch.type === 'phone' && match.options.methods?.includes('sip')) {
        // A short code: dialled through the demo's SIP line, where the network plays what a caller hears.
        if (cls !== 'unavailable') {
          unsimulated.push({ centerId, value: ch.value, why: `no SIP line stand-in for "${cls}"` });
          continue;
        }
        sim.line = 'number_unavailable';
      } else if (ch.type === 'phone') sim.call = CALLS[cls];
      else {
        const site = WEBSITES[cls];
        if (!site) {
          unsimulated.push({ centerId, value: ch.value, why: `no website stand-in for "${cls}"` });
          continue;
        }
        sim.website = site;
      }
      channels.push(sim);
    }
  }
  return { channels, unsimulated };
}
