// How an outcome counts towards availability. Pure, and the one place the rule lives: rollups,
// the board, the directory and reports all count with it.

import type { Outcome } from '../domain.ts';
import { DOWN_STATUSES, IMPAIRED_STATUSES } from '../status/center.ts';

export type OutcomeClass = 'reachable' | 'down' | 'impaired' | 'inconclusive' | 'errors';

export function outcomeClass(outcome: Outcome): OutcomeClass {
  if (outcome === 'reachable') return 'reachable';
  if (outcome === 'error') return 'errors';
  if (outcome === 'inconclusive') return 'inconclusive';
  if (DOWN_STATUSES.has(outcome)) return 'down';
  if (IMPAIRED_STATUSES.has(outcome)) return 'impaired';
  return 'inconclusive';
}

export interface Counts {
  reachable: number;
  down: number;
  impaired: number;
}

/** Reachable share of the attempts that said something about the center; null when none did (no data). */
export function availability(c: Counts): number | null {
  const counted = c.reachable + c.down + c.impaired;
  return counted === 0 ? null : c.reachable / counted;
}
