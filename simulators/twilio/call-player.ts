// Plays one outbound call the way Twilio would, driven by a CallScenario: the call-progress
// timeline (initiated → ringing → answered/busy/no-answer/failed), status callbacks, answering
// machine detection, and the TwiML conversation (Say/Play/Pause/Gather/Record/Redirect/Hangup) with a
// scripted person on the other end.
//
// Time is virtual: each scripted wait advances the call's clock by the scripted amount while the
// process sleeps `ms * scale`. Durations and timestamps come from that clock, so they are exact and
// do not depend on machine speed; only an interruption (REST update) adds the real time elapsed.

import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { errorMessage } from './errors.ts';
import { API_VERSION, newSid, parsePhone, rfc2822 } from './resources.ts';
import type { AnsweredBy, CallEvent, CallStatus, DroppableCallback, InputScript } from './scenario.ts';
import { TERMINAL_CALL_STATUSES } from './scenario.ts';
import type { CallState, FormParams, WebhookKind, WebhookRecord } from './state.ts';
import { boolAttr, intAttr, parseTwiml, textOf, TwimlParseError, type XmlElement } from './twiml.ts';
import { newRecord, type WebhookRequest } from './webhook.ts';

/** Documents fetched per call before the fake gives up (a TwiML loop that never hangs up). */
const MAX_DOCUMENTS = 25;
/** Rough text-to-speech pace: about 13 characters a second. */
const SAY_MS_PER_CHAR = 75;
const PLAY_MS = 3000;
const BEEP_MS = 500;

export interface PlayerHost {
  readonly accountSid: string;
  readonly scale: number;
  /** Aborted when the fake closes. */
  readonly signal: AbortSignal;
  authToken(): string;
  /** Appends to the fake-wide webhook log. */
  log(record: WebhookRecord): void;
  /** Sends the webhook; resolves when it is answered or has failed. Never rejects. */
  send(record: WebhookRecord, req: WebhookRequest): Promise<WebhookRecord>;
  /** Callbacks the whole fake withholds at the moment (FakeTwilio.suppressCallbacks), beside the scenario's. */
  suppressed(): readonly DroppableCallback[];
  statusChanged(rt: CallRuntime): void;
  reportError(err: unknown): void;
}

/** The player's private bookkeeping for one call; `state` is what tests see. */
export interface CallRuntime {
  state: CallState;
  /** Aborted by a REST update (cancel/hang up) or TimeLimit. */
  interrupt: AbortController;
  signal: AbortSignal;
  /** Wall-clock epoch ms of creation; virtual time starts here. */
  epoch: number;
  scale: number;
  virtualMs: number;
  /** performance.now() when the current wait began, for partial waits cut short by an interrupt. */
  waitStartedAt: number | null;
  /** Virtual ms at which TimeLimit hangs up; set on answer. */
  deadlineMs: number | null;
  sequence: number;
  gatherIndex: number;
  /** TwiML documents requested so far (Url, actions, redirects). */
  documents: number;
  recordingUsed: boolean;
  syncAnsweredBy: AnsweredBy | null;
  statusChain: Promise<unknown>;
  /** Status callbacks held back by a `shuffle` scenario. */
  held: { record: WebhookRecord; req: WebhookRequest }[];
  inflight: Set<Promise<unknown>>;
  /** Wall-clock epoch ms the call ended (its Events log is readable some time after). */
  endedAt: number | null;
  /** The create request's 201 body, for the call's Events log. */
  createdBody: string;
}

export function newRuntime(state: CallState, hostSignal: AbortSignal, scale: number): CallRuntime {
  const interrupt = new AbortController();
  return {
    state,
    interrupt,
    signal: AbortSignal.any([hostSignal, interrupt.signal]),
    epoch: state.dateCreated.getTime(),
    scale,
    virtualMs: 0,
    waitStartedAt: null,
    deadlineMs: null,
    sequence: 0,
    gatherIndex: 0,
    documents: 0,
    recordingUsed: false,
    syncAnsweredBy: null,
    statusChain: Promise.resolve(),
    held: [],
    inflight: new Set(),
    endedAt: null,
    createdBody: '',
  };
}

export function isTerminal(status: CallStatus): boolean {
  return TERMINAL_CALL_STATUSES.includes(status);
}

export function track(rt: CallRuntime, work: Promise<unknown>): void {
  rt.inflight.add(work);
  void work.finally(() => rt.inflight.delete(work));
}

// ---- entry points -------------------------------------------------------------------------------

export async function playCall(host: PlayerHost, rt: CallRuntime): Promise<void> {
  try {
    await runTimeline(host, rt);
  } catch (err) {
    // A closing fake, or a hang-up that hangUp() has already recorded: nothing left to do.
    if (host.signal.aborted || isTerminal(rt.state.status)) return;
    host.reportError(err);
    endCall(host, rt, 'failed');
  }
}

/**
 * Ends the call now, as a REST update (Status=canceled|completed) or TimeLimit would. Synchronous,
 * so the update's response already shows the final status; the player notices and stops.
 */
export function hangUp(host: PlayerHost, rt: CallRuntime): void {
  if (isTerminal(rt.state.status)) return;
  endCall(host, rt, rt.state.answerTime !== null ? 'completed' : 'canceled', { interrupted: true });
  rt.interrupt.abort();
}

// ---- timeline -------------------------------------------------------------------------------------

async function runTimeline(host: PlayerHost, rt: CallRuntime): Promise<void> {
  const sc = rt.state.scenario;
  const queueMs = sc.queueMs ?? 0;
  await wait(host, rt, queueMs);
  rt.state.startTime = now(rt);
  touch(host, rt);
  emitStatus(host, rt, 'initiated', 'initiated');

  const ringAt = sc.ring !== undefined ? sc.ring : sc.outcome === 'failed' ? null : 100;
  if (ringAt !== null) {
    await wait(host, rt, ringAt - queueMs);
    setStatus(host, rt, 'ringing');
    emitStatus(host, rt, 'ringing', 'ringing');
  }

  const timeoutMs = numberParam(rt.state.params, 'Timeout', 60) * 1000;
  if (sc.outcome !== 'completed') {
    const ringFor = sc.ringFor ?? (sc.outcome === 'no-answer' ? timeoutMs : 500);
    await wait(host, rt, ringFor);
    endCall(host, rt, sc.outcome);
    return;
  }
  const answerAfter = sc.answerAfter ?? 1500;
  if (answerAfter > timeoutMs) {
    // Nobody picked up within Timeout: Twilio cancels the INVITE (487).
    await wait(host, rt, timeoutMs);
    endCall(host, rt, 'no-answer', { sipResponseCode: 487 });
    return;
  }
  await wait(host, rt, answerAfter);
  await answer(host, rt);
  await converse(host, rt);
  endCall(host, rt, 'completed');
}

async function answer(host: PlayerHost, rt: CallRuntime): Promise<void> {
  rt.state.answerTime = now(rt);
  setStatus(host, rt, 'in-progress');
  emitStatus(host, rt, 'answered', 'in-progress');
  rt.deadlineMs = rt.virtualMs + numberParam(rt.state.params, 'TimeLimit', 14_400) * 1000;

  const detection = stringParam(rt.state.params, 'MachineDetection');
  if (detection !== 'Enable' && detection !== 'DetectMessageEnd') return;
  const answeredBy = rt.state.scenario.answeredBy ?? 'human';
  const amdMs = rt.state.scenario.amdMs ?? (answeredBy === 'human' ? 1800 : 2500);
  if (stringParam(rt.state.params, 'AsyncAmd') === 'true') {
    track(rt, reportAsyncAmd(host, rt, answeredBy, amdMs));
    return;
  }
  // Synchronous AMD: the TwiML request waits for the verdict and carries AnsweredBy.
  await wait(host, rt, amdMs);
  rt.state.answeredBy = answeredBy;
  rt.syncAnsweredBy = answeredBy;
  touch(host, rt);
}

async function reportAsyncAmd(host: PlayerHost, rt: CallRuntime, answeredBy: AnsweredBy, amdMs: number): Promise<void> {
  // AMD runs beside the call: it does not advance the call's own clock.
  await delay(amdMs * host.scale, undefined, { signal: host.signal }).catch(() => undefined);
  if (host.signal.aborted) return;
  rt.state.answeredBy = answeredBy;
  touch(host, rt);
  const url = stringParam(rt.state.params, 'AsyncAmdStatusCallback');
  if (url === undefined) return;
  const params = {
    AccountSid: host.accountSid,
    CallSid: rt.state.sid,
    AnsweredBy: answeredBy,
    MachineDetectionDuration: String(amdMs),
  };
  dispatch(host, rt, 'amd', { kind: 'amd' }, request(host, url, methodParam(rt, 'AsyncAmdStatusCallbackMethod'), params));
}

interface EndOptions {
  sipResponseCode?: number;
  interrupted?: boolean;
}

const DEFAULT_SIP: Readonly<Partial<Record<CallStatus, number>>> = {
  completed: 200,
  busy: 486,
  'no-answer': 487,
  failed: 404,
  canceled: 487,
};

function endCall(host: PlayerHost, rt: CallRuntime, status: CallStatus, opts: EndOptions = {}): void {
  if (isTerminal(rt.state.status)) return;
  const st = rt.state;
  const scripted = !opts.interrupted && status === st.scenario.outcome;
  st.endTime = now(rt);
  rt.endedAt = Date.now();
  st.durationSec = st.answerTime === null ? null : Math.round((st.endTime.getTime() - st.answerTime.getTime()) / 1000);
  st.sipResponseCode = opts.sipResponseCode ?? (scripted ? st.scenario.sipResponseCode : undefined) ?? DEFAULT_SIP[status] ?? null;
  st.errorCode = scripted ? (st.scenario.errorCode ?? null) : null;
  if (st.errorCode !== null) notify(rt, st.errorCode, '0', errorMessage(st.errorCode), '', 'POST');
  setStatus(host, rt, status);
  emitStatus(host, rt, 'completed', status, finalParams(st));
  flushHeld(host, rt);
}

function finalParams(st: CallState): Record<string, string> {
  const duration = st.durationSec ?? 0;
  const params: Record<string, string> = {
    CallDuration: String(duration),
    // Billed minutes, rounded up.
    Duration: String(Math.ceil(duration / 60)),
    SipResponseCode: String(st.sipResponseCode ?? ''),
  };
  if (st.answeredBy !== null) params.AnsweredBy = st.answeredBy;
  if (st.errorCode !== null) {
    params.ErrorCode = String(st.errorCode);
    params.ErrorMessage = errorMessage(st.errorCode);
  }
  return params;
}

// ---- the conversation -----------------------------------------------------------------------------

interface Doc {
  verbs: XmlElement[];
  /** Where the document came from, for relative action URLs; null for inline Twiml. */
  url: string | null;
}

type Next = Doc | null | 'continue';

async function converse(host: PlayerHost, rt: CallRuntime): Promise<void> {
  let doc = await firstDocument(host, rt);
  while (doc !== null) doc = await runVerbs(host, rt, doc);
}

async function firstDocument(host: PlayerHost, rt: CallRuntime): Promise<Doc | null> {
  const url = stringParam(rt.state.params, 'Url');
  const extra: Record<string, string> = rt.syncAnsweredBy !== null ? { AnsweredBy: rt.syncAnsweredBy } : {};
  if (url !== undefined) {
    const doc = await fetchDocument(host, rt, 'twiml', url, methodParam(rt, 'Method'), extra);
    const fallback = stringParam(rt.state.params, 'FallbackUrl');
    if (doc !== null || fallback === undefined) return doc;
    return fetchDocument(host, rt, 'twiml', fallback, methodParam(rt, 'FallbackMethod'), extra);
  }
  const inline = stringParam(rt.state.params, 'Twiml') ?? '';
  try {
    return { verbs: parseTwiml(inline), url: null };
  } catch (err) {
    notify(rt, 12100, '0', `Document parse failure: ${String(err)}`, '', 'POST');
    return null;
  }
}

async function runVerbs(host: PlayerHost, rt: CallRuntime, doc: Doc): Promise<Doc | null> {
  for (const verb of doc.verbs) {
    const next = await runVerb(host, rt, verb, doc);
    if (next !== 'continue') return next;
  }
  return null;
}

async function runVerb(host: PlayerHost, rt: CallRuntime, verb: XmlElement, doc: Doc): Promise<Next> {
  switch (verb.name) {
    case 'Say':
    case 'Play':
    case 'Pause':
      await wait(host, rt, promptMs(verb));
      return 'continue';
    case 'Gather':
      return gather(host, rt, verb, doc);
    case 'Record':
      return record(host, rt, verb, doc);
    case 'Redirect':
      return follow(host, rt, 'redirect', verb, doc, textOf(verb), {});
    case 'Hangup':
    case 'Reject':
      return null;
    default:
      // Dial, Start, Connect, ...: outside what the fake plays. Logged, then skipped.
      notify(rt, 12200, '1', `fake: <${verb.name}> is not simulated and was skipped`, doc.url ?? '', 'POST');
      return 'continue';
  }
}

function promptMs(verb: XmlElement): number {
  const loop = Math.max(1, intAttr(verb, 'loop', 1));
  if (verb.name === 'Say') return Math.max(500, textOf(verb).length * SAY_MS_PER_CHAR) * loop;
  if (verb.name === 'Play') return PLAY_MS * loop;
  if (verb.name === 'Pause') return intAttr(verb, 'length', 1) * 1000;
  return 0;
}

async function gather(host: PlayerHost, rt: CallRuntime, verb: XmlElement, doc: Doc): Promise<Next> {
  // The person hears the whole prompt, then answers (or not): no barge-in modelled.
  const prompt = verb.children.filter((c): c is XmlElement => typeof c !== 'string').reduce((ms, c) => ms + promptMs(c), 0);
  await wait(host, rt, prompt);
  const input = nextInput(rt, verb);
  if (input === null) {
    await wait(host, rt, intAttr(verb, 'timeout', 5) * 1000);
    if (!boolAttr(verb, 'actionOnEmptyResult')) return 'continue';
    return follow(host, rt, 'gather', verb, doc, verb.attrs.action, {});
  }
  await wait(host, rt, rt.state.scenario.respondAfter ?? 1000);
  rt.state.inputs.push(input.Digits ?? input.SpeechResult ?? '');
  return follow(host, rt, 'gather', verb, doc, verb.attrs.action, input);
}

function pick(script: InputScript | undefined, index: number): string | null {
  if (script === undefined || script === null) return null;
  if (typeof script === 'string') return index === 0 ? script : null;
  return script[index] ?? null;
}

function nextInput(rt: CallRuntime, verb: XmlElement): Record<string, string> | null {
  const index = rt.gatherIndex++;
  const sc = rt.state.scenario;
  const accepts = (verb.attrs.input ?? 'dtmf').toLowerCase().split(/\s+/);
  const speech = pick(sc.speech, index);
  if (speech !== null && accepts.includes('speech')) {
    return { SpeechResult: speech, Confidence: String(sc.speechConfidence ?? 0.92) };
  }
  const keys = pick(sc.press, index);
  if (keys === null || !accepts.includes('dtmf')) return null;
  const numDigits = intAttr(verb, 'numDigits', 0);
  return { Digits: numDigits > 0 ? keys.slice(0, numDigits) : keys };
}

async function record(host: PlayerHost, rt: CallRuntime, verb: XmlElement, doc: Doc): Promise<Next> {
  const recording = rt.state.scenario.recording;
  await wait(host, rt, verb.attrs.playBeep === 'false' ? 0 : BEEP_MS);
  if (recording === undefined || rt.recordingUsed) {
    // Silence: Twilio stops after `timeout` seconds and skips the action for an empty recording.
    await wait(host, rt, intAttr(verb, 'timeout', 5) * 1000);
    return 'continue';
  }
  rt.recordingUsed = true;
  const seconds = Math.min(recording.durationSec, intAttr(verb, 'maxLength', 3600));
  await wait(host, rt, seconds * 1000);
  const recordingSid = newSid('RE');
  const params = { RecordingUrl: recording.url, RecordingDuration: String(seconds), RecordingSid: recordingSid, Digits: '#' };
  sendRecordingStatus(host, rt, verb, doc, params);
  return follow(host, rt, 'record', verb, doc, verb.attrs.action, params);
}

function sendRecordingStatus(host: PlayerHost, rt: CallRuntime, verb: XmlElement, doc: Doc, recording: Record<string, string>): void {
  const target = resolveUrl(verb.attrs.recordingStatusCallback, doc.url);
  if (target === null || verb.attrs.recordingStatusCallback === undefined) return;
  const params = {
    AccountSid: host.accountSid,
    CallSid: rt.state.sid,
    RecordingSid: recording.RecordingSid ?? '',
    RecordingUrl: recording.RecordingUrl ?? '',
    RecordingStatus: 'completed',
    RecordingDuration: recording.RecordingDuration ?? '0',
    RecordingChannels: '1',
    RecordingSource: 'RecordVerb',
    RecordingStartTime: rfc2822(now(rt)),
  };
  const method = verb.attrs.recordingStatusCallbackMethod === 'GET' ? 'GET' : 'POST';
  emit(host, rt, { kind: 'recording-status', callSid: rt.state.sid }, request(host, target, method, params));
}

/** Requests the next document from an action/redirect URL, relative to the current document. */
async function follow(
  host: PlayerHost,
  rt: CallRuntime,
  kind: WebhookKind,
  verb: XmlElement,
  doc: Doc,
  target: string | undefined,
  extra: Record<string, string>,
): Promise<Next> {
  const url = resolveUrl(target, doc.url);
  if (url === null) {
    notify(rt, 11100, '0', `Invalid URL ${target ?? '(none)'} in <${verb.name}>`, doc.url ?? '', 'POST');
    return null;
  }
  const method = verb.attrs.method?.toUpperCase() === 'GET' ? 'GET' : 'POST';
  return fetchDocument(host, rt, kind, url, method, extra);
}

/** No target means "the current document", as Twilio does for Gather/Record without action. */
function resolveUrl(target: string | undefined, base: string | null): string | null {
  const trimmed = target?.trim();
  if (trimmed === undefined || trimmed === '') return base;
  try {
    return base === null ? new URL(trimmed).href : new URL(trimmed, base).href;
  } catch {
    return null;
  }
}

async function fetchDocument(
  host: PlayerHost,
  rt: CallRuntime,
  kind: WebhookKind,
  url: string,
  method: 'GET' | 'POST',
  extra: Record<string, string>,
): Promise<Doc | null> {
  if (rt.documents >= MAX_DOCUMENTS) {
    notify(rt, 12200, '1', `fake: gave up after ${MAX_DOCUMENTS} TwiML documents`, url, method);
    return null;
  }
  rt.documents++;
  const params = { ...callParams(host, rt, 'in-progress'), ...extra };
  const req = request(host, url, method, params);
  const record = newRecord({ kind, callSid: rt.state.sid }, req);
  rt.state.callbacks.push(record);
  host.log(record);
  await host.send(record, req);
  if (rt.signal.aborted) throw new Error('call ended while waiting for TwiML');
  if (record.status === null || record.status < 200 || record.status >= 300) {
    // Twilio plays "an application error has occurred" and hangs up.
    notify(rt, 11200, '0', `HTTP retrieval failure (${record.status ?? record.error ?? 'no answer'})`, url, method);
    return null;
  }
  try {
    return { verbs: parseTwiml(record.responseBody ?? ''), url };
  } catch (err) {
    const reason = err instanceof TwimlParseError ? err.message : String(err);
    notify(rt, 12100, '0', `Document parse failure: ${reason}`, url, method);
    return null;
  }
}

// ---- callbacks ------------------------------------------------------------------------------------

function requestedEvents(params: FormParams): CallEvent[] {
  const raw = params.StatusCallbackEvent;
  if (raw === undefined) return ['completed'];
  const list = Array.isArray(raw) ? raw : [raw];
  // twilio-node sends one value per key; some clients send "initiated ringing" in one value.
  return list.flatMap((v) => v.split(/[\s,]+/)).filter((v): v is CallEvent => ['initiated', 'ringing', 'answered', 'completed'].includes(v));
}

function emitStatus(host: PlayerHost, rt: CallRuntime, event: CallEvent, callStatus: string, extra: Record<string, string> = {}): void {
  const url = stringParam(rt.state.params, 'StatusCallback');
  if (url === undefined || !requestedEvents(rt.state.params).includes(event)) return;
  const sequenceNumber = rt.sequence++;
  const params = {
    ...callParams(host, rt, callStatus),
    Timestamp: rfc2822(now(rt)),
    CallbackSource: 'call-progress-events',
    SequenceNumber: String(sequenceNumber),
    ...extra,
  };
  const base = { kind: 'status' as const, event, sequenceNumber };
  dispatch(host, rt, event, base, request(host, url, methodParam(rt, 'StatusCallbackMethod'), params));
}

/** Applies the scenario's drop / duplicate / shuffle to one status or AMD callback. */
function dispatch(
  host: PlayerHost,
  rt: CallRuntime,
  droppable: DroppableCallback,
  base: Partial<WebhookRecord> & Pick<WebhookRecord, 'kind'>,
  req: WebhookRequest,
): void {
  const sc = rt.state.scenario;
  const first = newRecord({ ...base, callSid: rt.state.sid }, req);
  const copies = [first];
  if (sc.duplicate === true) copies.push({ ...first, params: { ...first.params }, repeat: true });
  if (sc.dropCallbacks?.includes(droppable) === true || host.suppressed().includes(droppable)) {
    for (const record of copies) {
      record.dropped = true;
      rt.state.callbacks.push(record);
      host.log(record);
    }
    return;
  }
  for (const record of copies) {
    if (sc.shuffle === true && base.kind === 'status') rt.held.push({ record, req });
    else sendInOrder(host, rt, record, req);
  }
}

/** Status callbacks leave one after another, like Twilio's per-call event queue. */
function sendInOrder(host: PlayerHost, rt: CallRuntime, record: WebhookRecord, req: WebhookRequest): void {
  rt.state.callbacks.push(record);
  host.log(record);
  const next = rt.statusChain.then(() => host.send(record, req));
  rt.statusChain = next;
  track(rt, next);
}

function flushHeld(host: PlayerHost, rt: CallRuntime): void {
  const held = rt.held.reverse();
  rt.held = [];
  for (const { record, req } of held) sendInOrder(host, rt, record, req);
}

/** A webhook that is neither ordered nor droppable (recording status). */
function emit(host: PlayerHost, rt: CallRuntime, base: Partial<WebhookRecord> & Pick<WebhookRecord, 'kind'>, req: WebhookRequest): void {
  const record = newRecord(base, req);
  rt.state.callbacks.push(record);
  host.log(record);
  track(rt, host.send(record, req));
}

function request(host: PlayerHost, url: string, method: 'GET' | 'POST', params: Record<string, string>): WebhookRequest {
  return { url, method, params, authToken: host.authToken() };
}

/** The parameters Twilio puts on every voice webhook. */
function callParams(host: PlayerHost, rt: CallRuntime, callStatus: string): Record<string, string> {
  const { to, from, sid } = rt.state;
  const toCountry = parsePhone(to)?.country ?? '';
  const fromCountry = parsePhone(from)?.country ?? '';
  return {
    AccountSid: host.accountSid,
    ApiVersion: API_VERSION,
    CallSid: sid,
    CallStatus: callStatus,
    Called: to,
    CalledCountry: toCountry,
    Caller: from,
    CallerCountry: fromCountry,
    Direction: 'outbound-api',
    From: from,
    FromCountry: fromCountry,
    To: to,
    ToCountry: toCountry,
  };
}

// ---- small helpers --------------------------------------------------------------------------------

/**
 * Lets `ms` of virtual call time pass. TimeLimit is enforced here, in virtual time, so the cut-off
 * is exact whatever the machine's speed: the wait stops at the deadline and the call hangs up.
 */
async function wait(host: PlayerHost, rt: CallRuntime, ms: number): Promise<void> {
  if (rt.signal.aborted) throw new Error('call interrupted');
  const untilDeadline = rt.deadlineMs === null ? Infinity : rt.deadlineMs - rt.virtualMs;
  const step = Math.min(ms, untilDeadline);
  if (step > 0) {
    rt.waitStartedAt = performance.now();
    try {
      await delay(step * rt.scale, undefined, { signal: rt.signal });
      rt.virtualMs += step;
    } finally {
      rt.waitStartedAt = null;
    }
  }
  if (step < ms) {
    hangUp(host, rt);
    throw new Error('TimeLimit reached');
  }
}

/** The call's virtual clock; mid-wait it includes the real time waited so far, unscaled. */
function now(rt: CallRuntime): Date {
  const partial = rt.waitStartedAt === null ? 0 : (performance.now() - rt.waitStartedAt) / rt.scale;
  return new Date(rt.epoch + rt.virtualMs + partial);
}

function setStatus(host: PlayerHost, rt: CallRuntime, status: CallStatus): void {
  rt.state.status = status;
  rt.state.statusHistory.push(status);
  touch(host, rt);
}

function touch(host: PlayerHost, rt: CallRuntime): void {
  rt.state.dateUpdated = new Date();
  host.statusChanged(rt);
}

function notify(rt: CallRuntime, errorCode: number, log: '0' | '1', message: string, requestUrl: string, requestMethod: string): void {
  rt.state.notifications.push({ sid: newSid('NO'), errorCode, log, message, requestUrl, requestMethod, date: now(rt) });
}

export function stringParam(params: FormParams, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

function numberParam(params: FormParams, name: string, fallback: number): number {
  const value = Number.parseInt(stringParam(params, name) ?? '', 10);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function methodParam(rt: CallRuntime, name: string): 'GET' | 'POST' {
  return stringParam(rt.state.params, name)?.toUpperCase() === 'GET' ? 'GET' : 'POST';
}
