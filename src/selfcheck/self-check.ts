// reachwatch's own health. Any failing check (our network, our Twilio account, our disk) makes the
// daemon "degraded": probes go on and their failures are stored as our errors, but no center status
// changes and only the operator is told. Pure bookkeeping; the daemon wires the checks in.

export const SELF_CHECKS = ['canaries', 'twilio_account', 'disk'] as const;
export type SelfCheckName = (typeof SELF_CHECKS)[number];

export interface SelfCheckState {
  degraded: boolean;
  /** When the current state began. */
  since: number;
  failing: { check: SelfCheckName; detail: string; since: number }[];
}

export class SelfCheck {
  private readonly failing = new Map<SelfCheckName, { detail: string; since: number }>();
  private since: number;
  private readonly now: () => number;
  /** Called when the daemon becomes degraded or recovers (not when the reasons change meanwhile). */
  onChange?: (state: SelfCheckState) => void;

  constructor(now: () => number = Date.now) {
    this.now = now;
    this.since = now();
  }

  /** Reports one check: `detail` when it fails, null when it passes. */
  report(check: SelfCheckName, detail: string | null): void {
    const was = this.failing.size > 0;
    if (detail === null) this.failing.delete(check);
    else if (!this.failing.has(check)) this.failing.set(check, { detail, since: this.now() });
    else (this.failing.get(check) as { detail: string }).detail = detail;
    const is = this.failing.size > 0;
    if (was !== is) {
      this.since = this.now();
      this.onChange?.(this.state);
    }
  }

  get degraded(): boolean {
    return this.failing.size > 0;
  }

  get state(): SelfCheckState {
    return {
      degraded: this.failing.size > 0,
      since: this.since,
      failing: [...this.failing].map(([check, f]) => ({ check, detail: f.detail, since: f.since })),
    };
  }
}
