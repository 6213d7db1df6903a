// The HTTP client shared by the channels that POST (webhooks, Telegram): a small pool per sender.

import { Agent, type buildConnector } from 'undici';

// undici's own timeouts tick on coarse timers; ours (AbortSignal.timeout) decides, theirs only backs it up.
const UNDICI_BACKSTOP_MS = 1_000;

export function senderAgent(timeoutMs: number, connect: buildConnector.BuildOptions | buildConnector.connector = { timeout: timeoutMs }): Agent {
  return new Agent({ connect, headersTimeout: timeoutMs + UNDICI_BACKSTOP_MS, bodyTimeout: timeoutMs + UNDICI_BACKSTOP_MS, connections: 4 });
}

