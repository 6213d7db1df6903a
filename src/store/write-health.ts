// Whether the disk takes our writes, judged from what the writer last saw, never by writing from a
// health check: better-sqlite3 blocks the main thread while it waits, so a check that wrote would
// hang exactly when the disk does.

/** Times are monotonic milliseconds (performance.now()): a stall is measured in real time. */
export interface WriteState {
  now: number;
  /** When the oldest result still waiting to be written was queued; null when none waits. */
  oldestPendingAt: number | null;
  /** Since when the idle-time heartbeat write has been failing; null when it succeeds. */
  heartbeatFailingSince: number | null;
  /** The last write error that is not a wait for a lock (disk full, read-only, I/O), until a write succeeds. */
  lastError: string | null;
  /** The last error while waiting, e.g. "database is locked"; it only explains a stall. */
  lastWaitError: string | null;
}

export type WriteVerdict = { ok: true } | { ok: false; reason: string };

export function judgeWrites(s: WriteState, stallAfterMs: number): WriteVerdict {
  if (s.lastError) return { ok: false, reason: `writes fail: ${s.lastError}` };
  const since = [s.oldestPendingAt, s.heartbeatFailingSince].filter((t): t is number => t !== null);
  if (since.length === 0) return { ok: true };
  const waited = s.now - Math.min(...since);
  if (waited <= stallAfterMs) return { ok: true };
  const secs = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  return {
    ok: false,
    reason: `a write has waited ${secs(waited)} for the disk (store.stall_after ${secs(stallAfterMs)})${s.lastWaitError ? `: ${s.lastWaitError}` : ''}`,
  };
}

/** A lock held by another connection: wait and retry, it is not a failure of the disk yet. */
export const isLockWait = (err: unknown): boolean => {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  return code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED';
};
