// The shape of an availability report, apart from the code that builds it (availability.ts reads the
// store, availability-compute.ts does the arithmetic; both speak these types).

import type { CallingWindow } from '../calling/policy.ts';
import type { Outcome } from '../domain.ts';
import type { Language } from '../i18n/languages.ts';
import type { IncidentView } from '../store/queries.ts';
import type { Granularity } from './periods.ts';

export interface OutcomeCounts {
  reachable: number;
  down: number;
  impaired: number;
  inconclusive: number;
  errors: number;
}

export interface Figures {
  /** Hours of the period outside maintenance. */
  hours: number;
  /** Every probe made in the period, maintenance hours included. */
  probes: number;
  /** Those probes by class of outcome (they sum to `probes`). */
  outcomes: OutcomeCounts;
  /** Outside maintenance: the attempts availability is computed from. */
  counted: { reachable: number; down: number; impaired: number };
  /** counted.reachable / (counted.reachable + counted.down + counted.impaired); null when there is none (no data). */
  availability: number | null;
  /** The hours that overlap calling hours in the center's zone, outside maintenance. */
  callingHours: { hours: number; probes: number; outcomes: OutcomeCounts; availability: number | null };
  /** The hours that overlap a maintenance window: reported here, left out of availability. */
  maintenance: { hours: number; probes: number; outcomes: OutcomeCounts };
  firstReachableAt: string | null;
  lastReachableAt: string | null;
}

export interface Outage {
  /** Center: dark, or partial when it was never dark in the period. Channel: down, or impaired. */
  kind: 'dark' | 'partial' | 'down' | 'impaired';
  from: string;
  to: string;
  durationMs: number;
  duration: string;
  /** The confirmed statuses in the spell (a channel may go from unavailable to closed). */
  statuses: string[];
  /** The spell began before the period (or bucket) and was cut at its start. */
  clippedStart: boolean;
  /** The spell went on past the period's end (or the report's time) and was cut there. */
  clippedEnd: boolean;
  /** Centers: the incident the spell belongs to. */
  incidentId?: number | null;
}

/** An incident as the report lists it: the store's view without its evidence. */
export type IncidentRef = Omit<IncidentView, 'centerId' | 'openEvidence' | 'closeEvidence'>;

export interface MaintenanceRef {
  id: number;
  centerId: string | null;
  region: string | null;
  from: string;
  /** When it ended: its end, or when it was ended early. */
  to: string;
  reason: string;
  createdBy: string;
  endedEarly: boolean;
}

export interface PeriodKey {
  key: string;
  from: string;
  to: string;
}

export interface ChannelPeriod extends PeriodKey, Figures {
  longestOutage: Outage | null;
}

export interface CenterPeriod extends PeriodKey, Figures {
  incidents: { count: number; ids: number[] };
  maintenanceWindows: number[];
  longestOutage: Outage | null;
}

/** What one vantage point saw of a channel in the period (docs/agents.md): its attempts by class. */
export interface PointFigures {
  /** `central`, or a configured point such as `kz`. */
  point: string;
  probes: number;
  outcomes: OutcomeCounts;
  /** reachable / (reachable + down + impaired) over the whole period, maintenance included; null when none. */
  availability: number | null;
}

export interface ChannelReport {
  id: string;
  type: string;
  value: string;
  target: string | null;
  probeable: boolean;
  archived: boolean;
  buckets: ChannelPeriod[];
  total: ChannelPeriod;
  /** Only for a channel probed from more than one vantage point: what each point saw. */
  vantage?: PointFigures[];
}

export interface CenterReport {
  id: string;
  name: string;
  kind: string;
  city: string | null;
  region: string | null;
  /** The center's zone (the default zone when the registry gives none): calling hours are counted in it. */
  timeZone: string;
  archived: boolean;
  incidents: IncidentRef[];
  maintenanceWindows: MaintenanceRef[];
  buckets: CenterPeriod[];
  total: CenterPeriod;
  channels: ChannelReport[];
}

export interface ReportRules {
  lang: Language;
  outcomeClasses: Record<'reachable' | 'down' | 'impaired' | 'inconclusive' | 'errors', string[]>;
  availability: 'reachable / (reachable + down + impaired)';
  confirmations: number;
  spread: { outcomes: Outcome[]; minSlots: number; slot: 'local day and half-day (before/after 13:00)' };
  timeZone: string;
  callingHours: CallingWindow;
  rollup: 'hour';
  maintenance: 'excluded from availability, reported separately';
  errors: 'excluded, never counted as down';
  noData: 'null, never 0';
  centerTotals: 'sum of the channels';
  statements: { topic: string; text: string }[];
}

export interface AvailabilityReport {
  report: 'availability';
  generatedAt: string;
  period: {
    from: string;
    to: string;
    requested: { from: string; to: string };
    hours: number;
    timeZone: string;
    granularity: Granularity;
  };
  filter: { centers: string[] | null; region: string | null; kind: string | null };
  rules: ReportRules;
  buckets: PeriodKey[];
  centers: CenterReport[];
}
