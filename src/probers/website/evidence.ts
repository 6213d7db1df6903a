// The evidence a website probe leaves behind. It is stored verbatim as JSON and re-classified later,
// so it records facts (codes, times, bytes), never conclusions, and only fields that carry a value:
// absent keys mean "did not happen / not applicable", which keeps millions of rows small.

import type { Evidence } from '../../domain.ts';

export const WEBSITE_EVIDENCE_METHOD = 'http';
export const WEBSITE_EVIDENCE_VERSION = 1;

/**
 * Where a failure happened. `total` is the probe-wide budget shared by all hops running out,
 * whatever phase was in progress (the message names it).
 */
export type ErrorPhase = 'dns' | 'connect' | 'tls' | 'headers' | 'body' | 'total';

export interface ProbeError {
  /**
   * The exact code as Node/undici reported it: `ECONNREFUSED`, `ENOTFOUND`, `EAI_AGAIN`, `ECONNRESET`,
   * `UND_ERR_CONNECT_TIMEOUT`, `UND_ERR_HEADERS_TIMEOUT`, `UND_ERR_BODY_TIMEOUT`, `TimeoutError`,
   * `AbortError` (our daemon stopped the probe), a certificate verification code such as
   * `CERT_HAS_EXPIRED` or `ERR_TLS_CERT_ALTNAME_INVALID`, or our own `ERR_TLS_HANDSHAKE_TIMEOUT`.
   */
  code: string;
  phase: ErrorPhase;
  message: string;
  /** For a limit our own timer enforced: the limit in ms. Absent for errors the network reported. */
  limitMs?: number;
  /** How much later than due that timer fired (0.1 ms): our loop's delay, not the site's. */
  lateMs?: number;
}

/**
 * Offsets in ms from the start of the hop (curl's time_namelookup, time_connect, time_appconnect,
 * time_starttransfer, time_total), rounded to 0.1 ms. A phase that did not complete is absent;
 * `dns` is also absent for IP-literal hosts, which are never looked up.
 */
export interface HopTimings {
  dns?: number;
  connect?: number;
  tls?: number;
  ttfb?: number;
  total: number;
}

export interface CertFacts {
  /** `CN=…, O=…` of the issuer (only those two attributes: enough to recognise a CA or a self-signed cert). */
  issuer: string;
  subject: string;
  /** Epoch ms. */
  validFrom: number;
  /** Epoch ms; the classifier compares it with the evidence's `at`, never with the clock. */
  validTo: number;
  fingerprint256: string;
}

export interface TlsFacts {
  /** Negotiated version, e.g. `TLSv1.3`. */
  protocol?: string;
  authorized: boolean;
  /** Exact verification code when not authorized, e.g. `CERT_HAS_EXPIRED`. */
  authorizationError?: string;
  cert?: CertFacts;
}

export interface WebsiteHop {
  url: string;
  /** HTTP status; absent when no response headers arrived. */
  status?: number;
  /** Raw Location header of a redirect, as sent (it may be relative). */
  location?: string;
  /** `ip:port` of the peer (`[v6]:port`), from the socket or from the connect error. */
  remote?: string;
  timings: HopTimings;
  tls?: TlsFacts;
  /** Only the last hop can carry an error: a failure ends the chain. */
  error?: ProbeError;
}

export interface BodyFacts {
  /** Text of the first <title>, entity-decoded and whitespace-collapsed; null when there is none. */
  title: string | null;
  /** sha256 hex of exactly the `bytes` bytes read. */
  sha256: string;
  bytes: number;
  /** Present (true) when the body was longer than maxBodyBytes and was cut. */
  truncated?: true;
  contentType?: string;
  /** The charset the bytes were decoded with (a WHATWG encoding name). */
  charset: string;
  /** The text that matched a parked / for-sale pattern, or null. */
  parkedMarker: string | null;
  /** Present only when the channel has `options.expectText`. */
  expectText?: { text: string; found: boolean };
}

export interface RedirectFacts {
  /** How many hops answered with a followable redirect (3xx + Location). */
  count: number;
  /** The chain pointed back to a URL already visited; the repeat was not fetched. */
  loop: boolean;
  /** `count` exceeded the prober's maxRedirects; the last Location was not fetched. */
  tooMany: boolean;
}

/** Filled in by the pipeline (not the prober) from the self-check canaries before classification. */
export interface CanaryFacts {
  ok: boolean;
  checkedAt: number;
  detail: string;
}

// A type alias rather than an interface: object type aliases are assignable to Evidence's index
// signature, while property access on WebsiteEvidence stays checked (no `[key: string]: unknown`).
export type WebsiteEvidence = {
  method: 'http';
  v: 1;
  /** The start URL (the channel's target). */
  url: string;
  /** Epoch ms at the start of the probe: the classifier's "now". */
  at: number;
  hops: WebsiteHop[];
  /** Facts about the final response's body; absent when no final body was read. */
  body?: BodyFacts;
  redirect: RedirectFacts;
  /** Wall time of the whole chain in ms, rounded to 0.1 ms. */
  totalMs: number;
  canary?: CanaryFacts;
  /** Our own event loop's stalls during the probe (src/probers/loop-watch.ts); absent when there were none. */
  loop?: LoopFacts;
};

/** Time our daemon could not run while the probe was in flight: our overload, never the site's doing. */
export interface LoopFacts {
  /** Sum of the stalls of 20 ms or more that overlapped the probe, in ms. */
  stalledMs: number;
  /** The longest of them. */
  maxStallMs: number;
}

/** Shape check for evidence read back from storage (JSON of unknown age), so the classifier can trust it. */
export function isWebsiteEvidence(e: Evidence): e is Evidence & WebsiteEvidence {
  const redirect = e['redirect'];
  return (
    e.method === WEBSITE_EVIDENCE_METHOD &&
    e.v === WEBSITE_EVIDENCE_VERSION &&
    typeof e['url'] === 'string' &&
    typeof e['at'] === 'number' &&
    typeof e['totalMs'] === 'number' &&
    Array.isArray(e['hops']) &&
    typeof redirect === 'object' &&
    redirect !== null
  );
}
