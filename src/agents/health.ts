// Agent health is not center health (docs/agents.md, "Agent health"). A pure policy decides from an
// agent's row whether it just went stale or was just heard again; `AgentHealthWatch` acts on the
// decisions (marks the row, raises one operator notice each way) and a timer in the daemon runs it.
// An agent's silence never touches a center's status nor the daemon's self-check: its channels show
// "no data from <agent>" and the other vantage points (and central) go on counting.

import type { AlertFacts } from '../alerts/messages.ts';
import type { AgentStore } from '../store/agents.ts';
import type { AgentRow } from '../store/rows.ts';

export interface AgentHealthLimits {
  staleAfterMs: number;
  maxClockOffsetMs: number;
}

export type AgentHealthState = 'fresh' | 'stale' | 'not_enrolled' | 'revoked';

export interface AgentHealthView {
  state: AgentHealthState;
  /** Its clock is further off than vantage.max_clock_offset: its times are being corrected. */
  clockFlagged: boolean;
}

export type AgentHealthDecision =
  | { kind: 'none' }
  /** Silent longer than stale_after since `since` − stale_after. */
  | { kind: 'stale'; since: number }
  /** Heard at `heardAt` after being stale since `staleSince`. */
  | { kind: 'back'; staleSince: number; heardAt: number };

type HealthFacts = Pick<AgentRow, 'last_seen_at' | 'stale_since' | 'revoked_at' | 'enrolled_at' | 'clock_offset_ms'>;

/** When the agent was last heard; an enrolled agent was heard at its enrollment at least. */
const heardAt = (a: HealthFacts): number | null => a.last_seen_at ?? a.enrolled_at;

/**
 * `listeningSince`: when this daemon started taking requests. An agent cannot have been heard while
 * the central was down, so its silence is counted from then: our outage is not the agent's.
 */
export function judgeAgentHealth(a: HealthFacts, now: number, limits: Pick<AgentHealthLimits, 'staleAfterMs'>, listeningSince = Number.NEGATIVE_INFINITY): AgentHealthDecision {
  // A revoked agent is expected to be silent; one never enrolled was never running.
  if (a.revoked_at !== null || a.enrolled_at === null) return { kind: 'none' };
  const heard = heardAt(a);
  if (heard === null) return { kind: 'none' };
  if (a.stale_since === null) {
    const silentFrom = Math.max(heard, listeningSince);
    return now - silentFrom > limits.staleAfterMs ? { kind: 'stale', since: silentFrom + limits.staleAfterMs } : { kind: 'none' };
  }
  return heard > a.stale_since ? { kind: 'back', staleSince: a.stale_since, heardAt: heard } : { kind: 'none' };
}

/** What the agent list shows: computed live, so it agrees with the timer's next decision. */
export function agentHealthView(a: HealthFacts, now: number, limits: AgentHealthLimits): AgentHealthView {
  const clockFlagged = a.clock_offset_ms !== null && Math.abs(a.clock_offset_ms) > limits.maxClockOffsetMs;
  if (a.revoked_at !== null) return { state: 'revoked', clockFlagged };
  if (a.enrolled_at === null) return { state: 'not_enrolled', clockFlagged };
  const heard = heardAt(a) as number;
  const stale = a.stale_since !== null ? heard <= a.stale_since : now - heard > limits.staleAfterMs;
  return { state: stale ? 'stale' : 'fresh', clockFlagged };
}

/** The operator's notice about one agent. */
export interface AgentNotice {
  state: 'stale' | 'back';
  agent: { id: string; name: string; vantage: string };
  /** When it went stale, or when it was heard again. */
  at: number;
  lastSeenAt: number | null;
  /** For 'back': how long it was silent. */
  silentMs?: number;
}

/** The operator's alert for a notice: a `self_check` event, so it reaches the operators' subscriptions only. */
export function agentNoticeFacts(n: AgentNotice, boardUrl: string | null): AlertFacts {
  return {
    event: 'self_check',
    at: n.at,
    center: null,
    channels: [],
    evidence: [],
    boardUrl,
    agent: { state: n.state, id: n.agent.id, name: n.agent.name, vantage: n.agent.vantage, lastSeenAt: n.lastSeenAt },
  };
}

export class AgentHealthWatch {
  private readonly store: AgentStore;
  private readonly limits: AgentHealthLimits;
  private readonly notify: (notice: AgentNotice, key: string) => void;
  private readonly now: () => number;
  /** Points with at least one fresh agent, as of the last tick. */
  private fresh = new Set<string>();

  /** `notify` queues the operator's notice; it runs inside the transaction that marks the agent, once per key. */
  private readonly listeningSince: number;

  constructor(opts: { store: AgentStore; limits: AgentHealthLimits; notify: (notice: AgentNotice, key: string) => void; now?: () => number }) {
    this.store = opts.store;
    this.limits = opts.limits;
    this.notify = opts.notify;
    this.now = opts.now ?? Date.now;
    this.listeningSince = this.now();
  }

  /**
   * Whether no agent of the point is fresh (as of the last tick): its results then do not count in a
   * channel's combined status (src/status/vantage.ts), whatever they said last.
   */
  isPointStale(point: string): boolean {
    return !this.fresh.has(point);
  }

  /** Looks at every agent once; returns the notices raised. */
  tick(): AgentNotice[] {
    const now = this.now();
    const raised: AgentNotice[] = [];
    for (const a of this.store.list(false)) {
      const d = judgeAgentHealth(a, now, this.limits, this.listeningSince);
      if (d.kind === 'none') continue;
      const agent = { id: a.id, name: a.name, vantage: a.vantage };
      this.store.transaction(() => {
        if (d.kind === 'stale') {
          if (!this.store.markStale(a.id, d.since)) return;
          const n: AgentNotice = { state: 'stale', agent, at: d.since, lastSeenAt: a.last_seen_at };
          this.notify(n, `agent_stale:${a.id}:${d.since}`);
          raised.push(n);
        } else {
          if (!this.store.markBack(a.id, d.staleSince)) return;
          const n: AgentNotice = { state: 'back', agent, at: d.heardAt, lastSeenAt: a.last_seen_at, silentMs: d.heardAt - (d.staleSince - this.limits.staleAfterMs) };
          this.notify(n, `agent_back:${a.id}:${d.staleSince}`);
          raised.push(n);
        }
      });
    }
    const fresh = new Set<string>();
    for (const a of this.store.list(false)) {
      const view = agentHealthView({ ...a, last_seen_at: a.stale_since === null && a.enrolled_at !== null ? Math.max(heardAt(a) ?? 0, this.listeningSince) : a.last_seen_at }, now, this.limits);
      if (view.state === 'fresh') fresh.add(a.vantage);
    }
    this.fresh = fresh;
    return raised;
  }
}
