// The shape every alert channel shares (blackbox_exporter's habit, applied to delivery): a rendered
// message and a target in, a delivery or a typed error out. Adding a channel is adding a file beside
// this one. Channels never touch the outbox: the dispatcher decides what a failure means.

export const ALERT_CHANNELS = ['webhook', 'email', 'sms', 'telegram'] as const;
export type AlertChannelKind = (typeof ALERT_CHANNELS)[number];

/**
 * What happened, as subscribers filter on it. `self_check` goes to the operator only; `test` is sent
 * to one subscription on an operator's request (`reachwatch alerts test`) and is never subscribed to.
 */
export const ALERT_EVENTS = ['went_dark', 'partly_reachable', 'recovered', 'still_dark', 'channel_closed', 'cert_expiring', 'self_check', 'test'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];
/** The events a subscription may name in its filter. */
export const SUBSCRIBABLE_EVENTS = ALERT_EVENTS.filter((e) => e !== 'test');

/** A message rendered once, at enqueue time, in the subscriber's language. */
export interface AlertMessage {
  /** The outbox id: stable across retries, the receiver's idempotency key (webhook-id, Message-ID). */
  id: string;
  event: AlertEvent;
  /** When the alert was raised (epoch ms); the webhook's `timestamp`. */
  createdAt: number;
  subject: string;
  /** The full message as plain text (email body). */
  text: string;
  /** An SMS-sized version (Cyrillic is UCS-2: 70 characters per segment). */
  short: string;
  /** Telegram's HTML subset, already escaped. */
  html: string;
  /** The structured payload of a webhook: `{type, timestamp, data}` per Standard Webhooks. */
  data: Record<string, unknown>;
}

export type DeliveryTarget =
  | { kind: 'webhook'; url: string; secret: string }
  | { kind: 'email'; to: string[] }
  | { kind: 'sms'; to: string }
  | { kind: 'telegram'; chatId: string };

/**
 * What one attempt did, as far as we can know. `unknown`: the request left (or may have) and no
 * answer came back (a timeout, a connection cut after sending, reachwatch stopped meanwhile); the
 * receiver may have it, so it counts as told (a recovery follows) and is retried with the same id.
 */
export const ATTEMPT_OUTCOMES = ['delivered', 'failed', 'unknown'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];
export type NotDelivered = Exclude<AttemptOutcome, 'delivered'>;

/**
 * A failed delivery says whether trying again can help (Healthchecks' TransportError(permanent)).
 * A bad address is permanent; a receiver that is down or asks us to wait is not. `outcome` says
 * whether the receiver certainly did not get it ('failed': refused before sending, or it answered
 * no) or may have ('unknown'); only a sender that can prove the former says 'failed'.
 */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  readonly permanent: boolean;
  /** The receiver asked us to wait this long (Retry-After, Telegram's retry_after). */
  readonly retryAfterMs: number | null;
  readonly outcome: NotDelivered;
  constructor(message: string, opts: { permanent: boolean; retryAfterMs?: number | null; outcome: NotDelivered }) {
    super(message);
    this.permanent = opts.permanent;
    this.retryAfterMs = opts.retryAfterMs ?? null;
    this.outcome = opts.outcome;
  }
}

export interface Delivered {
  /** What the receiver answered (an HTTP status, an SMTP reply, a message sid), for the attempt log. */
  detail: string;
}

export interface AlertSender {
  readonly kind: AlertChannelKind;
  /**
   * Resolves when the receiver accepted the message; rejects with a DeliveryError otherwise, whose
   * outcome is 'unknown' whenever the message may have reached the receiver.
   */
  send(message: AlertMessage, target: DeliveryTarget, signal: AbortSignal): Promise<Delivered>;
  close?(): Promise<void>;
}
