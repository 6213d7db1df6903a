// Our overload is the operator's business: probes whose deadline ran out while our own event loop was
// stalled are stored as error/our_overload (no center is judged by them), and the operator is told in
// the log — at once for the first, then at most once per interval with a count, so a saturated daemon
// does not add a log line per probe to its load. Pure bookkeeping; the monitor logs what it returns.

// The reason is the classifier's: one string, so the monitor cannot miss what the classifier records.
export { OUR_OVERLOAD_REASON } from '../classifier/website.ts';

export interface OverloadSummary {
  /** Probes recorded as our_overload since the previous summary (or since start). */
  probes: number;
  /** Epoch ms of the first of them. */
  since: number;
}

export class OverloadReport {
  readonly #everyMs: number;
  #lastAt = -Infinity;
  #pending = 0;
  #pendingSince = 0;

  constructor(everyMs = 60_000) {
    this.#everyMs = everyMs;
  }

  /** Counts one our_overload probe stored at `now`; returns what to tell the operator when it is time. */
  note(now: number): OverloadSummary | null {
    if (this.#pending === 0) this.#pendingSince = now;
    this.#pending++;
    if (now - this.#lastAt < this.#everyMs) return null;
    const summary = { probes: this.#pending, since: this.#pendingSince };
    this.#lastAt = now;
    this.#pending = 0;
    return summary;
  }
}
