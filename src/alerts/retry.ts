// When to try a failed delivery again. Pure: the dispatcher passes the clock and the dice.

/** Standard Webhooks' schedule after the first try: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const DEFAULT_RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000];

/** A receiver's Retry-After is honoured up to this; beyond it we keep our own schedule. */
const MAX_RETRY_AFTER_MS = 86_400_000;

export type RetryDecision = { retry: true; at: number } | { retry: false; why: 'permanent' | 'exhausted' };

/**
 * `attempts` counts the tries made so far (1 after the first). Jitter of ±20% keeps a receiver that
 * comes back from being hit by every queued alert in the same second.
 */
export function nextAttempt(
  attempts: number,
  schedule: readonly number[],
  now: number,
  failure: { permanent: boolean; retryAfterMs: number | null },
  random: () => number = Math.random,
): RetryDecision {
  if (failure.permanent) return { retry: false, why: 'permanent' };
  const base = schedule[attempts - 1];
  if (base === undefined) return { retry: false, why: 'exhausted' };
  const jittered = Math.round(base * (0.8 + 0.4 * random()));
  // A receiver that says when to come back (a rate limit) is not failing: come back then, no sooner.
  if (failure.retryAfterMs !== null) return { retry: true, at: now + Math.min(Math.max(failure.retryAfterMs, 0), MAX_RETRY_AFTER_MS) };
  return { retry: true, at: now + jittered };
}
