// What a website probe's evidence means. Pure: the only "now" is evidence.at, so re-classifying
// old evidence under the same rules gives the same answer years later.
//
// Order matters and is the contract: our own failures first (never counted against a center), then
// transport failures, then what the server said, then what the page says, then where it ended up.

import { parse as parseDomain } from 'tldts';
import type { Classification, Evidence, Outcome, OutcomeFlag } from '../domain.ts';
import { OUTCOME_FLAGS } from '../domain.ts';
import { isWebsiteEvidence, type ProbeError, type WebsiteEvidence, type WebsiteHop } from '../probers/website/evidence.ts';

export interface WebsiteRules {
  /** A chain slower than this (whole chain, all hops) is flagged `slow`, still reachable. */
  slowMs: number;
  /** A certificate expiring within this many days of the probe is flagged `cert_expiring`. */
  certExpiryWarnDays: number;
}

const DAY_MS = 86_400_000;

/**
 * A limit our own timer enforced counts against the site only if our loop was not stalled for this
 * share of it (or OUR_DELAY_FLOOR_MS, whichever is more). Past that, the answer may have been waiting
 * unread while we could not run: the site had less of the limit than it was promised.
 */
export const OUR_DELAY_SHARE = 0.25;
/**
 * Stalls shorter than this are a busy machine's ordinary scheduling jitter; a site that close to its
 * limit was slow anyway. It only matters for limits under a second (tests, benchmarks).
 */
export const OUR_DELAY_FLOOR_MS = 250;

export function classifyWebsite(evidence: Evidence, rules: WebsiteRules): Classification {
  if (!isWebsiteEvidence(evidence)) {
    return verdict('error', 'malformed_evidence', 'The stored website evidence does not have the expected shape.');
  }
  const last = evidence.hops.at(-1);
  if (last === undefined) {
    return verdict('error', 'malformed_evidence', `The evidence for ${evidence.url} records no request at all.`);
  }
  if (last.error) return classifyFailure(evidence, last, last.error);
  return classifyResponse(evidence, last, rules);
}

function verdict(outcome: Outcome, reason: string, detail: string, flags: OutcomeFlag[] = []): Classification {
  return { outcome, reason, detail, flags };
}

// ---------------------------------------------------------------------------------------------
// The chain ended in a failure

function classifyFailure(e: WebsiteEvidence, last: WebsiteHop, err: ProbeError): Classification {
  if (err.code === 'AbortError') {
    return verdict('error', 'probe_aborted', 'The monitor stopped this probe before it finished, so it says nothing about the site.');
  }
  const overload = ourOverload(e, last, err);
  if (overload) return overload;
  const answered = e.hops.some((h) => h.status !== undefined);
  if (e.canary && !e.canary.ok && !answered && !isCertificateError(last, err)) {
    return verdict(
      'error',
      'our_network',
      `Could not reach ${hostOf(last.url)} (${err.code}), but our own canary checks failed too (${e.canary.detail}), so this is not counted against the center.`,
    );
  }
  if (isCertificateError(last, err)) {
    return verdict('unavailable', 'tls_error', `The TLS certificate of ${hostOf(last.url)} was rejected: ${err.code}.`);
  }
  return transportVerdict(last, err);
}

/** The reason of a probe whose deadline ran out while our own loop was stalled (the monitor tells the operator). */
export const OUR_OVERLOAD_REASON = 'our_overload';

/** A deadline of ours that ran out while our own loop was stalled: our overload, not their failure. */
function ourOverload(e: WebsiteEvidence, last: WebsiteHop, err: ProbeError): Classification | null {
  if (typeof err.limitMs !== 'number') return null; // not our timer (or evidence from before it was measured)
  const late = typeof err.lateMs === 'number' ? err.lateMs : 0;
  const stalled = typeof e.loop?.stalledMs === 'number' ? e.loop.stalledMs : 0;
  const ours = Math.max(late, stalled);
  if (ours < Math.max(OUR_DELAY_SHARE * err.limitMs, OUR_DELAY_FLOOR_MS)) return null;
  return verdict(
    'error',
    OUR_OVERLOAD_REASON,
    `The ${err.limitMs} ms limit (${err.phase}) for ${hostOf(last.url)} ran out while our own monitor was stalled for ` +
      `${Math.round(stalled)} ms (its timer fired ${Math.round(late)} ms late), so this says nothing about the site.`,
  );
}

/** A verification failure of the certificate we were shown, as opposed to a handshake that broke. */
function isCertificateError(hop: WebsiteHop, err: ProbeError): boolean {
  return err.phase === 'tls' && hop.tls?.authorized === false && hop.tls.authorizationError === err.code;
}

function transportVerdict(hop: WebsiteHop, err: ProbeError): Classification {
  const host = hostOf(hop.url);
  const peer = hop.remote ?? hostPort(hop.url);
  const u = (reason: string, detail: string): Classification => verdict('unavailable', reason, detail);
  switch (err.code) {
    case 'ENOTFOUND':
      return verdict('closed', 'dns_not_found', `The name ${host} does not resolve (ENOTFOUND).`);
    case 'EAI_AGAIN':
      return u('dns_temporary', `The DNS lookup of ${host} failed temporarily (EAI_AGAIN).`);
    case 'ECONNREFUSED':
      return u('connection_refused', `Connection refused by ${peer}.`);
    case 'ECONNRESET':
    case 'EPIPE':
      return u('connection_reset', `The connection to ${peer} was reset during the ${err.phase} phase.`);
    case 'UND_ERR_SOCKET':
      return u('connection_closed', `${peer} closed the connection during the ${err.phase} phase.`);
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return err.phase === 'dns'
        ? u('dns_timeout', `The DNS lookup of ${host} did not answer in time.`)
        : u('connect_timeout', `No TCP connection to ${peer} could be opened in time.`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return u('host_unreachable', `${peer} is unreachable (${err.code}).`);
    case 'ERR_TLS_HANDSHAKE_TIMEOUT':
      return u('tls_timeout', `The TLS handshake with ${peer} did not finish in time.`);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return u('no_response', `${peer} accepted the connection but sent no response in time.`);
    case 'UND_ERR_BODY_TIMEOUT':
      return u('body_timeout', `${peer} stopped sending the page part-way through.`);
    case 'TimeoutError':
      return u('timeout', `${hop.url} did not answer within the probe's time limit.`);
  }
  if (err.phase === 'dns') return u('dns_error', `The DNS lookup of ${host} failed (${err.code}).`);
  if (err.phase === 'tls') return u('tls_handshake_failed', `The TLS handshake with ${peer} failed (${err.code}).`);
  if (err.code.startsWith('HPE_')) return u('invalid_response', `${peer} sent a malformed HTTP response (${err.code}).`);
  return u('network_error', `The request to ${hop.url} failed during the ${err.phase} phase (${err.code}).`);
}

// ---------------------------------------------------------------------------------------------
// The chain ended in an HTTP response

function classifyResponse(e: WebsiteEvidence, last: WebsiteHop, rules: WebsiteRules): Classification {
  const status = last.status;
  if (status === undefined) {
    return verdict('error', 'malformed_evidence', `The last request to ${last.url} has neither a status nor an error.`);
  }
  const flags = computeFlags(e, rules);
  const v = (outcome: Outcome, reason: string, detail: string): Classification => verdict(outcome, reason, detail, flags);

  if (e.redirect.loop) {
    return v('unavailable', 'redirect_loop', `${last.url} redirects back to an address already visited (a redirect loop).`);
  }
  if (e.redirect.tooMany) {
    return v('unavailable', 'too_many_redirects', `${e.url} kept redirecting; the probe gave up after ${e.redirect.count} redirects.`);
  }
  if (status >= 500) return v('unavailable', 'http_5xx', `The server answered HTTP ${status} at ${last.url}.`);
  if (status === 404 || status === 410) {
    const what = status === 404 ? 'not found' : 'gone';
    return v('closed', `http_${status}`, `The listed page answers HTTP ${status} (${what}) at ${last.url}.`);
  }
  const marker = e.body?.parkedMarker;
  if (marker) return v('closed', 'parked_page', `The page at ${last.url} looks parked or for sale ("${marker}").`);

  const expect = e.body?.expectText;
  // Only a successful page can be missing the text: a 403 or a challenge page never had it.
  if (expect && !expect.found && isSuccess(status)) {
    return v('closed', 'expected_text_missing', `The page at ${last.url} does not contain the expected text "${expect.text}".`);
  }
  const finalHost = hostOf(last.url);
  if (siteKey(finalHost) !== siteKey(hostOf(e.url))) {
    return v('redirected', 'other_domain', `${e.url} redirects to ${finalHost}, another domain.`);
  }
  if (status >= 300 && status < 400) {
    const why = last.location === undefined ? 'without a Location header' : `to an address that cannot be followed (${last.location})`;
    return v('inconclusive', 'redirect_unfollowable', `${last.url} answered HTTP ${status} ${why}.`);
  }
  if (status >= 400) {
    return v('inconclusive', 'http_4xx', `The server answered HTTP ${status} at ${last.url}, so the listing cannot be confirmed.`);
  }
  if (isSuccess(status)) {
    return v('reachable', 'ok', `${last.url} answered HTTP ${status} in ${Math.round(e.totalMs)} ms.`);
  }
  return v('inconclusive', 'unexpected_status', `The server answered an unexpected HTTP ${status} at ${last.url}.`);
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function computeFlags(e: WebsiteEvidence, rules: WebsiteRules): OutcomeFlag[] {
  const on = new Set<OutcomeFlag>();
  if (e.totalMs > rules.slowMs) on.add('slow');
  const warnBefore = e.at + rules.certExpiryWarnDays * DAY_MS;
  if (e.hops.some((h) => h.tls?.cert !== undefined && h.tls.cert.validTo < warnBefore)) on.add('cert_expiring');
  if (e.hops.some((h) => h.tls?.authorized === false && h.error === undefined)) on.add('tls_invalid_ignored');
  if (e.hops.some((h, i) => i > 0 && h.url.startsWith('http:') && e.hops[i - 1]?.url.startsWith('https:'))) {
    on.add('https_downgrade');
  }
  return OUTCOME_FLAGS.filter((f) => on.has(f)); // a fixed order keeps stored classifications comparable
}

// ---------------------------------------------------------------------------------------------
// Hosts and sites

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  } catch {
    return url;
  }
}

function hostPort(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * Two hosts are the same site when they share a registrable domain (public suffix list, private
 * suffixes included: two github.io sites are different sites). IP literals and names under unknown
 * suffixes compare by hostname, where a leading `www.` alone does not make a different site.
 */
function siteKey(host: string): string {
  const parsed = parseDomain(host, { allowPrivateDomains: true });
  if (!parsed.isIp && (parsed.isIcann === true || parsed.isPrivate === true) && parsed.domain) return parsed.domain;
  return host.replace(/^www\./, '');
}
