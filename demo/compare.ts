// The replay beside the 2018 table, row by row: for every channel the researcher reported, did
// reachwatch classify its attempts as she did; for every row, does reachwatch count the center as
// reached where she did; and where not, why. Pure: the experiment, the simulation and what the
// replay stored go in, the comparison comes out (rendered as text for the terminal and as HTML).

import { parse } from 'yaml';
import { esc } from '../src/board/render.ts';
import { OUTCOMES, type Outcome } from '../src/domain.ts';
import type { ThesisTable } from '../src/reports/thesis-table.ts';
import { assignedClasses, type Class, type SimulatedChannel, type Unsimulated } from './simulation.ts';


interface ExperimentChannel {
  type: 'phone' | 'website';
  value: string | null;
  description?: string;
  outcome_class: Class | 'not_reported' | (Class | 'not_reported')[];
  attribution?: string;
  center_id?: string;
}

interface ExperimentRow {
  row: number;
  center_id: string;
  accessibility_verbatim: string;
  primary: Class;
  reached_per_thesis: boolean;
  channels: ExperimentChannel[];
}

interface OtherResult {
  center_id: string;
  channel: ExperimentChannel;
  outcome_verbatim: string | null;
  outcome_class: ExperimentChannel['outcome_class'];
  attribution?: string;
  as_of?: string;
  date?: string;
}

export interface ChannelComparison {
  centerId: string;
  type: 'phone' | 'website';
  value: string;
  /** The researcher's class for this channel (after the demo's assignment of ambiguous rows). */
  thesis: Class | 'not_reported';
  attribution: string;
  /** What reachwatch's attempts said over the replay: the most frequent outcome, and all of them. */
  reachwatch: Outcome | null;
  /** The channel's status at the end of the replay: agreement is on this. */
  attempts: Partial<Record<Outcome, number>>;
  status: string | null;
  agrees: boolean | null;
  why: string | null;
}

export interface RowComparison {
  /** "1".."18" for Appendix 1, "6.1" for results in the chapter text. */
  ref: string;
  centerId: string;
  name: string;
  thesis: { words: string; primary: string; reached: boolean | null };
  reachwatch: { statuses: { centerId: string; name: string; status: string }[]; reached: boolean };
  channels: ChannelComparison[];
  verdict: 'agrees' | 'differs' | 'not_compared';
  why: string[];
}

export interface Comparison {
  period: { from: string; until: string };
  rows: RowComparison[];
  summary: {
    channelsCompared: number;
    channelsAgreeing: number;
    rows: number;
    rowsAgreeing: number;
    rowsDiffering: number;
    reachedThesis: number;
    reachedReachwatch: number;
    appendixRows: number;
  };
}

export interface ReplayState {
  /** The thesis-shaped table of the replayed days, as reachwatch's reports build it. */
  table: ThesisTable;
  /** Center id → name, for centers outside the table's rows. */
  names: Map<string, string>;
  channelStatus: Map<string, string>;
  centerStatus: Map<string, string>;
  /** Channel id → why reachwatch does not probe it (unprobeable value or hand probes only). */
  notProbed: Map<string, string>;
}

const digits = (s: string) => s.replace(/\D/g, '');
const bare = (u: string) => u.replace(/^https?:\/\//, '').replace(/\/$/, '').toLowerCase();
const ORDER = new Map(OUTCOMES.map((o, i) => [o, i]));

/**
 * The outcome most attempts had; ties go to the one listed first in OUTCOMES. Our own errors are left
 * out, and so is "inconclusive" (a Lookup finding the number valid) unless nothing else was heard:
 * the researcher's classes are what calls found.
 */
export function dominant(attempts: Partial<Record<Outcome, number>>): Outcome | null {
  const heard = (Object.entries(attempts) as [Outcome, number][]).filter(([o, n]) => o !== 'error' && n > 0);
  const said = heard.some(([o]) => o !== 'inconclusive') ? heard.filter(([o]) => o !== 'inconclusive') : heard;
  said.sort(([a, x], [b, y]) => y - x || (ORDER.get(a) ?? 0) - (ORDER.get(b) ?? 0));
  return said[0]?.[0] ?? null;
}

const WORDS: Record<string, string> = {
  reachable: 'reachable', no_answer: 'no answer', busy: 'busy', unavailable: 'unavailable', wrong_number: 'wrong number',
  closed: 'closed', redirected: 'referred elsewhere', callback_requested: 'call back later', voicemail: 'voicemail',
  inconclusive: 'inconclusive', error: 'our error', not_reported: 'not reported', unknown: 'unknown', partial: 'partly reachable',
  dark: 'dark', not_probed: 'not probed', opted_out: 'opted out',
};
export const say = (x: string | null) => (x === null ? '—' : (WORDS[x] ?? x));

/** Why the researcher's "reached" and reachwatch's can part, by the class that makes the difference. */
const REACHED_WHY: Partial<Record<Class, string>> = {
  redirected: 'The researcher counted being referred elsewhere as reaching the center (she was given "further steps where to go or whom to call"); reachwatch counts a line that answers but sends callers elsewhere as partly reachable, not reachable.',
  callback_requested: 'The researcher counted "call back, the experts are at a meeting" as reaching the center; reachwatch counts a line that answers but gives no help now as partly reachable, not reachable.',
};

export function compare(experimentText: string, sims: SimulatedChannel[], unsimulated: Unsimulated[], replay: ReplayState): Comparison {
  const doc = parse(experimentText) as { appendix_1_results: ExperimentRow[]; other_results?: OtherResult[] };
  const contacts = new Map(replay.table.rows.flatMap((r) => r.channels.map((c) => [c.id, { ...c, centerId: r.centerId }] as const)));
  const contactsByCenter = new Map<string, { id: string; type: string; value: string }[]>();
  for (const r of replay.table.rows) contactsByCenter.set(r.centerId, r.channels);
  const names = new Map([...replay.names, ...replay.table.rows.map((r) => [r.centerId, r.name] as const)]);

  const simFor = (centerId: string, ch: ExperimentChannel) =>
    sims.find((s) => s.centerId === centerId && s.channel.type === ch.type && ch.value !== null && (ch.type === 'phone' ? digits(s.channel.value) === digits(ch.value) : bare(s.channel.value) === bare(ch.value)));
  const registryChannel = (centerId: string, ch: ExperimentChannel) =>
    (contactsByCenter.get(centerId) ?? []).find((c) => c.type === ch.type && ch.value !== null && (ch.type === 'phone' ? digits(c.value) === digits(ch.value) : bare(c.value) === bare(ch.value)));

  const channelOf = (rowCenter: string, ch: ExperimentChannel, assigned: Class | 'not_reported'): ChannelComparison => {
    const centerId = ch.center_id ?? rowCenter;
    const sim = simFor(centerId, ch);
    const reg = sim ? { id: sim.channel.id } : registryChannel(centerId, ch);
    const contact = reg ? contacts.get(reg.id) : undefined;
    const attempts = contact?.attempts ?? {};
    const outcome = dominant(attempts);
    const status = reg ? (replay.channelStatus.get(reg.id) ?? null) : null;
    const base = { centerId, type: ch.type, value: ch.value ?? ch.description ?? '(not given)', thesis: assigned, attribution: ch.attribution ?? 'row_level', reachwatch: outcome, attempts, status };
    if (assigned === 'not_reported') {
      const left = reg ? replay.notProbed.get(reg.id) : undefined;
      return { ...base, agrees: null, why: `The thesis reports nothing about it${left ? `; reachwatch: ${left}` : ''}.` };
    }
    if (!reg) {
      const u = unsimulated.find((x) => x.centerId === centerId && (ch.value === null || (digits(ch.value) !== '' && digits(x.value) === digits(ch.value)) || bare(x.value) === bare(ch.value)));
      return { ...base, agrees: null, why: ch.value === null ? 'The thesis does not give the number, so there is nothing to call.' : `Not in the registry${u ? `: ${u.why}` : ''}.` };
    }
    if (!sim) {
      const reason = replay.notProbed.get(reg.id) ?? unsimulated.find((x) => x.centerId === centerId && x.value === ch.value)?.why ?? 'it was not probed';
      return { ...base, agrees: null, why: `reachwatch does not probe ${ch.value}: ${reason}` };
    }
    // Agreement is on what reachwatch concluded (the confirmed status), not on one lucky attempt.
    const confirmed = status !== null && status !== 'unknown' && status !== 'not_probed' ? status : null;
    const notes: string[] = [];
    if (outcome === null) notes.push('reachwatch made no attempt that said anything during the replay.');
    else if (confirmed === null) notes.push(`reachwatch heard "${say(outcome)}" but had not confirmed a status by the end of the replay.`);
    else if (confirmed !== assigned) notes.push(`reachwatch concluded "${say(confirmed)}" where the researcher recorded "${say(assigned)}".`);
    const agrees = notes.length === 0;
    if (ch.attribution === 'ambiguous') notes.push('The thesis does not say which of the row\'s contacts behaved how; the demo gave them the listed classes in order.');
    return { ...base, agrees, why: notes.length > 0 ? notes.join(' ') : null };
  };

  const rowOf = (ref: string, centerId: string, thesis: RowComparison['thesis'], channels: ChannelComparison[], extraWhy: string[]): RowComparison => {
    const centerIds = [...new Set([centerId, ...channels.map((c) => c.centerId)])];
    const statuses = centerIds.map((id) => ({ centerId: id, name: names.get(id) ?? id, status: replay.centerStatus.get(id) ?? 'unknown' }));
    const reached = statuses.some((s) => s.status === 'reachable');
    // A center reachwatch knows nothing about is neither reached nor not reached.
    const known = statuses.some((s) => s.status !== 'unknown');
    const compared = channels.filter((c) => c.agrees !== null);
    const why = [...extraWhy];
    let verdict: RowComparison['verdict'] = compared.length === 0 ? 'not_compared' : compared.every((c) => c.agrees) ? 'agrees' : 'differs';
    for (const c of channels) if (c.agrees === false && c.why) why.push(`${c.value}: ${c.why}`);
    if (thesis.reached !== null && verdict !== 'not_compared' && !known) {
      verdict = 'differs';
      why.push('reachwatch had no status for the center at the end of the replay.');
    } else if (thesis.reached !== null && verdict !== 'not_compared' && thesis.reached !== reached) {
      verdict = 'differs';
      const cls = channels.find((c) => c.agrees === true && (c.thesis === 'redirected' || c.thesis === 'callback_requested'))?.thesis as Class | undefined;
      const website = channels.find((c) => c.type === 'website' && c.reachwatch === 'reachable');
      if (thesis.reached && cls && REACHED_WHY[cls]) why.push(REACHED_WHY[cls] as string);
      else if (!thesis.reached && website) {
        why.push(`reachwatch counts the working website ${website.value} as a way to reach the center; the researcher's test was whether someone gave her help by phone ("${thesis.words}").`);
      } else why.push(`The researcher ${thesis.reached ? 'reached' : 'did not reach'} the center; at the end of the replay reachwatch has it ${statuses.map((s) => say(s.status)).join(' / ')}.`);
    }
    for (const c of channels) if (c.agrees === null && c.why) why.push(`${c.value}: ${c.why}`);
    return { ref, centerId, name: names.get(centerId) ?? centerId, thesis, reachwatch: { statuses, reached }, channels, verdict, why };
  };

  const rows: RowComparison[] = [];
  for (const r of doc.appendix_1_results) {
    const rowChannels = r.channels ?? [];
    const classes = assignedClasses(rowChannels);
    const channels = rowChannels.map((ch, n) => channelOf(r.center_id, ch, classes[n] as Class | 'not_reported'));
    rows.push(rowOf(String(r.row), r.center_id, { words: r.accessibility_verbatim, primary: r.primary, reached: r.reached_per_thesis }, channels, []));
  }
  for (const o of doc.other_results ?? []) {
    const cls = Array.isArray(o.outcome_class) ? (o.outcome_class[0] as Class | 'not_reported') : o.outcome_class;
    const extra: string[] = [];
    if (o.as_of) extra.push(`The thesis reports this as of ${o.as_of}, after the replayed days; the demo plays it as reported.`);
    if (o.date) extra.push(`The researcher called on ${o.date}, not in the March round.`);
    const ch = channelOf(o.center_id, { ...o.channel, ...(o.attribution ? { attribution: o.attribution } : {}), outcome_class: cls }, cls);
    rows.push(rowOf('6.1', o.center_id, { words: o.outcome_verbatim ?? '(no outcome given)', primary: cls, reached: null }, [ch], extra));
  }

  const compared = rows.flatMap((r) => r.channels).filter((c) => c.agrees !== null);
  const appendix = rows.filter((r) => r.ref !== '6.1');
  return {
    period: { from: replay.table.date, until: replay.table.until ?? replay.table.date },
    rows,
    summary: {
      channelsCompared: compared.length,
      channelsAgreeing: compared.filter((c) => c.agrees).length,
      rows: rows.length,
      rowsAgreeing: rows.filter((r) => r.verdict === 'agrees').length,
      rowsDiffering: rows.filter((r) => r.verdict === 'differs').length,
      reachedThesis: appendix.filter((r) => r.thesis.reached).length,
      reachedReachwatch: appendix.filter((r) => r.reachwatch.reached).length,
      appendixRows: appendix.length,
    },
  };
}

const count = (attempts: Partial<Record<Outcome, number>>) =>
  (Object.entries(attempts) as [Outcome, number][])
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || (ORDER.get(a) ?? 0) - (ORDER.get(b) ?? 0))
    .map(([o, n]) => `${say(o)} ×${n}`)
    .join(', ') || 'no attempts';

function wrap(text: string, width: number, indent: string): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.map((l, i) => (i === 0 ? l : indent + l)).join('\n');
}

const MARK = { agrees: 'AGREES', differs: 'DIFFERS', not_compared: 'NOT COMPARED' } as const;

/** The comparison for a terminal: one block per row, the verdict on the right, the reasons beneath. */
export function renderText(c: Comparison, width = 100): string {
  const out: string[] = [];
  out.push(`The 2018 table beside the replay of ${c.period.from} – ${c.period.until}`);
  out.push('='.repeat(Math.min(width, 72)));
  out.push('= agrees with the researcher   ≠ differs   · not compared. "inconclusive" attempts are Lookups that found');
  out.push('the number valid, which says nothing about who answers; the verdict is what the calls heard.');
  for (const r of c.rows) {
    const head = `${r.ref === '6.1' ? 'ch.6.1' : `row ${r.ref}`}  ${r.name}`;
    out.push('');
    out.push(`${head.padEnd(width - 14)}${MARK[r.verdict].padStart(14)}`);
    out.push(`  2018:       ${wrap(`"${r.thesis.words}"${r.thesis.reached === null ? '' : r.thesis.reached ? ' (reached)' : ' (not reached)'}`, width - 14, ' '.repeat(14))}`);
    out.push(`  reachwatch: ${r.reachwatch.statuses.map((s) => (r.reachwatch.statuses.length > 1 ? `${s.name}: ${say(s.status)}` : say(s.status))).join('; ')}${r.reachwatch.reached ? ' (reached)' : ' (not reached)'}`);
    for (const ch of r.channels) {
      const mark = ch.agrees === null ? '·' : ch.agrees ? '=' : '≠';
      const concluded = ch.agrees === null ? '' : `${say(ch.status)} (`;
      out.push(`    ${mark} ${ch.type === 'phone' ? 'phone  ' : 'website'} ${ch.value.padEnd(26)} 2018: ${say(ch.thesis).padEnd(18)} reachwatch: ${concluded}${count(ch.attempts)}${concluded ? ')' : ''}`);
    }
    for (const why of r.why) out.push(`    why: ${wrap(why, width - 9, '         ')}`);
  }
  const s = c.summary;
  out.push('');
  out.push(`Channels: ${s.channelsAgreeing} of ${s.channelsCompared} classified as the researcher recorded them.`);
  out.push(`Rows: ${s.rowsAgreeing} agree, ${s.rowsDiffering} differ, ${s.rows - s.rowsAgreeing - s.rowsDiffering} could not be compared.`);
  out.push(`Centers reached (Appendix 1): the thesis ${s.reachedThesis} of ${s.appendixRows}, reachwatch ${s.reachedReachwatch} of ${s.appendixRows}.`);
  return out.join('\n');
}


/** The comparison as a page (served by the demo's inbox server beside the mail). */
export function renderHtml(c: Comparison, links: { board: string; inbox: string }): string {
  const rows = c.rows
    .map((r) => {
      const channels = r.channels
        .map((ch) => `<li class="${ch.agrees === null ? 'na' : ch.agrees ? 'ok' : 'no'}">${esc(ch.type)} <code>${esc(ch.value)}</code>: 2018 <b>${esc(say(ch.thesis))}</b>; reachwatch ${ch.agrees === null ? '' : `<b>${esc(say(ch.status))}</b> `}(${esc(count(ch.attempts))})</li>`)
        .join('');
      return `<tr class="${r.verdict}"><td>${esc(r.ref)}</td><td><a href="${esc(links.board)}/centers/${esc(r.centerId)}">${esc(r.name)}</a></td>
<td>${esc(r.thesis.words)}${r.thesis.reached === null ? '' : `<br><small>${r.thesis.reached ? 'reached' : 'not reached'}</small>`}</td>
<td>${r.reachwatch.statuses.map((s) => `${r.reachwatch.statuses.length > 1 ? `${esc(s.name)}: ` : ''}<b>${esc(say(s.status))}</b>`).join('<br>')}<ul>${channels}</ul></td>
<td><b>${esc(MARK[r.verdict].toLowerCase())}</b>${r.why.map((w) => `<p>${esc(w)}</p>`).join('')}</td></tr>`;
    })
    .join('\n');
  const s = c.summary;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>reachwatch demo: the 2018 table beside the replay</title>
<style>body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;max-width:1200px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #d0d7de;padding:.45rem .5rem;vertical-align:top;text-align:left}th{background:#f6f8fa}
tr.agrees td:last-child b{color:#116329}tr.differs td:last-child b{color:#a40e26}tr.not_compared td:last-child b{color:#57606a}
ul{margin:.3rem 0 0;padding-left:1.1rem}li.ok::marker{content:"= "}li.no::marker{content:"≠ "}li.na::marker{content:"· "}code{font-size:.9em}p{margin:.3rem 0}small{color:#57606a}</style></head>
<body><h1>The 2018 table beside the replay of ${esc(c.period.from)} – ${esc(c.period.until)}</h1>
<p>Channels: <b>${s.channelsAgreeing} of ${s.channelsCompared}</b> classified as the researcher recorded them. Rows: ${s.rowsAgreeing} agree, ${s.rowsDiffering} differ.
Centers reached: the thesis ${s.reachedThesis} of ${s.appendixRows}, reachwatch ${s.reachedReachwatch} of ${s.appendixRows}.
<a href="${esc(links.board)}">The board</a> · <a href="${esc(links.inbox)}">The NGO's inbox</a></p>
<table><thead><tr><th>Row</th><th>Center</th><th>2018: what the researcher found</th><th>reachwatch: what the replay found</th><th>Verdict and why</th></tr></thead>
<tbody>${rows}</tbody></table></body></html>`;
}
