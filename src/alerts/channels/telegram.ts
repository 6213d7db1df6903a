// Telegram through the Bot API's sendMessage. The bot token is part of the URL path, so every
// error message leaving this file is scrubbed of it: attempt logs are not secret stores.

import { senderAgent } from './http-agent.ts';
import { failedBeforeSending, gatewayTimedOut } from './outcome.ts';
import { DeliveryError, type AlertMessage, type AlertSender, type Delivered, type DeliveryTarget } from '../channel.ts';

export interface TelegramSenderOptions {
  /** https://api.telegram.org, or a local Bot API server (REACHWATCH_TELEGRAM_API_URL). */
  apiUrl: string;
  token: string;
  timeoutMs: number;
}

interface BotApiReply {
  ok?: unknown;
  result?: { message_id?: unknown };
  error_code?: unknown;
  description?: unknown;
  parameters?: { retry_after?: unknown; migrate_to_chat_id?: unknown };
}

const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export function createTelegramSender(opts: TelegramSenderOptions): AlertSender {
  const endpoint = new URL(`${opts.apiUrl.replace(/\/+$/, '')}/bot${opts.token}/sendMessage`);
  const scrub = scrubber(opts.token);
  const agent = senderAgent(opts.timeoutMs);
  return {
    kind: 'telegram',
    async send(message: AlertMessage, target: DeliveryTarget, signal: AbortSignal): Promise<Delivered> {
      if (target.kind !== 'telegram') throw new DeliveryError(`The Telegram sender cannot deliver to a ${target.kind} target`, { permanent: true, outcome: 'failed' });
      const deadline = AbortSignal.timeout(opts.timeoutMs);
      let status: number | null = null;
      let text: string;
      try {
        const res = await agent.request({
          origin: endpoint.origin,
          path: endpoint.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            chat_id: target.chatId,
            text: message.html,
            parse_mode: 'HTML',
            link_preview_options: { is_disabled: true },
          }),
          signal: AbortSignal.any([signal, deadline]),
        });
        status = res.statusCode;
        text = await res.body.text();
      } catch (err) {
        // A 2xx whose body was cut short: Telegram most likely sent it, but we cannot read that it did;
        // any other status is its no. Without a status, only an error proving the request never left is 'failed'.
        const answered: number | null = status;
        const outcome = answered !== null ? (answered >= 200 && answered < 300 ? 'unknown' : 'failed') : failedBeforeSending(err) ? 'failed' : 'unknown';
        if (signal.aborted) throw new DeliveryError('Telegram delivery aborted', { permanent: false, outcome });
        if (deadline.aborted) throw new DeliveryError(`No answer from Telegram within ${opts.timeoutMs} ms`, { permanent: false, outcome });
        throw new DeliveryError(scrub(`Telegram unreachable: ${describe(err)}`), { permanent: false, outcome });
      }
      return interpret(status, text, scrub);
    },
    close: () => agent.close(),
  };
}

function interpret(status: number, text: string, scrub: (s: string) => string): Delivered {
  const reply = parse(text);
  if (status >= 200 && status < 300 && reply?.ok === true) {
    const id = reply.result?.message_id;
    return { detail: `message ${typeof id === 'number' || typeof id === 'string' ? id : '?'}` };
  }
  const code = typeof reply?.error_code === 'number' ? reply.error_code : status;
  const description = typeof reply?.description === 'string' ? reply.description : text.slice(0, 200).trim();
  const said = scrub(`Telegram ${code}: ${description || `HTTP ${status}`}`);
  const moved = reply?.parameters?.migrate_to_chat_id;
  if (typeof moved === 'number' || typeof moved === 'string') {
    // A group upgraded to a supergroup has a new id; this one will never work again.
    return fail(`${said} (the chat moved to ${moved}; the subscription needs the new chat id)`, true);
  }
  const retryAfter = reply?.parameters?.retry_after;
  if (typeof retryAfter === 'number' && retryAfter >= 0) {
    return fail(said, false, Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS));
  }
  // 400: chat not found, bad request; 403: bot blocked or kicked. 401/404 mean our token or API URL is
  // wrong, not the chat; 429 without retry_after, 5xx and anything unknown: try again later.
  return fail(said, code === 400 || code === 403, undefined, status);
}

/** Telegram answered no: it did not send the message (unless a gateway before it gave up waiting). */
function fail(message: string, permanent: boolean, retryAfterMs?: number, status?: number): never {
  throw new DeliveryError(message, { permanent, retryAfterMs: retryAfterMs ?? null, outcome: status !== undefined && gatewayTimedOut(status) ? 'unknown' : 'failed' });
}

/** Node's and undici's message, led by the error code when the message does not already say it. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  return typeof e.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

function parse(text: string): BotApiReply | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as BotApiReply) : null;
  } catch {
    return null;
  }
}

/** Removes the token, raw or percent-encoded (it holds a ':'), from text headed for logs. */
function scrubber(token: string): (s: string) => string {
  const forms = [...new Set([token, encodeURIComponent(token)])].filter((f) => f.length > 0);
  return (s) => forms.reduce((out, form) => out.split(form).join('<token>'), s);
}
