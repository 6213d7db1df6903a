// "Our failure is not their failure." Before a failed probe is allowed to count against a center,
// the daemon asks whether it can reach anything at all: a few well-known canary sites. If none
// answers, the failure is ours, and the evidence records that so the classifier marks it `error`.

import type { Channel } from '../domain.ts';
import type { Prober } from '../probers/prober.ts';

export interface CanaryState {
  ok: boolean;
  checkedAt: number;
  detail: string;
}

export interface CanaryOptions {
  urls: string[];
  /** A result younger than this is reused, so a burst of failures triggers one check, not hundreds. */
  maxAgeMs: number;
  prober: Prober;
  totalTimeoutMs: number;
  now?: () => number;
}

export class CanaryMonitor {
  private last: CanaryState | null = null;
  private inflight: Promise<CanaryState> | null = null;
  private readonly now: () => number;
  /** Changes of the canary verdict, for logs, metrics and the readiness report. */
  onChange?: (state: CanaryState) => void;

  private readonly opts: CanaryOptions;

  constructor(opts: CanaryOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  get configured(): boolean {
    return this.opts.urls.length > 0;
  }

  get lastState(): CanaryState | null {
    return this.last;
  }

  /** The canary verdict, at most maxAgeMs old; concurrent callers share one check. */
  async state(): Promise<CanaryState | null> {
    if (!this.configured) return null;
    if (this.last && this.now() - this.last.checkedAt <= this.opts.maxAgeMs) return this.last;
    this.inflight ??= this.check().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async check(): Promise<CanaryState> {
    const checkedAt = this.now();
    const results = await Promise.all(
      this.opts.urls.map(async (url, i) => {
        const channel: Channel = {
          id: `canary-${i}`, centerId: 'reachwatch', type: 'website', value: url, target: url, unprobeableReason: null, options: {}, line: 0,
        };
        const ev = await this.opts.prober.probe(channel, { signal: AbortSignal.timeout(this.opts.totalTimeoutMs) });
        // Any HTTP answer at all proves our network works; only a transport failure counts against us.
        const hops = (ev.hops as { status?: number }[] | undefined) ?? [];
        const answered = hops.some((h) => typeof h.status === 'number');
        return { url, answered };
      }),
    );
    const up = results.filter((r) => r.answered);
    const state: CanaryState = {
      ok: up.length > 0,
      checkedAt,
      detail: up.length > 0 ? `${up.length} of ${results.length} canaries answered` : `none of ${results.length} canaries answered (${results.map((r) => r.url).join(', ')})`,
    };
    if (!this.last || this.last.ok !== state.ok) this.onChange?.(state);
    this.last = state;
    return state;
  }
}
