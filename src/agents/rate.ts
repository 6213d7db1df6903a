// The per-agent rate limit: a token bucket per agent, refilled at `vantage.agent_rate` requests per
// second up to a burst of ten seconds' worth. Kept in memory: after a restart every agent starts with
// a full bucket, which is the burst it was allowed anyway.

export interface RateDecision {
  ok: boolean;
  /** When refused: how long until one request is allowed again. */
  retryAfterMs: number;
}

export class AgentRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(ratePerSecond: number, opts: { burst?: number; now?: () => number } = {}) {
    this.rate = ratePerSecond;
    this.burst = opts.burst ?? Math.max(1, ratePerSecond * 10);
    // Monotonic: a wall-clock step must neither refill nor drain the buckets.
    this.now = opts.now ?? (() => performance.now());
  }

  take(agentId: string): RateDecision {
    const t = this.now();
    const b = this.buckets.get(agentId) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.rate);
    b.at = t;
    this.buckets.set(agentId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, retryAfterMs: 0 };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - b.tokens) / this.rate) * 1000) };
  }
}
