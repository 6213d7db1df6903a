// Self-check changes are written (a period row and the operator's notice) in order; one the disk
// refused waits here and is written, and sent, as soon as the disk accepts writes again.

import type { Logger } from 'pino';
import type { SelfCheckPeriods } from '../store/self-check-periods.ts';
import type { SelfCheckState } from './self-check.ts';

export interface SelfCheckNotice {
  degraded: boolean;
  since: number;
  reasons: { check: string; detail: string }[];
}

export class SelfCheckRecorder {
  private periodId: number | null = null;
  private lastDegraded: SelfCheckState | null = null;
  private readonly unsaved: SelfCheckState[] = [];
  private readonly periods: SelfCheckPeriods;
  private readonly notify: (notice: SelfCheckNotice) => void;
  private readonly log: Logger;

  /** `notify` runs inside the transaction that writes the period (it queues the operator's alert). */
  constructor(periods: SelfCheckPeriods, notify: (notice: SelfCheckNotice) => void, log: Logger) {
    this.periods = periods;
    this.notify = notify;
    this.log = log;
  }

  /** Records a change of the self-check's state (now, or once the disk takes writes). */
  push(state: SelfCheckState): void {
    this.unsaved.push(state);
    this.flush();
  }

  /** Writes the changes still waiting, in order; stops at the first the disk refuses. */
  flush(): void {
    while (this.unsaved.length > 0) {
      const state = this.unsaved[0] as SelfCheckState;
      try {
        this.periods.transaction(() => {
          if (state.degraded) {
            this.periodId = this.periods.open(state.since, state.failing);
            this.lastDegraded = state;
          } else if (this.periodId !== null) {
            this.periods.close(this.periodId, state.since);
          }
          // A recovery names what had failed.
          const reasons = (state.degraded ? state : (this.lastDegraded ?? state)).failing.map((f) => ({ check: f.check, detail: f.detail }));
          this.notify({ degraded: state.degraded, since: state.since, reasons });
        });
      } catch (err) {
        this.log.error({ err }, 'could not record the self-check change (the disk?); will retry');
        return;
      }
      if (!state.degraded) this.periodId = null;
      this.unsaved.shift();
    }
  }
}
