// A progress line for long work (verify, export, backup, reports): on a terminal only, on stderr, so
// stdout stays the result; nothing in a pipe, a file, or with --quiet. No package: one line redrawn
// with a carriage return, at most every 100 ms.

export interface ProgressOptions {
  /** Where the line goes (stderr). */
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Whether the stream is a terminal; the stream's own isTTY unless given (tests give it). */
  isTTY?: boolean;
  quiet?: boolean;
  /** At most one redraw per this many ms (default 100). */
  intervalMs?: number;
  now?: () => number;
}

const BAR = 24;

export class Progress {
  readonly enabled: boolean;
  private readonly stream: ProgressOptions['stream'];
  private readonly intervalMs: number;
  private readonly now: () => number;
  private last = -Infinity;
  private drawn = false;
  private width = 0;

  constructor(opts: ProgressOptions) {
    this.stream = opts.stream;
    this.enabled = !opts.quiet && (opts.isTTY ?? opts.stream.isTTY === true);
    this.intervalMs = opts.intervalMs ?? 100;
    this.now = opts.now ?? (() => performance.now());
  }

  /** `done` of `total` (null: unknown, a count is shown instead of a bar) for `label`. */
  update(label: string, done: number, total: number | null, force = false): void {
    if (!this.enabled) return;
    const t = this.now();
    if (!force && t - this.last < this.intervalMs) return;
    this.last = t;
    let line: string;
    if (total !== null && total > 0) {
      const share = Math.min(1, Math.max(0, done / total));
      const full = Math.round(share * BAR);
      line = `${label} [${'#'.repeat(full)}${'-'.repeat(BAR - full)}] ${Math.floor(share * 100)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
    } else {
      line = `${label} ${done.toLocaleString('en-US')}`;
    }
    const max = (this.stream.columns ?? 80) - 1;
    if ([...line].length > max) line = [...line].slice(0, max).join('');
    // Padded over what the previous line left, then back to the start of the line.
    this.stream.write(`\r${line}${' '.repeat(Math.max(0, this.width - [...line].length))}`);
    this.width = [...line].length;
    this.drawn = true;
  }

  /** Clears the line, so what follows (the result, an error) starts clean. */
  done(): void {
    if (!this.enabled || !this.drawn) return;
    this.stream.write(`\r${' '.repeat(this.width)}\r`);
    this.drawn = false;
    this.width = 0;
  }
}
