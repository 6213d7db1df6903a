// The agent's estimate of its clock against the central's (NTP-style): every reply carries the
// central's time; with the request's send and receive times on our clock, the offset is the middle of
// the round trip minus the central's time, within RTT/2. The sample with the shortest round trip of
// the recent ones wins (the least uncertain). Leases and slots are in central time; this converts.

const KEEP = 8;

export interface ClockSample {
  /** Agent clock minus central clock, ms. */
  offsetMs: number;
  /** The round trip it was measured over: the offset is good to ±rttMs/2. */
  rttMs: number;
}

/** One sample from a request sent at t0 and answered at t1 (agent clock), the reply saying serverTime. */
export function sampleOf(t0: number, t1: number, serverTime: number): ClockSample {
  return { offsetMs: Math.round((t0 + t1) / 2 - serverTime), rttMs: Math.max(0, t1 - t0) };
}

export class CentralClock {
  private samples: ClockSample[] = [];
  private best: ClockSample | null = null;

  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  add(sample: ClockSample): ClockSample {
    this.samples.push(sample);
    if (this.samples.length > KEEP) this.samples.shift();
    this.best = this.samples.reduce((a, b) => (b.rttMs < a.rttMs ? b : a));
    return this.best;
  }

  /** Agent minus central, ms; 0 before the first reply. */
  get offsetMs(): number {
    return this.best?.offsetMs ?? 0;
  }

  get known(): boolean {
    return this.best !== null;
  }

  /** The central's clock now, as well as we know it. */
  centralNow(): number {
    return this.now() - this.offsetMs;
  }

  /** A central time on our clock. */
  toAgent(centralTime: number): number {
    return centralTime + this.offsetMs;
  }
}
