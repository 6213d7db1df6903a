// SMS through Twilio's Messages API. The caller builds the client, so a daemon without SMS never
// loads the twilio package: only its types are imported here.

import type twilio from 'twilio';
import { failedBeforeSending, gatewayTimedOut } from './outcome.ts';
import { DeliveryError, type AlertMessage, type AlertSender, type Delivered, type DeliveryTarget } from '../channel.ts';

export interface SmsSenderOptions {
  client: twilio.Twilio;
  from: string;
}

/**
 * Error codes that condemn the number, not the attempt: invalid To (21211), not SMS-capable (21614),
 * unsubscribed with STOP (21610), its region not enabled on our account (21408), unreachable by SMS (21612).
 */
const PERMANENT_CODES = new Set([21211, 21408, 21610, 21612, 21614]);

export function createSmsSender(opts: SmsSenderOptions): AlertSender {
  return {
    kind: 'sms',
    async send(message: AlertMessage, target: DeliveryTarget, signal: AbortSignal): Promise<Delivered> {
      if (target.kind !== 'sms') throw new DeliveryError(`The SMS sender cannot deliver to a ${target.kind} target`, { permanent: true, outcome: 'failed' });
      // Aborted before the request was made: Twilio certainly has nothing.
      if (signal.aborted) throw new DeliveryError('SMS delivery aborted', { permanent: false, outcome: 'failed' });
      try {
        // twilio-node takes no AbortSignal: we stop waiting, the request itself may still go through.
        const created = await untilAborted(opts.client.messages.create({ to: target.to, from: opts.from, body: message.short }), signal);
        return { detail: `${created.sid} ${created.status}` };
      } catch (err) {
        throw classify(err);
      }
    },
  };
}

function classify(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  // RestException's fields, read structurally so that this file needs no runtime twilio import.
  const e = err as { status?: unknown; code?: unknown; message?: unknown };
  const status = typeof e.status === 'number' ? e.status : null;
  const code = typeof e.code === 'number' ? e.code : null;
  const text = typeof e.message === 'string' ? e.message : String(err);
  if (status === null) {
    // No HTTP answer: a network error (axios' code, e.g. ECONNREFUSED) or a timeout. Only a failure to
    // connect proves Twilio has nothing; a timeout or reset may come after it created the message.
    const netCode = typeof e.code === 'string' && !text.includes(e.code) ? `${e.code}: ` : '';
    return new DeliveryError(`Twilio unreachable: ${netCode}${text}`, { permanent: false, outcome: failedBeforeSending(err) ? 'failed' : 'unknown' });
  }
  const said = `Twilio ${status}${code !== null ? `/${code}` : ''}: ${text}`;
  if (code !== null && PERMANENT_CODES.has(code)) return new DeliveryError(said, { permanent: true, outcome: 'failed' });
  if (status === 401 || status === 403 || code === 20003) {
    return new DeliveryError(`Twilio rejected our credentials (${said})`, { permanent: false, outcome: 'failed' });
  }
  // 429/20429, 5xx, and 4xx codes we do not know: a code about our account or request must not cost
  // the subscriber their alert, and a truly bad number ends at the dispatcher's attempt limit anyway.
  return new DeliveryError(said, { permanent: false, outcome: gatewayTimedOut(status) ? 'unknown' : 'failed' });
}

/** We stop waiting; the request may already be at Twilio, which may send the SMS. */
function aborted(): DeliveryError {
  return new DeliveryError('SMS delivery aborted', { permanent: false, outcome: 'unknown' });
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (err: unknown) => (signal.removeEventListener('abort', onAbort), reject(err)),
    );
  });
}
