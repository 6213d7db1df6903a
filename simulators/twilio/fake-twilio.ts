// A loopback server that speaks Twilio's protocol, for tests, benchmarks and the offline demo.
//
// One base URL serves every product reachwatch uses, so the real `twilio` package can be pointed at
// it with an httpClient that rewrites https://<product>.twilio.com/<path> to <baseUrl>/<path>:
//   POST/GET  /2010-04-01/Accounts/{AccountSid}/Calls.json                 create / list
//   GET/POST  /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json           fetch / update (Status)
//   GET       /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}/Notifications.json
//   GET       /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}/Events.json           request log of the call
//   POST/GET  /2010-04-01/Accounts/{AccountSid}/Messages.json              create / list
//   GET       /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json
//   GET       /v2/PhoneNumbers/{PhoneNumber}?Fields=...                    Lookup v2
//
//   const fake = await startFakeTwilio({ accountSid, authToken, timeScale: 0.01 });
//   fake.script('+77162780193', { outcome: 'completed', press: '1' });
//   fake.script('+77012345678', { outcome: 'busy' });
//   fake.failNext({ to: '+77272123456', code: 21215 });
//   const client = twilio(accountSid, authToken, { httpClient: <base-URL client for fake.baseUrl> });
//   const call = await client.calls.create({ to, from, url, statusCallback, statusCallbackEvent: [...] });
//   const state = await fake.waitForCall(call.sid, 'terminal');   // callbacks delivered by now
//   await fake.close();
//
// What it covers
// - REST as in twilio-oai: HTTP Basic auth (401/20003 otherwise), form bodies with repeated keys,
//   required parameters, 201 resources carrying every schema field, Twilio's JSON error body (the
//   fields twilio-node's RestException reads), scripted failures per number or operation (429,
//   21215, 21211, 5xx, HTML bodies, hangs) and a log of every request.
// - Calls played from a per-number CallScenario: initiated/ringing/answered/completed callbacks
//   with SequenceNumber, Timestamp, SipResponseCode, CallDuration; async or sync AMD; the TwiML
//   conversation (Say, Play, Pause, Gather with digits or speech, Record, Redirect, Hangup) with a
//   scripted person; dropped, duplicated and reordered callbacks; REST cancel/hang-up; TimeLimit;
//   FallbackUrl; call notifications (11200, 12100, the scenario's ErrorCode); the call's Events
//   (the create request and every webhook with its snake_case parameters and the answer, or null
//   when none came), readable a configurable time after the call ends (Twilio: 15 minutes).
// - Faults of the path between us and Twilio: callbacks withheld fake-wide (suppressCallbacks, as
//   while our webhook is unreachable) and REST requests held back before they arrive (delayNext).
// - Every webhook signed with the real twilio package's getExpectedTwilioSignature over the exact
//   URL requested (query included; for GET the parameters are in that URL), with Twilio's
//   I-Twilio-Idempotency-Token, one retry on connection failure (Twilio's rc=1, rp=ct default).
// - SMS create/fetch with status callbacks (queued → sent → delivered/undelivered/failed).
// - Lookup v2 validation, line_type_intelligence and line_status, defaulting from libphonenumber
//   metadata (so +7 7xx mobiles and +7 7xxx landlines come back as valid KZ numbers).
//
// What it deliberately does not do
// - Audio, real AMD, speech recognition, barge-in: the person listens to the whole prompt and then
//   answers as scripted. <Dial>, <Start>, <Connect>, <Enqueue> ... are skipped with a warning.
// - CPS queueing, concurrency limits (10004), pricing, geo permissions other than by script, test
//   credentials and magic numbers, subaccounts, API keys, edges/regions, JSON (bodySHA256) webhooks,
//   connection-override fragments, paging beyond one page, Applications (ApplicationSid → 21218).
// - Time is virtual: scripted durations are reported unscaled (a 14 s call is "14 s" even at
//   timeScale 0.01), so callback Timestamps and start/end times can run ahead of the wall clock.

import { once } from 'node:events';
import { Agent as HttpAgent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { failureResponse, twilioError, type HttpReply } from './errors.ts';
import { isTerminal, playCall, stringParam, track, type CallRuntime, type PlayerHost } from './call-player.ts';
import { findRoute, type ParsedRequest, type RestCore } from './rest.ts';
import type {
  CallScenario,
  CallStatus,
  DroppableCallback,
  LookupScenario,
  RestDelayRule,
  RestFailureRule,
  RestOperation,
  SmsScenario,
} from './scenario.ts';
import { TERMINAL_CALL_STATUSES } from './scenario.ts';
import { playMessage, type SmsHost } from './sms-player.ts';
import type { CallState, FormParams, MessageState, MessageStatus, WebhookRecord } from './state.ts';
import { newRecord, sendWebhook, signedCallbackRequest, type SignatureMode, type WebhookRequest } from './webhook.ts';

export type * from './scenario.ts';
export type * from './state.ts';
export { signedCallbackRequest };

export interface FakeTwilioOptions {
  accountSid: string;
  authToken: string;
  /** Multiplies every scripted delay (0.01 for fast tests and the demo). Default 1. */
  timeScale?: number;
  /** How long a webhook may take to answer before the fake gives up. Twilio waits 15 s. */
  webhookTimeoutMs?: number;
  /** Virtual ms after a call ends before its Events log lists anything (Twilio: up to 15 min). Default 0. */
  callEventsDelayMs?: number;
}

export interface RestRequestRecord {
  method: string;
  path: string;
  query: FormParams;
  params: FormParams;
  /** null for paths the fake does not serve. */
  operation: RestOperation | null;
  /** Epoch ms the request arrived (after any delayNext hold), for rate (calls-per-second) assertions. */
  at: number;
  /** HTTP status answered; null while unanswered (e.g. a scripted hang). */
  status: number | null;
}

export interface SendCallbackOptions {
  /** Default: the call's StatusCallback (or the message's). */
  url?: string;
  /** Default: the call's StatusCallbackMethod, else POST. */
  method?: 'GET' | 'POST';
  /** Default 'valid'. */
  signature?: SignatureMode | { literal: string };
  /** Sign with this token instead of the current one (e.g. the one before a rotation). */
  authToken?: string;
  /** Send exactly `params`; otherwise they are laid over the call's standard callback fields. */
  raw?: boolean;
}

export type CallWaitTarget = CallStatus | 'terminal' | readonly CallStatus[];

export interface FakeTwilio {
  readonly baseUrl: string;
  readonly accountSid: string;
  /** The token currently accepted and used to sign webhooks. */
  readonly authToken: string;
  readonly calls: ReadonlyMap<string, CallState>;
  readonly messages: ReadonlyMap<string, MessageState>;
  readonly requests: readonly RestRequestRecord[];
  readonly webhookLog: readonly WebhookRecord[];
  /** Bugs inside the fake (never expected); tests may assert it stays empty. */
  readonly internalErrors: readonly unknown[];
  /** What `number` does when called; '*' sets the default (otherwise: answered, silent human). */
  script(number: string, scenario: CallScenario): void;
  scriptSms(number: string, scenario: SmsScenario): void;
  scriptLookup(number: string, scenario: LookupScenario): void;
  /** Fails the next matching REST request(s); see RestFailureRule. */
  failNext(rule: RestFailureRule): void;
  clearFailures(): void;
  /** Holds the next matching REST request(s) back before they arrive, as a slow path to Twilio would. */
  delayNext(rule: RestDelayRule): void;
  /**
   * Withholds these callbacks of every call ending from now on (on top of each scenario's
   * dropCallbacks), as while our webhook cannot be reached; [] delivers them again. Twilio still
   * lists them in the call's Events, with no response.
   */
  suppressCallbacks(kinds: readonly DroppableCallback[]): void;
  /** Rotates the auth token: old credentials get 401, webhooks are signed with the new one. */
  setAuthToken(token: string): void;
  /**
   * Resolves once the call has reached `target` (now or earlier in its life). For final statuses
   * it also waits until every webhook of the call has been answered or has failed.
   */
  waitForCall(sid: string, target: CallWaitTarget, timeoutMs?: number): Promise<CallState>;
  waitForMessage(sid: string, status: MessageStatus | readonly MessageStatus[], timeoutMs?: number): Promise<MessageState>;
  /** Waits for every webhook in flight, for all calls and messages. */
  settled(): Promise<void>;
  /** Forges or replays a callback for a call or message. */
  sendCallback(sid: string, params?: Record<string, string>, opts?: SendCallbackOptions): Promise<WebhookRecord>;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export async function startFakeTwilio(opts: FakeTwilioOptions): Promise<FakeTwilio> {
  const fake = new FakeTwilioServer(opts);
  await fake.listen();
  return fake;
}

interface Waiter {
  done: () => boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

class FakeTwilioServer implements FakeTwilio {
  readonly accountSid: string;
  baseUrl = '';
  readonly messages = new Map<string, MessageState>();
  readonly requests: RestRequestRecord[] = [];
  readonly webhookLog: WebhookRecord[] = [];
  readonly internalErrors: unknown[] = [];

  #token: string;
  readonly #scale: number;
  readonly #webhookTimeoutMs: number;
  readonly #closing = new AbortController();
  readonly #server: Server;
  readonly #agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  readonly #runtimes = new Map<string, CallRuntime>();
  readonly #messageWork = new Set<Promise<unknown>>();
  readonly #failures: RestFailureRule[] = [];
  readonly #delays: RestDelayRule[] = [];
  #suppressed: readonly DroppableCallback[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #hung = new Set<ServerResponse>();
  readonly #core: RestCore;
  readonly #player: PlayerHost;
  readonly #sms: SmsHost;

  constructor(opts: FakeTwilioOptions) {
    this.accountSid = opts.accountSid;
    this.#token = opts.authToken;
    this.#scale = opts.timeScale ?? 1;
    this.#webhookTimeoutMs = opts.webhookTimeoutMs ?? 15_000;
    this.#player = this.#makePlayerHost();
    this.#sms = this.#makeSmsHost();
    this.#core = {
      accountSid: this.accountSid,
      scale: this.#scale,
      eventsDelayMs: opts.callEventsDelayMs ?? 0,
      signal: this.#closing.signal,
      calls: this.#runtimes,
      messages: this.messages,
      callScripts: new Map(),
      smsScripts: new Map(),
      lookupScripts: new Map(),
      player: this.#player,
      startCall: (rt) => this.#startCall(rt),
      startMessage: (message) => this.#startMessage(message),
    };
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.internalErrors.push(err);
        if (!res.headersSent) send(res, twilioError(20500));
      });
    });
  }

  get authToken(): string {
    return this.#token;
  }

  /** A snapshot map; the CallState objects in it are live. */
  get calls(): ReadonlyMap<string, CallState> {
    return new Map([...this.#runtimes].map(([sid, rt]) => [sid, rt.state]));
  }

  async listen(): Promise<void> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    const { port } = this.#server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  // ---- scripting ------------------------------------------------------------------------------

  script(number: string, scenario: CallScenario): void {
    this.#core.callScripts.set(number, scenario);
  }

  scriptSms(number: string, scenario: SmsScenario): void {
    this.#core.smsScripts.set(number, scenario);
  }

  scriptLookup(number: string, scenario: LookupScenario): void {
    this.#core.lookupScripts.set(number, scenario);
  }

  failNext(rule: RestFailureRule): void {
    this.#failures.push({ ...rule, times: rule.times ?? 1 });
  }

  clearFailures(): void {
    this.#failures.length = 0;
  }

  delayNext(rule: RestDelayRule): void {
    this.#delays.push({ ...rule, times: rule.times ?? 1 });
  }

  suppressCallbacks(kinds: readonly DroppableCallback[]): void {
    this.#suppressed = [...kinds];
  }

  setAuthToken(token: string): void {
    this.#token = token;
  }

  // ---- waiting ------------------------------------------------------------------------------------

  async waitForCall(sid: string, target: CallWaitTarget, timeoutMs = 5000): Promise<CallState> {
    const wanted: readonly CallStatus[] = target === 'terminal' ? TERMINAL_CALL_STATUSES : typeof target === 'string' ? [target] : target;
    const state = (): CallState | undefined => this.#runtimes.get(sid)?.state;
    const reached = (): boolean => state()?.statusHistory.some((s) => wanted.includes(s)) === true;
    await this.#until(reached, timeoutMs, () => `call ${sid} is ${state()?.status ?? 'unknown'}, wanted ${wanted.join('|')}`);
    const rt = this.#runtimes.get(sid);
    if (rt === undefined) throw new Error(`no call ${sid}`);
    if (isTerminal(rt.state.status) && wanted.some(isTerminal)) await drain(rt.inflight);
    return rt.state;
  }

  async waitForMessage(sid: string, status: MessageStatus | readonly MessageStatus[], timeoutMs = 5000): Promise<MessageState> {
    const wanted: readonly MessageStatus[] = typeof status === 'string' ? [status] : status;
    const reached = (): boolean => wanted.includes(this.messages.get(sid)?.status ?? 'canceled');
    await this.#until(reached, timeoutMs, () => `message ${sid} is ${this.messages.get(sid)?.status ?? 'unknown'}`);
    await drain(this.#messageWork);
    const message = this.messages.get(sid);
    if (message === undefined) throw new Error(`no message ${sid}`);
    return message;
  }

  async settled(): Promise<void> {
    for (const rt of this.#runtimes.values()) await drain(rt.inflight);
    await drain(this.#messageWork);
  }

  #until(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => waiter.reject(new Error(`timed out after ${timeoutMs} ms: ${describe()}`)), timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = {
        done,
        resolve: () => (finish(), resolve()),
        reject: (err) => (finish(), reject(err)),
      };
      this.#waiters.add(waiter);
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters) {
      if (waiter.done()) waiter.resolve();
    }
  }

  // ---- forged callbacks -----------------------------------------------------------------------------

  async sendCallback(sid: string, params: Record<string, string> = {}, opts: SendCallbackOptions = {}): Promise<WebhookRecord> {
    const call = this.#runtimes.get(sid)?.state;
    const message = this.messages.get(sid);
    if (call === undefined && message === undefined) throw new Error(`no call or message ${sid}`);
    const source = call?.params ?? message?.params ?? {};
    const url = opts.url ?? stringParam(source, 'StatusCallback');
    if (url === undefined) throw new Error(`${sid} has no StatusCallback; pass opts.url`);
    const method = opts.method ?? (stringParam(source, 'StatusCallbackMethod')?.toUpperCase() === 'GET' ? 'GET' : 'POST');
    const base = opts.raw === true ? {} : call !== undefined ? standardCallFields(this.accountSid, call) : standardMessageFields(this.accountSid, message);
    const req: WebhookRequest = {
      url,
      method,
      params: { ...base, ...params },
      authToken: opts.authToken ?? this.#token,
      signature: opts.signature ?? 'valid',
    };
    const record = newRecord({ kind: 'manual', ...(call !== undefined ? { callSid: sid } : { messageSid: sid }) }, req);
    (call ?? message)?.callbacks.push(record);
    this.webhookLog.push(record);
    return this.#send(record, req);
  }

  // ---- lifecycle -----------------------------------------------------------------------------------

  async close(): Promise<void> {
    this.#closing.abort();
    for (const waiter of this.#waiters) waiter.reject(new Error('fake Twilio closed'));
    for (const res of this.#hung) res.destroy();
    this.#hung.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
    await this.settled();
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  #send(record: WebhookRecord, req: WebhookRequest): Promise<WebhookRecord> {
    if (this.#closing.signal.aborted) return Promise.resolve(record);
    return sendWebhook(req, record, {
      timeoutMs: this.#webhookTimeoutMs,
      signal: this.#closing.signal,
      connectRetries: 1,
      agents: this.#agents,
    });
  }

  #startCall(rt: CallRuntime): void {
    track(rt, playCall(this.#player, rt));
  }

  #startMessage(message: MessageState): void {
    const work = playMessage(this.#sms, message);
    this.#messageWork.add(work);
    void work.finally(() => this.#messageWork.delete(work));
  }

  #makePlayerHost(): PlayerHost {
    return {
      accountSid: this.accountSid,
      scale: this.#scale,
      signal: this.#closing.signal,
      authToken: () => this.#token,
      log: (record) => this.webhookLog.push(record),
      send: (record, req) => this.#send(record, req),
      suppressed: () => this.#suppressed,
      statusChanged: () => this.#wake(),
      reportError: (err) => this.internalErrors.push(err),
    };
  }

  #makeSmsHost(): SmsHost {
    return {
      accountSid: this.accountSid,
      scale: this.#scale,
      signal: this.#closing.signal,
      authToken: () => this.#token,
      log: (record) => this.webhookLog.push(record),
      send: (record, req) => this.#send(record, req),
      statusChanged: () => this.#wake(),
    };
  }

  // ---- HTTP -----------------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const body = await readBody(req);
    const parsed: ParsedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: formParams(url.searchParams),
      params: formParams(new URLSearchParams(body)),
    };
    const found = findRoute(parsed.method, parsed.path);
    // The number a delay or a failure rule may name (To of a create, the call's To, the looked-up number).
    const number = 'route' in found ? found.route.number?.(this.#core, parsed, found.match) : undefined;
    if ('route' in found) {
      const held = this.#takeRule(this.#delays, found.route.operation, number);
      if (held !== undefined) await delay(held.ms, undefined, { signal: this.#closing.signal }).catch(() => undefined);
      if (this.#closing.signal.aborted) return;
    }
    const entry: RestRequestRecord = {
      method: parsed.method,
      path: parsed.path,
      query: parsed.query,
      params: parsed.params,
      operation: 'route' in found ? found.route.operation : null,
      at: Date.now(),
      status: null,
    };
    this.requests.push(entry);
    const reply = (error: HttpReply): void => {
      entry.status = error.status;
      send(res, error);
    };

    if (!this.#authorized(req, parsed.path)) {
      res.setHeader('www-authenticate', 'Basic realm="Twilio API"');
      reply(twilioError(20003));
      return;
    }
    if ('error' in found) {
      reply(found.error);
      return;
    }
    const failure = this.#takeRule(this.#failures, found.route.operation, number);
    if (failure?.hang === true) {
      this.#hung.add(res);
      return;
    }
    if (failure !== undefined) {
      reply(failureResponse(failure));
      return;
    }
    const result = found.route.handle(this.#core, parsed, found.match);
    if ('error' in result) {
      reply(result.error);
      return;
    }
    entry.status = result.status;
    send(res, { status: result.status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(result.json) });
    if (result.after !== undefined) setImmediate(result.after);
  }

  #authorized(req: IncomingMessage, path: string): boolean {
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+(.+)$/i.exec(header);
    if (match === null) return false;
    const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
    const expected = `${this.accountSid}:${this.#token}`;
    if (!constantTimeEqual(decoded, expected)) return false;
    // A path under another account is not ours to read, even with valid credentials.
    const pathAccount = /^\/2010-04-01\/Accounts\/([^/]+)/.exec(path)?.[1];
    return pathAccount === undefined || pathAccount === this.accountSid;
  }

  /** The first rule matching the request, used up once (removed when its `times` run out). */
  #takeRule<R extends { operation?: RestOperation | readonly RestOperation[]; to?: string; times?: number }>(
    rules: R[],
    operation: RestOperation,
    number: string | undefined,
  ): R | undefined {
    const index = rules.findIndex((rule) => {
      const ops = rule.operation === undefined ? undefined : typeof rule.operation === 'string' ? [rule.operation] : rule.operation;
      return (ops === undefined || ops.includes(operation)) && (rule.to === undefined || rule.to === number);
    });
    const rule = rules[index];
    if (rule === undefined) return undefined;
    const remaining = (rule.times ?? 1) - 1;
    if (remaining <= 0) rules.splice(index, 1);
    else rule.times = remaining;
    return rule;
  }
}

// ---- helpers ----------------------------------------------------------------------------------------

function send(res: ServerResponse, reply: HttpReply): void {
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'twilio-request-id': 'RQ' + randomBytes(16).toString('hex'),
  });
  res.end(reply.body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Form fields; a key sent more than once (StatusCallbackEvent) becomes an array. */
function formParams(search: URLSearchParams): FormParams {
  const out: FormParams = {};
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key);
    out[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return out;
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

async function drain(work: Set<Promise<unknown>>): Promise<void> {
  while (work.size > 0) await Promise.allSettled([...work]);
}

function standardCallFields(accountSid: string, call: CallState): Record<string, string> {
  return {
    AccountSid: accountSid,
    ApiVersion: '2010-04-01',
    CallSid: call.sid,
    CallStatus: call.status,
    Called: call.to,
    Caller: call.from,
    Direction: 'outbound-api',
    From: call.from,
    To: call.to,
  };
}

function standardMessageFields(accountSid: string, message: MessageState | undefined): Record<string, string> {
  if (message === undefined) return {};
  return {
    AccountSid: accountSid,
    ApiVersion: '2010-04-01',
    From: message.from ?? '',
    MessageSid: message.sid,
    MessageStatus: message.status,
    SmsSid: message.sid,
    SmsStatus: message.status,
    To: message.to,
  };
}
