// The local calendar day of an instant in a time zone, cheaply: the zone's UTC offset is computed once
// per zone and UTC hour (offsets change on hour boundaries in every zone reachwatch serves), so a
// probe costs a Map lookup and a Date, not an Intl format.

const offsets = new Map<string, { hour: number; offsetMs: number }>();
const formats = new Map<string, Intl.DateTimeFormat>();

function offsetAt(tz: string, t: number): number {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formats.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
  return asUtc - Math.floor(t / 60_000) * 60_000;
}

/** The zone's offset from UTC at `t`, in milliseconds (Asia/Almaty: +5 h). */
export function utcOffsetMs(tz: string, t: number): number {
  const hour = Math.floor(t / 3_600_000);
  const c = offsets.get(tz);
  if (c && c.hour === hour) return c.offsetMs;
  const offsetMs = offsetAt(tz, hour * 3_600_000);
  offsets.set(tz, { hour, offsetMs });
  return offsetMs;
}

/** YYYY-MM-DD of `t` in `tz`. */
export function localDay(tz: string, t: number): string {
  return new Date(t + utcOffsetMs(tz, t)).toISOString().slice(0, 10);
}

/** The UTC instant at which local day `day` (YYYY-MM-DD) begins in `tz`. */
export function dayStart(tz: string, day: string): number {
  const naive = Date.parse(`${day}T00:00:00Z`);
  // Two passes settle the offset even when the day starts on a transition.
  let t = naive - utcOffsetMs(tz, naive);
  t = naive - utcOffsetMs(tz, t);
  return t;
}
