// Declarative scripts for the fake Twilio: what a destination number does when called, texted or
// looked up, and which REST requests fail. Plain data, so tests, benchmarks and the demo can keep
// them in tables or YAML.
//
// Every duration here is *virtual* milliseconds: the fake waits `ms * timeScale` of real time, but
// reports the unscaled value in CallDuration, Timestamp, start_time/end_time and so on, so a 0.01
// scale still produces calls that "last" 14 s and pass duration-based rules.

/** `call_enum_status` in twilio_api_v2010.json. */
export type CallStatus =
  | 'queued'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'failed'
  | 'no-answer'
  | 'canceled';

export const TERMINAL_CALL_STATUSES: readonly CallStatus[] = ['completed', 'busy', 'failed', 'no-answer', 'canceled'];

/** `call_enum_event`: what StatusCallbackEvent may ask for. */
export type CallEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

/** AnsweredBy values Twilio documents (Enable gives the first four, DetectMessageEnd the machine_end_*). */
export type AnsweredBy =
  | 'human'
  | 'machine_start'
  | 'machine_end_beep'
  | 'machine_end_silence'
  | 'machine_end_other'
  | 'fax'
  | 'unknown';

/** Outcomes a scenario can end in. `canceled` plays "Twilio gave up" (e.g. 24 h in the queue). */
export type CallOutcome = 'busy' | 'no-answer' | 'failed' | 'completed' | 'canceled';

/** Callback kinds a scenario may suppress: the four status events plus the async AMD result. */
export type DroppableCallback = CallEvent | 'amd';

/** One keypress string (or null for silence) per <Gather>, in order; a single value is the first Gather only. */
export type InputScript = string | null | readonly (string | null)[];

export interface CallScenario {
  /** Refuse the create request itself (e.g. { code: 21215 } for geo permissions), every time. */
  reject?: RestFailureSpec;
  /** Virtual ms from create to the `initiated` event (leaving the queue). Default 0. */
  queueMs?: number;
  /** Virtual ms from create to `ringing`; null = never rings (failed before alerting). Default 100, or null for `failed`. */
  ring?: number | null;
  /** Ring time before pick-up, for `completed`. Default 1500. Longer than Timeout turns the call into no-answer. */
  answerAfter?: number;
  /** Ring time before a busy/no-answer/failed/canceled ending. Default: no-answer = Timeout s (default 60), else 500. */
  ringFor?: number;
  outcome: CallOutcome;
  /** Default 486 busy, 487 no-answer/canceled, 404 failed, 200 completed. */
  sipResponseCode?: number;
  /** Sent as ErrorCode/ErrorMessage on the final callback and logged as a call notification. */
  errorCode?: number;
  /** Who answered; only reported when the create asked for MachineDetection. Default human. */
  answeredBy?: AnsweredBy;
  /** Virtual ms AMD needs after pick-up (MachineDetectionDuration). Default 2500 (machine), 1800 (human). */
  amdMs?: number;
  /** Keys pressed at each <Gather> (dtmf input). Default: silent. */
  press?: InputScript;
  /** Said at each <Gather> accepting speech; wins over `press` when the Gather accepts both. */
  speech?: InputScript;
  /** Confidence sent with SpeechResult. Default 0.92. */
  speechConfidence?: number;
  /** Virtual ms the person waits after the prompt before answering a <Gather>. Default 1000. */
  respondAfter?: number;
  /** What the person leaves at the first <Record>; without it the recording is empty and skipped. */
  recording?: { url: string; durationSec: number };
  /** Events never delivered (still numbered, so SequenceNumber shows a gap). */
  dropCallbacks?: readonly DroppableCallback[];
  /** Deliver every status/AMD callback twice (same SequenceNumber and idempotency token). */
  duplicate?: boolean;
  /** Hold the status callbacks and deliver them in reverse order when the call ends. */
  shuffle?: boolean;
  /**
   * Virtual ms after the call ends before its Events log (Calls/{Sid}/Events.json) lists anything;
   * Twilio documents up to 15 minutes. Default: FakeTwilioOptions.callEventsDelayMs (0).
   */
  eventsDelayMs?: number;
}

/** How a REST request fails. `status` defaults from the code (see errors.ts), else 400. */
export interface RestFailureSpec {
  status?: number;
  code?: number;
  message?: string;
  /** Sent verbatim instead of Twilio's JSON error body (e.g. an HTML 502 from a load balancer). */
  rawBody?: string;
  /** Read the request and never answer: exercises client timeouts. */
  hang?: boolean;
}

export type RestOperation =
  | 'calls.create'
  | 'calls.list'
  | 'calls.fetch'
  | 'calls.update'
  | 'notifications.list'
  | 'events.list'
  | 'messages.create'
  | 'messages.list'
  | 'messages.fetch'
  | 'lookups.fetch';

/** Holds matching REST requests back before they "arrive": a request delayed in flight. */
export interface RestDelayRule {
  /** How long the request is held before the fake logs its arrival and handles it (real ms, not scaled). */
  ms: number;
  /** Only requests for this number (To of a create, or the looked-up number). */
  to?: string;
  /** Only these operations. Default: any. */
  operation?: RestOperation | readonly RestOperation[];
  /** How many matching requests are delayed. Default 1; Infinity for every one. */
  times?: number;
}

export interface RestFailureRule extends RestFailureSpec {
  /** Only requests for this number (To of a create, or the looked-up number). */
  to?: string;
  /** Only these operations. Default: any. */
  operation?: RestOperation | readonly RestOperation[];
  /** How many matching requests fail. Default 1; Infinity for a lasting outage. */
  times?: number;
}

/** `type` values of Lookup v2 line_type_intelligence. */
export type LineType =
  | 'mobile'
  | 'landline'
  | 'fixedVoip'
  | 'nonFixedVoip'
  | 'tollFree'
  | 'personal'
  | 'premium'
  | 'sharedCost'
  | 'uan'
  | 'voicemail'
  | 'pager'
  | 'unknown';

/** `ValidationError` enum of twilio_lookups_v2.json. */
export type LookupValidationError =
  | 'TOO_SHORT'
  | 'TOO_LONG'
  | 'INVALID_BUT_POSSIBLE'
  | 'INVALID_COUNTRY_CODE'
  | 'INVALID_LENGTH'
  | 'NOT_A_NUMBER';

/** Overrides on top of what libphonenumber metadata says about a number. */
export interface LookupScenario {
  /** Fail the lookup instead (e.g. { status: 404, code: 20404 }). */
  reject?: RestFailureSpec;
  valid?: boolean;
  validationErrors?: readonly LookupValidationError[];
  countryCode?: string;
  lineType?: LineType | null;
  carrierName?: string | null;
  mobileCountryCode?: string | null;
  mobileNetworkCode?: string | null;
  /** line_type_intelligence.error_code, e.g. 60607 unsupported country (the whole object is then nulls). */
  lineTypeErrorCode?: number | null;
  /** line_status.status: active, reachable, unreachable, inactive, unknown. */
  lineStatus?: string;
}

export interface SmsScenario {
  /** Refuse the create request (e.g. { code: 21610 } unsubscribed). */
  reject?: RestFailureSpec;
  /** Default delivered. */
  outcome?: 'delivered' | 'undelivered' | 'failed';
  /** For undelivered/failed, e.g. 30003 unreachable handset, 30005 unknown destination. */
  errorCode?: number;
  /** Virtual ms queued → sent, and sent → final. Defaults 200 and 800. */
  sentAfter?: number;
  finalAfter?: number;
}
