// Responsible calling, as a pure policy: given the time, the number's call history, the budget and
// the opt-out list, may we dial now, and if not, when may we? Help lines are real people: every
// automated call takes an operator's time from someone in need.

export interface CallingWindow {
  /** ISO weekdays, 1 = Monday ... 7 = Sunday. */
  days: number[];
  /** Local "HH:MM", inclusive. */
  from: string;
  /** Local "HH:MM", exclusive. */
  to: string;
}

export interface CallingRules {
  window: CallingWindow;
  /** Max calls to one number in any rolling 24 hours. */
  perNumberPerDay: number;
  /** Max calls to one number in any rolling 7 days. */
  perNumberPerWeek: number;
  /** Estimated cost of one call, in the budget's currency. */
  estimatedCallCost: number;
  /** Spend cap per calendar month (UTC); 0 disables calling. */
  monthlySpendCap: number;
}

export interface CallingFacts {
  now: number;
  tz: string;
  /** Start times (epoch ms) of calls to this number in the last 7 days. */
  recentCalls: number[];
  /** Estimated spend of this calendar month so far. */
  spentThisMonth: number;
  optedOut: boolean;
}

export type CallingDecision =
  | { allow: true }
  | { allow: false; reason: 'opted_out' | 'outside_hours' | 'daily_cap' | 'weekly_cap' | 'spend_cap'; detail: string; retryAt: number | null };

const DAY = 86_400_000;

export function decideCall(rules: CallingRules, f: CallingFacts): CallingDecision {
  if (f.optedOut) return { allow: false, reason: 'opted_out', detail: 'The number asked never to be called again.', retryAt: null };
  if (rules.monthlySpendCap <= 0 || f.spentThisMonth + rules.estimatedCallCost > rules.monthlySpendCap) {
    return {
      allow: false,
      reason: 'spend_cap',
      detail: `This month's estimated spend (${f.spentThisMonth.toFixed(2)}) would pass the cap of ${rules.monthlySpendCap.toFixed(2)}.`,
      retryAt: startOfNextMonthUtc(f.now),
    };
  }
  const lastDay = f.recentCalls.filter((t) => t > f.now - DAY).sort((a, b) => a - b);
  if (lastDay.length >= rules.perNumberPerDay) {
    const retryAt = nextWindowStart(rules.window, f.tz, (lastDay[lastDay.length - rules.perNumberPerDay] as number) + DAY);
    return { allow: false, reason: 'daily_cap', detail: `Already called ${lastDay.length} time(s) in the last 24 hours (cap ${rules.perNumberPerDay}).`, retryAt };
  }
  const lastWeek = f.recentCalls.filter((t) => t > f.now - 7 * DAY).sort((a, b) => a - b);
  if (lastWeek.length >= rules.perNumberPerWeek) {
    const retryAt = nextWindowStart(rules.window, f.tz, (lastWeek[lastWeek.length - rules.perNumberPerWeek] as number) + 7 * DAY);
    return { allow: false, reason: 'weekly_cap', detail: `Already called ${lastWeek.length} time(s) in the last 7 days (cap ${rules.perNumberPerWeek}).`, retryAt };
  }
  if (!inWindow(rules.window, f.tz, f.now)) {
    return { allow: false, reason: 'outside_hours', detail: `Outside calling hours (${describeWindow(rules.window)}, ${f.tz}).`, retryAt: nextWindowStart(rules.window, f.tz, f.now) };
  }
  return { allow: true };
}

// ---------------------------------------------------------------------------------------------
// Local time in a zone, without a date library: Intl gives the wall-clock fields.

const formatters = new Map<string, Intl.DateTimeFormat>();
function fmt(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    formatters.set(tz, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export interface LocalTime {
  weekday: number;
  date: string;
  minutes: number;
}

export function localTime(tz: string, at: number): LocalTime {
  const parts = Object.fromEntries(fmt(tz).formatToParts(at).map((p) => [p.type, p.value]));
  return {
    weekday: WEEKDAYS[parts.weekday as string] ?? 0,
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

const toMinutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

export function inWindow(w: CallingWindow, tz: string, at: number): boolean {
  const t = localTime(tz, at);
  return w.days.includes(t.weekday) && t.minutes >= toMinutes(w.from) && t.minutes < toMinutes(w.to);
}

/** The first instant at or after `after` inside the window (searched minute by minute over 8 days, coarse then fine). */
export function nextWindowStart(w: CallingWindow, tz: string, after: number): number | null {
  if (inWindow(w, tz, after)) return after;
  // Step by 15 minutes (or the window's length, if shorter, so no window is stepped over), then back
  // up to its exact first minute.
  const step = Math.max(1, Math.min(15, toMinutes(w.to) - toMinutes(w.from))) * 60_000;
  const start = Math.ceil(after / 60_000) * 60_000;
  for (let t = start; t < after + 8 * DAY; t += step) {
    if (inWindow(w, tz, t)) {
      let first = t;
      while (first - 60_000 >= after && inWindow(w, tz, first - 60_000)) first -= 60_000;
      return first;
    }
  }
  return null; // an empty window (no days): calling never allowed
}

/** "morning" or "afternoon" slot of a local day: the 2018 protocol wants attempts in different slots or days. */
export function timeSlot(tz: string, at: number): string {
  const t = localTime(tz, at);
  return `${t.date}/${t.minutes < 13 * 60 ? 'am' : 'pm'}`;
}

function describeWindow(w: CallingWindow): string {
  const names = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  return `${w.days.map((d) => names[d]).join(',')} ${w.from}-${w.to}`;
}

function startOfNextMonthUtc(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
