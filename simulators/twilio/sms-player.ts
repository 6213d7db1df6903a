// Moves an outbound SMS through queued → sent → delivered/undelivered/failed and posts its
// StatusCallback at `sent` and at the final status, as Twilio does for Messages.

import { setTimeout as delay } from 'node:timers/promises';
import { API_VERSION } from './resources.ts';
import type { MessageState, MessageStatus, WebhookRecord } from './state.ts';
import { newRecord, type WebhookRequest } from './webhook.ts';

export interface SmsHost {
  readonly accountSid: string;
  readonly scale: number;
  readonly signal: AbortSignal;
  authToken(): string;
  log(record: WebhookRecord): void;
  send(record: WebhookRecord, req: WebhookRequest): Promise<unknown>;
  statusChanged(message: MessageState): void;
}

export async function playMessage(host: SmsHost, message: MessageState): Promise<void> {
  const sc = message.scenario;
  try {
    await delay((sc.sentAfter ?? 200) * host.scale, undefined, { signal: host.signal });
    message.dateSent = new Date();
    await advance(host, message, 'sent');
    await delay((sc.finalAfter ?? 800) * host.scale, undefined, { signal: host.signal });
    const outcome = sc.outcome ?? 'delivered';
    if (outcome !== 'delivered') message.errorCode = sc.errorCode ?? 30003;
    await advance(host, message, outcome);
  } catch {
    // Only the fake closing interrupts a message; nothing to report.
  }
}

async function advance(host: SmsHost, message: MessageState, status: MessageStatus): Promise<void> {
  message.status = status;
  message.dateUpdated = new Date();
  host.statusChanged(message);
  const url = message.params.StatusCallback;
  if (typeof url !== 'string') return;
  const params: Record<string, string> = {
    AccountSid: host.accountSid,
    ApiVersion: API_VERSION,
    From: message.from ?? '',
    MessageSid: message.sid,
    MessageStatus: status,
    SmsSid: message.sid,
    SmsStatus: status,
    To: message.to,
  };
  if (message.messagingServiceSid !== null) params.MessagingServiceSid = message.messagingServiceSid;
  if (message.errorCode !== null) params.ErrorCode = String(message.errorCode);
  const req: WebhookRequest = { url, method: 'POST', params, authToken: host.authToken() };
  const record = newRecord({ kind: 'message-status', messageSid: message.sid }, req);
  message.callbacks.push(record);
  host.log(record);
  await host.send(record, req);
}
