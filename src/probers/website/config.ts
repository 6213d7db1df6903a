// The `website` section: the website prober's limits and the classifier's website thresholds.

import { isIP } from 'node:net';
import { fieldsOf, isObj, knownKeys, sectionOf, showDuration, showValue, type Obj, type SectionContext, type SectionDoc } from '../../config/section.ts';

export interface WebsiteConfig {
  connectTimeoutMs: number;
  tlsTimeoutMs: number;
  headersTimeoutMs: number;
  totalTimeoutMs: number;
  maxRedirects: number;
  maxBodyBytes: number;
  userAgent: string;
  slowMs: number;
  certExpiryWarnDays: number;
  /** hostname -> IP, like curl --resolve. For tests, benchmarks and the demo; empty in production. */
  resolve: Record<string, string>;
  /** The source address of website probes (undici's localAddress); null: the system's choice. */
  localAddress: string | null;
}

export const WEBSITE_DEFAULTS: WebsiteConfig = {
  connectTimeoutMs: 10_000,
  tlsTimeoutMs: 10_000,
  headersTimeoutMs: 15_000,
  totalTimeoutMs: 30_000,
  maxRedirects: 10,
  maxBodyBytes: 65_536,
  userAgent: 'reachwatch/0.1 (+directory availability check)',
  slowMs: 3000,
  certExpiryWarnDays: 14,
  resolve: {},
  localAddress: null,
};

const D = WEBSITE_DEFAULTS;
export const WEBSITE_DOC: SectionDoc = {
  section: 'website',
  about: 'Website probes.',
  keys: [
    { key: 'connect_timeout', default: showDuration(D.connectTimeoutMs), meaning: 'Longest wait for the TCP connection.' },
    { key: 'tls_timeout', default: showDuration(D.tlsTimeoutMs), meaning: 'Longest wait for the TLS handshake.' },
    { key: 'headers_timeout', default: showDuration(D.headersTimeoutMs), meaning: 'Longest wait for the response headers.' },
    { key: 'total_timeout', default: showDuration(D.totalTimeoutMs), meaning: 'Longest a whole probe (redirects included) may take.' },
    { key: 'max_redirects', default: String(D.maxRedirects), meaning: 'Redirects followed, 0 to 30.' },
    { key: 'max_body_bytes', default: String(D.maxBodyBytes), meaning: 'Bytes of the body read, 1024 to 10000000.' },
    { key: 'user_agent', default: D.userAgent, meaning: 'The User-Agent header.' },
    { key: 'slow', default: showDuration(D.slowMs), meaning: 'A page answering slower than this is classified slow.' },
    { key: 'cert_expiry_warn_days', default: String(D.certExpiryWarnDays), meaning: 'A certificate expiring within this many days is a warning, 0 to 365.' },
    { key: 'resolve', default: showValue(D.resolve), meaning: 'Host name to IP address, like curl --resolve; for tests, benchmarks and the demo.' },
    { key: 'local_address', default: 'none', meaning: "The source IP address of website probes (one of this machine's addresses), e.g. to probe through one uplink of several; none: the system's choice." },
  ],
};

export function parseWebsiteSection(raw: Obj, ctx: SectionContext): WebsiteConfig {
  const { where, problems } = ctx;
  const web = sectionOf(raw, 'website', ctx);
  const f = fieldsOf(ctx, 'website', web);
  f.known(knownKeys(WEBSITE_DOC));
  const resolve: Record<string, string> = {};
  if (web.resolve !== undefined) {
    if (!isObj(web.resolve)) problems.push(`${where(['website', 'resolve'])}: must map host names to IP addresses.`);
    else
      for (const [host, ip] of Object.entries(web.resolve)) {
        if (typeof ip !== 'string' || !/^[0-9a-f:.]+$/i.test(ip)) problems.push(`${where(['website', 'resolve', host])}: must be an IP address.`);
        else resolve[host.toLowerCase()] = ip;
      }
  }
  let localAddress: string | null = null;
  if (web.local_address !== undefined && web.local_address !== null && web.local_address !== 'none') {
    if (typeof web.local_address !== 'string' || isIP(web.local_address) === 0) {
      problems.push(`${where(['website', 'local_address'])}: must be an IP address (one of this machine's), e.g. 192.0.2.10, not ${JSON.stringify(web.local_address)}.`);
    } else localAddress = web.local_address;
  }
  return {
    connectTimeoutMs: f.duration('connect_timeout', D.connectTimeoutMs),
    tlsTimeoutMs: f.duration('tls_timeout', D.tlsTimeoutMs),
    headersTimeoutMs: f.duration('headers_timeout', D.headersTimeoutMs),
    totalTimeoutMs: f.duration('total_timeout', D.totalTimeoutMs),
    maxRedirects: f.int('max_redirects', D.maxRedirects, 0, 30),
    maxBodyBytes: f.int('max_body_bytes', D.maxBodyBytes, 1024, 10_000_000),
    userAgent: f.str('user_agent', D.userAgent),
    slowMs: f.duration('slow', D.slowMs),
    certExpiryWarnDays: f.int('cert_expiry_warn_days', D.certExpiryWarnDays, 0, 365),
    resolve,
    localAddress,
  };
}
