// The `sip` section: a SIP trunk of our own (a domestic carrier's or an in-country PBX's), through
// which the sip prober dials E.164 numbers and national short codes such as 114. The trunk's user
// and password come from the environment only (REACHWATCH_SIP_USER, REACHWATCH_SIP_PASSWORD). Calling
// hours, per-number caps, opt-outs and the spend cap are the telephony section's, shared with Twilio
// calls; the trunk adds its own price per minute and call rate.

import { readFileSync } from 'node:fs';
import { fieldsOf, knownKeys, resolvePath, sectionOf, showDuration, type Obj, type SectionContext, type SectionDoc } from '../../config/section.ts';

export type SipTransport = 'udp' | 'tcp' | 'tls';

export interface SipTrunk {
  /** Shown in the evidence: which line placed the call. */
  name: string;
  /** host:port of the trunk's proxy or registrar. */
  proxy: string;
  /** The domain of the request URI and of our address. */
  domain: string;
  transport: SipTransport;
  user: string;
  password: string | null;
  /** PEM file of the certificate authorities the trunk's TLS certificate is checked against (transport tls), or null for baresip's default. */
  caFile: string | null;
}

export interface SipConfig {
  /** null when no trunk is configured: channels whose only method is sip are then not probed. */
  trunk: SipTrunk | null;
  baresip: string;
  listen: string;
  netInterface: string | null;
  ringTimeoutMs: number;
  listenMs: number;
  menuWaitMs: number;
  clipCapMs: number;
  pricePerMinute: number;
  callsPerSecond: number;
  maxConcurrentCalls: number;
}

export const SIP_DEFAULTS: SipConfig = {
  trunk: null,
  baresip: '/usr/bin/baresip',
  listen: '0.0.0.0:0',
  netInterface: null,
  ringTimeoutMs: 30_000,
  listenMs: 8000,
  menuWaitMs: 40_000,
  clipCapMs: 30_000,
  pricePerMinute: 0.05,
  callsPerSecond: 1,
  maxConcurrentCalls: 2,
};

const D = SIP_DEFAULTS;
export const SIP_DOC: SectionDoc = {
  section: 'sip',
  about:
    'Calls through a SIP trunk of our own, placed by baresip (docs/sip.md). Off until proxy is set; the credentials come from the environment only (REACHWATCH_SIP_USER, REACHWATCH_SIP_PASSWORD). Calling hours, per-number caps, opt-outs and the spend cap are the telephony section\'s.',
  keys: [
    { key: 'proxy', default: 'none', meaning: 'host:port of the trunk\'s proxy or registrar; setting it turns SIP probes on.' },
    { key: 'domain', default: 'the proxy\'s host', meaning: 'The SIP domain of the numbers dialled and of our address.' },
    { key: 'transport', default: 'udp', meaning: 'udp, tcp or tls, as the trunk wants.' },
    { key: 'ca_file', default: 'none', meaning: 'With transport tls: a PEM file of the certificate authorities that signed the trunk\'s certificate (baresip\'s sip_cafile), relative to this file\'s folder; the call fails, as our error, when the trunk\'s certificate is not signed by one of them.' },
    { key: 'name', default: 'the proxy', meaning: 'The trunk\'s name in each call\'s evidence.' },
    { key: 'baresip', default: D.baresip, meaning: 'The baresip program (Debian package baresip-core).' },
    { key: 'listen', default: D.listen, meaning: 'Where our SIP socket is bound, address:port (port 0: any free one).' },
    { key: 'interface', default: 'none', meaning: 'The network interface whose address goes into our SDP (baresip\'s net_interface); none: baresip\'s choice.' },
    { key: 'ring_timeout', default: showDuration(D.ringTimeoutMs), meaning: 'How long a call may ring (or play early media) before we cancel it: no answer.' },
    { key: 'listen_after_answer', default: showDuration(D.listenMs), meaning: 'After an answer, how long we listen and record at least.' },
    { key: 'menu_wait', default: showDuration(D.menuWaitMs), meaning: 'After an answer, how long the menu waits for a key (the prompt included).' },
    { key: 'clip_cap', default: showDuration(D.clipCapMs), meaning: 'Longest audio clip kept per call and part (early media, after the answer); audio.clip_max_seconds caps it too (the smaller wins).' },
    { key: 'price_per_minute', default: String(D.pricePerMinute), meaning: 'What a minute on the trunk costs, in the currency of telephony.monthly_spend_cap (each call counts as its longest possible answered minutes).' },
    { key: 'calls_per_second', default: String(D.callsPerSecond), meaning: 'Most new calls a second on the trunk (at least 0.01).' },
    { key: 'max_concurrent_calls', default: String(D.maxConcurrentCalls), meaning: 'Most calls in progress at once on the trunk, 1 to 100.' },
  ],
};

const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export function parseSipSection(raw: Obj, ctx: SectionContext): SipConfig {
  const { where, problems, env } = ctx;
  const s = sectionOf(raw, 'sip', ctx);
  const f = fieldsOf(ctx, 'sip', s);
  f.known(knownKeys(SIP_DOC));
  const hostPort = (key: string, dflt: string, minPort: number): string => {
    const v = f.str(key, dflt);
    const m = HOST_PORT.exec(v);
    if (!m || Number(m[2]) < minPort || Number(m[2]) > 65535) {
      problems.push(`${where(['sip', key])}: must be host:port like "sip.example.kz:5060"${minPort === 0 ? ' (port 0: any free one)' : ''}, not ${JSON.stringify(v)}.`);
      return dflt;
    }
    return v;
  };
  let transport: SipTransport = 'udp';
  if (s.transport !== undefined) {
    if (s.transport === 'udp' || s.transport === 'tcp' || s.transport === 'tls') transport = s.transport;
    else problems.push(`${where(['sip', 'transport'])}: must be udp, tcp or tls, not ${JSON.stringify(s.transport)}.`);
  }
  let caFile: string | null = null;
  if (s.ca_file !== undefined && s.ca_file !== null && s.ca_file !== 'none') {
    const given = f.str('ca_file', '');
    if (transport !== 'tls') problems.push(`${where(['sip', 'ca_file'])}: is used only with transport: tls; set sip.transport to tls, or remove it.`);
    else if (given) {
      const file = resolvePath(ctx, given);
      let pem = '';
      try {
        pem = readFileSync(file, 'utf8');
      } catch (err) {
        problems.push(`${where(['sip', 'ca_file'])}: ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
      }
      if (pem && !pem.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${where(['sip', 'ca_file'])}: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
      else if (pem) caFile = file;
    }
  }
  const config: SipConfig = {
    trunk: null,
    baresip: f.str('baresip', D.baresip),
    listen: s.listen === undefined ? D.listen : hostPort('listen', D.listen, 0),
    netInterface: s.interface === undefined ? null : f.str('interface', ''),
    ringTimeoutMs: f.duration('ring_timeout', D.ringTimeoutMs),
    listenMs: f.duration('listen_after_answer', D.listenMs),
    menuWaitMs: f.duration('menu_wait', D.menuWaitMs),
    clipCapMs: f.duration('clip_cap', D.clipCapMs),
    pricePerMinute: f.number('price_per_minute', D.pricePerMinute, 0),
    callsPerSecond: f.number('calls_per_second', D.callsPerSecond, 0.01),
    maxConcurrentCalls: f.int('max_concurrent_calls', D.maxConcurrentCalls, 1, 100),
  };
  if (s.proxy === undefined || s.proxy === null) {
    for (const k of ['domain', 'name'] as const) if (s[k] !== undefined) problems.push(`${where(['sip', k])}: has no effect without sip.proxy; set the trunk's proxy, or remove it.`);
    return config;
  }
  const proxy = hostPort('proxy', '', 1);
  const user = env.sip.user;
  if (!user) problems.push(`${where(['sip', 'proxy'])}: a trunk is configured, but REACHWATCH_SIP_USER is not set; set it to the trunk's user name.`);
  if (!proxy || !user) return config;
  const host = (HOST_PORT.exec(proxy)?.[1] as string).replace(/^\[|\]$/g, '');
  config.trunk = {
    name: s.name === undefined ? proxy : f.str('name', proxy),
    proxy,
    domain: s.domain === undefined ? host : f.str('domain', host),
    transport,
    user,
    password: env.sip.password || null,
    caFile,
  };
  return config;
}

/** What one call is counted as toward the spend cap: its longest possible answered time, in started minutes. */
export function estimatedSipCallCost(c: SipConfig): number {
  return c.pricePerMinute * Math.max(1, Math.ceil(Math.max(c.listenMs, c.menuWaitMs) / 60_000));
}
