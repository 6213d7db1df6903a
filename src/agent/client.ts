// The agent's side of the wire protocol (src/agents/protocol.ts): one HTTP client to the central,
// outward only, with the agent token on every request. It returns the central's reply or throws a
// CentralError saying whether to retry (network, 5xx, 429 with its Retry-After) or to stop (401/403:
// the token is wrong or revoked; other 4xx: the request itself is refused).

import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import type { EnrollReply, EnrollRequest, HeartbeatRequest, LeaseReply, LeaseRequest, ResultsReply, ResultsRequest } from '../agents/protocol.ts';
import { sampleOf, type ClockSample } from './clock.ts';

export class CentralError extends Error {
  override name = 'CentralError';
  /** HTTP status, or 0 when no answer came (connection refused, reset, timed out). */
  readonly status: number;
  /** The refusal code of the body (`agent_revoked`, `batch_already_ingested`...), if any. */
  readonly code: string | null;
  /** From Retry-After, when the central said how long to wait. */
  readonly retryAfterMs: number | null;
  constructor(message: string, status: number, code: string | null, retryAfterMs: number | null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }

  /** Worth trying again later with the same request: no answer, the central's trouble, or too fast. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429 || this.status === 408;
  }

  /** The token is not (or no longer) accepted: nothing will work until an admin acts. */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface CentralReply<T> {
  body: T;
  clock: ClockSample;
}

export interface CentralClientOptions {
  baseUrl: string;
  token: string;
  /** Extra CA (PEM file) for the central's certificate. */
  caFile?: string | null;
  /** Longest one request may take. */
  timeoutMs?: number;
}

export class CentralClient {
  private readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;

  private readonly opts: CentralClientOptions;

  constructor(opts: CentralClientOptions) {
    this.opts = opts;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    const ca = opts.caFile ? readFileSync(opts.caFile, 'utf8') : undefined;
    this.dispatcher = new Agent({
      connections: 4,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connect: { timeout: Math.min(this.timeoutMs, 10_000), ...(ca ? { ca } : {}) },
    });
  }

  enroll(body: EnrollRequest): Promise<CentralReply<EnrollReply>> {
    return this.post('/agent/v1/enroll', body);
  }

  lease(body: LeaseRequest): Promise<CentralReply<LeaseReply>> {
    return this.post('/agent/v1/lease', body);
  }

  results(body: ResultsRequest): Promise<CentralReply<ResultsReply>> {
    return this.post('/agent/v1/results', body);
  }

  heartbeat(body: HeartbeatRequest): Promise<CentralReply<{ serverTime: number; stale: boolean }>> {
    return this.post('/agent/v1/heartbeat', body);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async post<T extends { serverTime: number }>(route: string, body: unknown): Promise<CentralReply<T>> {
    const t0 = Date.now();
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.opts.baseUrl}${route}`, {
        method: 'POST',
        dispatcher: this.dispatcher,
        headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      throw new CentralError(`POST ${route}: no answer from the central (${e.code ?? e.name}: ${e.message})`, 0, null, null);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw new CentralError(`POST ${route}: the answer was cut off (${(err as Error).message})`, 0, null, null);
    }
    const t1 = Date.now();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (res.statusCode !== 200) {
      const obj = (parsed && typeof parsed === 'object' ? parsed : {}) as { code?: unknown; message?: unknown; error?: unknown };
      const code = typeof obj.code === 'string' ? obj.code : null;
      const message = typeof obj.message === 'string' ? obj.message : typeof obj.error === 'string' ? obj.error : text.slice(0, 200);
      throw new CentralError(`POST ${route}: ${res.statusCode}${code ? ` ${code}` : ''}: ${message}`, res.statusCode, code, retryAfterOf(res.headers['retry-after']));
    }
    const reply = parsed as T | null;
    if (!reply || typeof reply.serverTime !== 'number') throw new CentralError(`POST ${route}: the central's answer is not the agent protocol's`, 502, null, null);
    return { body: reply, clock: sampleOf(t0, t1, reply.serverTime) };
  }
}

/** Retry-After in seconds or as an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterOf(header: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || v === '') return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
