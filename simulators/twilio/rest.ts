// The REST side: routes, parameter validation and the resource handlers for Calls, Call
// Notifications, Messages and Lookup v2. Handlers are synchronous and return a Reply; the server in
// fake-twilio.ts does auth, scripted failures and I/O around them.

import { failureResponse, twilioError, type HttpReply } from './errors.ts';
import { hangUp, isTerminal, newRuntime, stringParam, type CallRuntime, type PlayerHost } from './call-player.ts';
import {
  accountPath,
  callEventJson,
  callJson,
  countSegments,
  LOOKUP_FIELDS,
  lookupJson,
  messageJson,
  newSid,
  notificationJson,
  pageJson,
} from './resources.ts';
import type { CallScenario, LookupScenario, RestOperation, SmsScenario } from './scenario.ts';
import type { FormParams, MessageState } from './state.ts';

export interface RestCore {
  readonly accountSid: string;
  readonly scale: number;
  /** Virtual ms after a call ends before its Events log lists anything (a scenario may override it). */
  readonly eventsDelayMs: number;
  readonly signal: AbortSignal;
  readonly calls: Map<string, CallRuntime>;
  readonly messages: Map<string, MessageState>;
  readonly callScripts: Map<string, CallScenario>;
  readonly smsScripts: Map<string, SmsScenario>;
  readonly lookupScripts: Map<string, LookupScenario>;
  readonly player: PlayerHost;
  startCall(rt: CallRuntime): void;
  startMessage(message: MessageState): void;
}

export interface ParsedRequest {
  method: string;
  path: string;
  query: FormParams;
  params: FormParams;
}

export type Reply = { status: number; json: unknown; after?: () => void } | { error: HttpReply };

interface Route {
  operation: RestOperation;
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** The number a per-number failure rule matches against, if the request has one. */
  number?: (core: RestCore, req: ParsedRequest, match: RegExpExecArray) => string | undefined;
  handle: (core: RestCore, req: ParsedRequest, match: RegExpExecArray) => Reply;
}

const ACCOUNT = '/2010-04-01/Accounts/([^/]+)';

const callTo = (core: RestCore, _req: ParsedRequest, m: RegExpExecArray): string | undefined => core.calls.get(m[2] ?? '')?.state.to;

export const ROUTES: readonly Route[] = [
  { operation: 'calls.create', method: 'POST', pattern: new RegExp(`^${ACCOUNT}/Calls\\.json$`), number: (_c, r) => stringParam(r.params, 'To'), handle: createCall },
  { operation: 'calls.list', method: 'GET', pattern: new RegExp(`^${ACCOUNT}/Calls\\.json$`), handle: listCalls },
  { operation: 'calls.fetch', method: 'GET', pattern: new RegExp(`^${ACCOUNT}/Calls/([^/]+)\\.json$`), number: callTo, handle: fetchCall },
  { operation: 'calls.update', method: 'POST', pattern: new RegExp(`^${ACCOUNT}/Calls/([^/]+)\\.json$`), number: callTo, handle: updateCall },
  { operation: 'notifications.list', method: 'GET', pattern: new RegExp(`^${ACCOUNT}/Calls/([^/]+)/Notifications\\.json$`), number: callTo, handle: listNotifications },
  { operation: 'events.list', method: 'GET', pattern: new RegExp(`^${ACCOUNT}/Calls/([^/]+)/Events\\.json$`), number: callTo, handle: listEvents },
  { operation: 'messages.create', method: 'POST', pattern: new RegExp(`^${ACCOUNT}/Messages\\.json$`), number: (_c, r) => stringParam(r.params, 'To'), handle: createMessage },
  { operation: 'messages.list', method: 'GET', pattern: new RegExp(`^${ACCOUNT}/Messages\\.json$`), handle: listMessages },
  { operation: 'messages.fetch', method: 'GET', pattern: new RegExp(`^${ACCOUNT}/Messages/([^/]+)\\.json$`), handle: fetchMessage },
  { operation: 'lookups.fetch', method: 'GET', pattern: /^\/v2\/PhoneNumbers\/([^/]+)$/, number: (_c, _r, m) => safeDecode(m[1] ?? ''), handle: fetchLookup },
];

export interface RouteMatch {
  route: Route;
  match: RegExpExecArray;
}

/** The route for a request, or the error Twilio gives for an unknown path / wrong method. */
export function findRoute(method: string, path: string): RouteMatch | { error: HttpReply } {
  let pathKnown = false;
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    pathKnown = true;
    if (route.method === method) return { route, match };
  }
  return { error: pathKnown ? twilioError(20004) : notFound(path) };
}

function notFound(path: string): HttpReply {
  return twilioError(20404, { message: `The requested resource ${path} was not found` });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

// ---- Calls ------------------------------------------------------------------------------------

const E164 = /^\+[1-9]\d{1,14}$/;
const CLIENT_OR_SIP = /^(client:|sip:)/;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function validateCreateCall(p: FormParams): HttpReply | null {
  const to = stringParam(p, 'To');
  const from = stringParam(p, 'From');
  if (to === undefined || to === '') return twilioError(21201);
  if (from === undefined || from === '') return twilioError(21213);
  if (!E164.test(to) && !CLIENT_OR_SIP.test(to)) return twilioError(21211, { message: `The 'To' number ${to} is not a valid phone number.` });
  if (!E164.test(from) && !CLIENT_OR_SIP.test(from)) return twilioError(21212, { message: `The 'From' number ${from} is not a valid phone number.` });
  const byoc = stringParam(p, 'Byoc');
  // As the API describes it: a BYOC trunk SID, meaningful only when To is a phone number.
  if (byoc !== undefined && !/^BY[0-9a-fA-F]{32}$/.test(byoc)) return twilioError(21205, { message: `Byoc is not a valid BYOC trunk SID: ${byoc}` });
  const url = stringParam(p, 'Url');
  const twiml = stringParam(p, 'Twiml');
  const appSid = stringParam(p, 'ApplicationSid');
  if (url === undefined && twiml === undefined && appSid === undefined) {
    return twilioError(21205, { message: 'Either Url, Twiml or ApplicationSid is required' });
  }
  // The fake has no Applications resource to take TwiML from.
  if (url === undefined && twiml === undefined) return twilioError(21218);
  for (const name of ['Url', 'FallbackUrl', 'StatusCallback', 'AsyncAmdStatusCallback']) {
    const value = stringParam(p, name);
    if (value !== undefined && !isHttpUrl(value)) return twilioError(21205, { message: `${name} is not a valid URL: ${value}` });
  }
  return null;
}

function createCall(core: RestCore, req: ParsedRequest): Reply {
  const invalid = validateCreateCall(req.params);
  if (invalid !== null) return { error: invalid };
  const to = stringParam(req.params, 'To') ?? '';
  const scenario = core.callScripts.get(to) ?? core.callScripts.get('*') ?? { outcome: 'completed' };
  if (scenario.reject !== undefined) return { error: failureResponse(scenario.reject) };
  const created = new Date();
  const rt = newRuntime(
    {
      sid: newSid('CA'),
      to,
      from: stringParam(req.params, 'From') ?? '',
      params: req.params,
      scenario,
      status: 'queued',
      statusHistory: ['queued'],
      answeredBy: null,
      dateCreated: created,
      dateUpdated: created,
      startTime: null,
      answerTime: null,
      endTime: null,
      durationSec: null,
      sipResponseCode: null,
      errorCode: null,
      callbacks: [],
      notifications: [],
      inputs: [],
    },
    core.signal,
    core.scale,
  );
  core.calls.set(rt.state.sid, rt);
  const json = callJson(core.accountSid, rt.state);
  rt.createdBody = JSON.stringify(json);
  // The call starts once the 201 is on its way, as with Twilio (callbacks may still beat it).
  return { status: 201, json, after: () => core.startCall(rt) };
}

function listCalls(core: RestCore, req: ParsedRequest, m: RegExpExecArray): Reply {
  const filters = { to: stringParam(req.query, 'To'), from: stringParam(req.query, 'From'), status: stringParam(req.query, 'Status') };
  const calls = [...core.calls.values()]
    .map((rt) => rt.state)
    .filter((c) => (filters.to === undefined || c.to === filters.to) && (filters.from === undefined || c.from === filters.from))
    .filter((c) => filters.status === undefined || c.status === filters.status)
    .reverse()
    .map((c) => callJson(core.accountSid, c));
  return { status: 200, json: pageJson(`${accountPath(m[1] ?? '')}/Calls.json`, 'calls', calls) };
}

function fetchCall(core: RestCore, req: ParsedRequest, m: RegExpExecArray): Reply {
  const rt = core.calls.get(m[2] ?? '');
  if (rt === undefined) return { error: notFound(req.path) };
  return { status: 200, json: callJson(core.accountSid, rt.state) };
}

function updateCall(core: RestCore, req: ParsedRequest, m: RegExpExecArray): Reply {
  const rt = core.calls.get(m[2] ?? '');
  if (rt === undefined) return { error: notFound(req.path) };
  const status = stringParam(req.params, 'Status');
  if (status !== undefined && status !== 'canceled' && status !== 'completed') {
    return { error: twilioError(60200, { message: `Invalid Status: ${status}` }) };
  }
  if (isTerminal(rt.state.status)) return { error: twilioError(21220, { message: 'Call is not in-progress. Cannot redirect.' }) };
  // `canceled` only affects calls not yet answered; `completed` hangs up in any state.
  const answered = rt.state.status === 'in-progress';
  if (status === 'completed' || (status === 'canceled' && !answered)) hangUp(core.player, rt);
  return { status: 200, json: callJson(core.accountSid, rt.state) };
}

function listNotifications(core: RestCore, req: ParsedRequest, m: RegExpExecArray): Reply {
  const rt = core.calls.get(m[2] ?? '');
  if (rt === undefined) return { error: notFound(req.path) };
  const items = rt.state.notifications.map((n) => notificationJson(core.accountSid, rt.state.sid, n));
  return { status: 200, json: pageJson(`${accountPath(m[1] ?? '')}/Calls/${rt.state.sid}/Notifications.json`, 'notifications', items) };
}

/**
 * The call's Events: the create request, then every webhook Twilio sent for it, in order. Twilio makes
 * them readable only some time after the call ends ("15 minutes"); until then the list is empty.
 */
function listEvents(core: RestCore, req: ParsedRequest, m: RegExpExecArray): Reply {
  const rt = core.calls.get(m[2] ?? '');
  if (rt === undefined) return { error: notFound(req.path) };
  const uri = `${accountPath(m[1] ?? '')}/Calls/${rt.state.sid}/Events.json`;
  const delayMs = (rt.state.scenario.eventsDelayMs ?? core.eventsDelayMs) * core.scale;
  if (rt.endedAt === null || Date.now() < rt.endedAt + delayMs) return { status: 200, json: pageJson(uri, 'events', []) };
  const created = rt.state.dateCreated;
  const events = [
    callEventJson(
      { method: 'POST', url: `https://api.twilio.com${accountPath(core.accountSid)}/Calls.json`, params: rt.state.params },
      { at: created, durationMs: 0, status: 201, contentType: 'application/json', body: rt.createdBody },
    ),
    // Forged callbacks (sendCallback) are the test's, not Twilio's.
    ...rt.state.callbacks
      .filter((cb) => cb.kind !== 'manual')
      .map((cb) =>
        callEventJson(
          cb,
          cb.status === null
            ? null
            : {
                at: new Date(cb.answeredAt ?? cb.sentAt ?? created.getTime()),
                durationMs: Math.max(0, (cb.answeredAt ?? 0) - (cb.sentAt ?? 0)),
                status: cb.status,
                contentType: cb.contentType ?? null,
                body: cb.responseBody ?? '',
              },
        ),
      ),
  ];
  return { status: 200, json: pageJson(uri, 'events', events) };
}

// ---- Messages -----------------------------------------------------------------------------------

function validateCreateMessage(p: FormParams): HttpReply | null {
  const to = stringParam(p, 'To');
  if (to === undefined || to === '') return twilioError(21604);
  if (stringParam(p, 'From') === undefined && stringParam(p, 'MessagingServiceSid') === undefined) return twilioError(21603);
  if (stringParam(p, 'Body') === undefined && p.MediaUrl === undefined && stringParam(p, 'ContentSid') === undefined) {
    return twilioError(21602);
  }
  if (!E164.test(to)) return twilioError(21211, { message: `The 'To' number ${to} is not a valid phone number.` });
  const callback = stringParam(p, 'StatusCallback');
  if (callback !== undefined && !isHttpUrl(callback)) return twilioError(21609, { message: "Invalid 'StatusCallback'" });
  return null;
}

function createMessage(core: RestCore, req: ParsedRequest): Reply {
  const invalid = validateCreateMessage(req.params);
  if (invalid !== null) return { error: invalid };
  const to = stringParam(req.params, 'To') ?? '';
  const scenario = core.smsScripts.get(to) ?? core.smsScripts.get('*') ?? {};
  if (scenario.reject !== undefined) return { error: failureResponse(scenario.reject) };
  const body = stringParam(req.params, 'Body') ?? '';
  const messagingServiceSid = stringParam(req.params, 'MessagingServiceSid') ?? null;
  const created = new Date();
  const message: MessageState = {
    sid: newSid('SM'),
    to,
    from: stringParam(req.params, 'From') ?? null,
    messagingServiceSid,
    body,
    params: req.params,
    scenario,
    // With a Messaging Service Twilio first answers `accepted`, then picks a sender.
    status: messagingServiceSid === null ? 'queued' : 'accepted',
    errorCode: null,
    numSegments: countSegments(body),
    dateCreated: created,
    dateUpdated: created,
    dateSent: null,
    callbacks: [],
  };
  core.messages.set(message.sid, message);
  return { status: 201, json: messageJson(core.accountSid, message), after: () => core.startMessage(message) };
}

function listMessages(core: RestCore, req: ParsedRequest, m: RegExpExecArray): Reply {
  const to = stringParam(req.query, 'To');
  const items = [...core.messages.values()]
    .filter((msg) => to === undefined || msg.to === to)
    .reverse()
    .map((msg) => messageJson(core.accountSid, msg));
  return { status: 200, json: pageJson(`${accountPath(m[1] ?? '')}/Messages.json`, 'messages', items) };
}

function fetchMessage(core: RestCore, req: ParsedRequest, m: RegExpExecArray): Reply {
  const message = core.messages.get(m[2] ?? '');
  if (message === undefined) return { error: notFound(req.path) };
  return { status: 200, json: messageJson(core.accountSid, message) };
}

// ---- Lookup v2 ----------------------------------------------------------------------------------

function fetchLookup(core: RestCore, req: ParsedRequest, m: RegExpExecArray): Reply {
  const number = safeDecode(m[1] ?? '');
  const fields = (stringParam(req.query, 'Fields') ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  const unknown = fields.find((f) => !(LOOKUP_FIELDS as readonly string[]).includes(f));
  if (unknown !== undefined) return { error: twilioError(60200, { message: `Invalid field: ${unknown}` }) };
  const script = core.lookupScripts.get(number) ?? {};
  if (script.reject !== undefined) return { error: failureResponse(script.reject) };
  return { status: 200, json: lookupJson(number, fields, script, stringParam(req.query, 'CountryCode')) };
}
