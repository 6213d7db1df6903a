// When a channel is due. Interval schedules run on a per-channel grid (a stable phase derived from
// the channel id), so thousands of channels spread evenly, keep their spread across restarts, and a
// channel that missed runs during downtime simply takes its next slot: nothing is replayed in bulk.

import { createHash } from 'node:crypto';
import cron from 'node-cron';

export type Schedule = { kind: 'interval'; everyMs: number; spec: string } | { kind: 'cron'; expression: string; tz: string; spec: string };

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "30s", "5m", "1h", "1d" -> milliseconds; null for anything else, including zero. */
export function parseDuration(spec: string): number | null {
  const m = DURATION.exec(spec.trim());
  if (!m) return null;
  const ms = Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  return ms > 0 ? ms : null;
}

/** Parses "5m", "90s", "1h" or a 5/6-field cron expression; returns an error sentence when invalid. */
export function parseSchedule(spec: string, tz: string): Schedule | { error: string } {
  const everyMs = parseDuration(spec);
  if (everyMs !== null) {
    if (everyMs < 1000) return { error: `"${spec}" is shorter than the 1 second minimum interval.` };
    return { kind: 'interval', everyMs, spec };
  }
  const v = cron.validateDetailed(spec);
  if (!v.valid) {
    const why = v.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return { error: `"${spec}" is neither a duration (like 5m, 1h, 30s) nor a valid cron expression (${why}).` };
  }
  return { kind: 'cron', expression: spec, tz, spec };
}

/** A stable number in [0, 1) per channel id: the same after every restart, on every machine. */
export function phaseOf(id: string): number {
  return createHash('sha1').update(id).digest().readUInt32BE(0) / 0x1_0000_0000;
}

// node-cron computes next runs from a task; stopped tasks hold no timer, so one per expression is cheap.
const cronTasks = new Map<string, ReturnType<typeof cron.createTask>>();

function cronNext(expression: string, tz: string, after: number): number {
  const key = `${tz}\u0000${expression}`;
  let task = cronTasks.get(key);
  if (!task) {
    task = cron.createTask(expression, () => undefined, { timezone: tz });
    cronTasks.set(key, task);
  }
  // getNextRuns counts from the real clock; step forward until past `after` (rarely more than one step).
  const runs = task.getNextRuns(64).map((d) => d.getTime());
  return runs.find((t) => t > after) ?? (runs.at(-1) ?? after) + 60_000;
}

/**
 * The next slot strictly after `after` for this channel. For intervals, slots sit on the grid
 * t ≡ phase·interval (mod interval). Cron slots get a stable offset within the minute so that
 * channels sharing one expression do not all start in the same second.
 */
export function nextSlot(schedule: Schedule, phase: number, after: number): number {
  if (schedule.kind === 'interval') {
    const every = schedule.everyMs;
    const offset = Math.floor(phase * every);
    const k = Math.floor((after - offset) / every) + 1;
    return k * every + offset;
  }
  const offset = Math.floor(phase * 60_000);
  return cronNext(schedule.expression, schedule.tz, after - offset) + offset;
}
