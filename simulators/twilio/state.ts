// What the fake remembers about calls, messages and every webhook it sent. Tests read these
// through FakeTwilio (`calls`, `messages`, `webhookLog`); treat them as read-only there.

import type { AnsweredBy, CallEvent, CallScenario, CallStatus, SmsScenario } from './scenario.ts';

export type FormParams = Record<string, string | string[]>;

export type WebhookKind =
  | 'status' // call progress (StatusCallback)
  | 'amd' // AsyncAmdStatusCallback
  | 'twiml' // the call's Url (first TwiML document)
  | 'gather' // a <Gather> action
  | 'record' // a <Record> action
  | 'redirect' // a <Redirect>
  | 'recording-status' // <Record recordingStatusCallback>
  | 'message-status' // SMS StatusCallback
  | 'manual'; // fake.sendCallback()

export interface WebhookRecord {
  kind: WebhookKind;
  callSid?: string;
  messageSid?: string;
  /** For kind 'status': which StatusCallbackEvent this is. */
  event?: CallEvent;
  sequenceNumber?: number;
  url: string;
  method: 'GET' | 'POST';
  params: Record<string, string>;
  /** X-Twilio-Signature sent, or null when sent unsigned. */
  signature: string | null;
  /** I-Twilio-Idempotency-Token: equal for duplicates and retries of one event. */
  idempotencyToken: string;
  /** Scripted away (dropCallbacks): numbered but never sent. */
  dropped: boolean;
  /** Second copy of a `duplicate` scenario. */
  repeat: boolean;
  /** HTTP attempts made: 2 when the first could not connect (Twilio retries connects once). */
  attempts: number;
  /** Epoch ms when the request went out (null if dropped). */
  sentAt: number | null;
  /** Epoch ms when the answer (or the failure) came back. */
  answeredAt?: number;
  /** Content-Type of the answer, if one came. */
  contentType?: string;
  /** HTTP status of the answer, null when none came (dropped, refused, timed out). */
  status: number | null;
  error?: string;
  /** Body of the answer (TwiML for twiml/gather/record/redirect), capped at 64 KiB. */
  responseBody?: string;
}

/** A call notification (Calls/{Sid}/Notifications.json): what Twilio's debugger would log. */
export interface CallNotification {
  sid: string;
  errorCode: number;
  /** 0 error, 1 warning, as in the API. */
  log: '0' | '1';
  message: string;
  requestUrl: string;
  requestMethod: string;
  date: Date;
}

export interface CallState {
  sid: string;
  to: string;
  from: string;
  /** The create request's form parameters, as received. */
  params: FormParams;
  scenario: CallScenario;
  status: CallStatus;
  /** Every status the REST resource has had, in order (starts with queued). */
  statusHistory: CallStatus[];
  answeredBy: AnsweredBy | null;
  dateCreated: Date;
  dateUpdated: Date;
  startTime: Date | null;
  answerTime: Date | null;
  endTime: Date | null;
  /** Seconds from pick-up to hang-up; null until a completed call ends (and for unanswered calls). */
  durationSec: number | null;
  sipResponseCode: number | null;
  errorCode: number | null;
  /** Every webhook for this call, in the order the fake produced them. */
  callbacks: WebhookRecord[];
  notifications: CallNotification[];
  /** Digits / speech the scripted person gave, in order. */
  inputs: string[];
}

export type MessageStatus = 'accepted' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'canceled';

export interface MessageState {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  params: FormParams;
  scenario: SmsScenario;
  status: MessageStatus;
  errorCode: number | null;
  numSegments: number;
  dateCreated: Date;
  dateUpdated: Date;
  dateSent: Date | null;
  callbacks: WebhookRecord[];
}
