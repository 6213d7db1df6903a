// A loopback stand-in for the Telegram Bot API: sendMessage only, with the API's reply shapes for
// success, rate limits, blocked and unknown chats, migrated groups and a wrong token.
//
//   const tg = await startTelegramApi({ token: '123:ABC' });
//   tg.rateLimitNext(3);               // the next sendMessage gets 429 with retry_after 3
//   ... createTelegramSender({ apiUrl: tg.url, token: '123:ABC', ... }) ...
//   expect(tg.messages[0]?.text).toContain('<b>');
//   await tg.close();

import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TelegramSent {
  chatId: string;
  text: string;
  parseMode: string | null;
  /** The request's link_preview_options, as sent. */
  linkPreview: unknown;
  at: number;
}

export interface TelegramApi {
  /** Base URL, to pass as apiUrl. */
  readonly url: string;
  readonly messages: TelegramSent[];
  /** Every request, whatever it was answered. */
  readonly requests: number;
  /** The next `count` (default 1) sendMessage calls get 429 with parameters.retry_after. */
  rateLimitNext(retryAfterSec: number, count?: number): void;
  /** 403 Forbidden: bot was blocked by the user. */
  blockChat(chatId: string): void;
  /** 400 Bad Request: chat not found. */
  unknownChat(chatId: string): void;
  /** 400 with parameters.migrate_to_chat_id, as for a group upgraded to a supergroup. */
  migrateChat(chatId: string, newChatId: number): void;
  close(): Promise<void>;
}

type Reply = { status: number; body: Record<string, unknown> };

export async function startTelegramApi(opts: { token: string }): Promise<TelegramApi> {
  const messages: TelegramSent[] = [];
  const blocked = new Set<string>();
  const unknown = new Set<string>();
  const migrated = new Map<string, number>();
  const limits: number[] = [];
  let requests = 0;
  let nextId = 1;

  const error = (status: number, description: string, parameters?: Record<string, unknown>): Reply => ({
    status,
    body: { ok: false, error_code: status, description, ...(parameters !== undefined ? { parameters } : {}) },
  });

  const sendMessage = (params: Record<string, unknown>): Reply => {
    const chatId = params.chat_id === undefined ? '' : String(params.chat_id as string | number);
    const text = typeof params.text === 'string' ? params.text : '';
    if (chatId === '') return error(400, 'Bad Request: chat_id is empty');
    if (text.trim() === '') return error(400, 'Bad Request: message text is empty');
    const retryAfter = limits.shift();
    if (retryAfter !== undefined) return error(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    if (blocked.has(chatId)) return error(403, 'Forbidden: bot was blocked by the user');
    if (unknown.has(chatId)) return error(400, 'Bad Request: chat not found');
    const moved = migrated.get(chatId);
    if (moved !== undefined) return error(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: moved });
    const parseMode = typeof params.parse_mode === 'string' ? params.parse_mode : null;
    messages.push({ chatId, text, parseMode, linkPreview: params.link_preview_options, at: Date.now() });
    const messageId = nextId++;
    return {
      status: 200,
      body: { ok: true, result: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId) || chatId, type: 'private' }, text } },
    };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests += 1;
      const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://api.invalid').pathname);
      if (match === null) return send(res, error(404, 'Not Found'));
      if (decodeURIComponent(match[1] ?? '') !== opts.token) return send(res, error(401, 'Unauthorized'));
      if (match[2]?.toLowerCase() !== 'sendmessage') return send(res, error(404, 'Not Found'));
      const params = parseParams(Buffer.concat(chunks).toString('utf8'), req.headers['content-type'] ?? '');
      if (params === null) return send(res, error(400, "Bad Request: can't parse JSON object"));
      send(res, sendMessage(params));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    get requests() {
      return requests;
    },
    rateLimitNext(retryAfterSec, count = 1) {
      for (let i = 0; i < count; i++) limits.push(retryAfterSec);
    },
    blockChat: (chatId) => void blocked.add(chatId),
    unknownChat: (chatId) => void unknown.add(chatId),
    migrateChat: (chatId, newChatId) => void migrated.set(chatId, newChatId),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(reply.body));
}

/** The Bot API takes JSON, urlencoded forms and query strings alike; JSON and forms are enough here. */
function parseParams(body: string, contentType: string): Record<string, unknown> | null {
  if (/application\/x-www-form-urlencoded/i.test(contentType)) return Object.fromEntries(new URLSearchParams(body));
  if (body === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
