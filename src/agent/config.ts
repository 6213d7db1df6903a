// The `agent` section: how `reachwatch agent run` reaches its central daemon and how hard it works.
// Only an agent reads it; the central ignores it. The agent's token is a secret and comes from the
// environment only (REACHWATCH_AGENT_TOKEN), like every other credential (docs/agents.md).

import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { fieldsOf, knownKeys, resolvePath, sectionOf, showDuration, type Obj, type SectionContext, type SectionDoc } from '../config/section.ts';

export interface AgentConfig {
  /** The central daemon's base URL (https; http only on a loopback address); null: not an agent. */
  centralUrl: string | null;
  /** Plain http to a loopback central: allowed, with a warning at start. */
  insecure: boolean;
  /** Extra CA certificate (PEM file) trusted for the central's TLS certificate. */
  caFile: string | null;
  /** The agent's own folder: its key, its enrollment and its outbox. */
  dataDir: string;
  /** Probes in flight at once. */
  concurrency: number;
  /** Jobs asked for per lease request. */
  leaseBatch: number;
  /** Results per pushed batch. */
  pushBatch: number;
  /** Pause between lease requests when the central had nothing due. */
  pollIntervalMs: number;
  /** On SIGTERM, probes in flight may finish for this long; then they are abandoned (their leases expire). */
  stopGraceMs: number;
  /** The longest one request to the central may take. */
  requestTimeoutMs: number;
  /** From REACHWATCH_AGENT_TOKEN only. */
  token: string | null;
}

export const AGENT_DEFAULTS: AgentConfig = {
  centralUrl: null,
  insecure: false,
  caFile: null,
  dataDir: path.join(process.cwd(), 'agent-data'),
  concurrency: 8,
  leaseBatch: 20,
  pushBatch: 100,
  pollIntervalMs: 5000,
  stopGraceMs: 5_000,
  requestTimeoutMs: 30_000,
  token: null,
};

const D = AGENT_DEFAULTS;
export const AGENT_DOC: SectionDoc = {
  section: 'agent',
  about: 'Only for `reachwatch agent run`: a regional agent that probes for a vantage point of a central daemon (docs/agents.md). Its token comes from `REACHWATCH_AGENT_TOKEN`.',
  keys: [
    { key: 'central_url', default: 'none', meaning: 'The central daemon, e.g. https://reachwatch.example.org; https, or http only to a loopback address (127.x, ::1), with a warning.' },
    { key: 'ca_file', default: 'none', meaning: "A PEM file of a CA trusted for the central's certificate besides the system's roots (a private CA)." },
    { key: 'data_dir', default: './agent-data of the folder the agent starts in', meaning: "The agent's folder: its private key (mode 0600), its enrollment and its outbox; relative to the config file." },
    { key: 'concurrency', default: String(D.concurrency), meaning: 'Probes in flight at once, 1 to 256.' },
    { key: 'lease_batch', default: String(D.leaseBatch), meaning: 'Jobs asked for in one lease request, 1 to 500.' },
    { key: 'push_batch', default: String(D.pushBatch), meaning: 'Results sent in one batch, 1 to 500.' },
    { key: 'poll_interval', default: showDuration(D.pollIntervalMs), meaning: 'Pause between lease requests when nothing was due.' },
    { key: 'request_timeout', default: showDuration(D.requestTimeoutMs), meaning: 'The longest one request to the central may take before it is retried (a push is then sent again, the same batch).' },
    { key: 'stop_grace', default: showDuration(D.stopGraceMs), meaning: 'On SIGTERM, probes in flight may finish for this long; unfinished ones are abandoned and their leases expire at the central.' },
  ],
};

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);
const isLoopback = (host: string) => LOOPBACK_HOSTS.has(host) || (isIP(host) === 4 && host.startsWith('127.'));

export function parseAgentSection(raw: Obj, ctx: SectionContext): AgentConfig {
  const { where, problems } = ctx;
  const a = sectionOf(raw, 'agent', ctx);
  const f = fieldsOf(ctx, 'agent', a);
  f.known(knownKeys(AGENT_DOC));
  let centralUrl: string | null = null;
  let insecure = false;
  if (a.central_url !== undefined && a.central_url !== null && a.central_url !== 'none') {
    const u = typeof a.central_url === 'string' && URL.canParse(a.central_url) ? new URL(a.central_url) : null;
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.search || u.hash) {
      problems.push(`${where(['agent', 'central_url'])}: must be the central daemon's https URL, such as https://reachwatch.example.org, not ${JSON.stringify(a.central_url)}.`);
    } else if (u.protocol === 'http:' && !isLoopback(u.hostname)) {
      problems.push(`${where(['agent', 'central_url'])}: plain http would send the agent's token in clear; use https (http is allowed only to a loopback address such as 127.0.0.1).`);
    } else {
      insecure = u.protocol === 'http:';
      centralUrl = u.href.replace(/\/+$/, '');
    }
  }
  let caFile: string | null = null;
  if (a.ca_file !== undefined && a.ca_file !== null && a.ca_file !== 'none') {
    if (typeof a.ca_file !== 'string' || a.ca_file === '') problems.push(`${where(['agent', 'ca_file'])}: must be the path of a PEM file.`);
    else {
      caFile = resolvePath(ctx, a.ca_file);
      if (!existsSync(caFile)) problems.push(`${where(['agent', 'ca_file'])}: ${caFile} does not exist.`);
    }
  }
  let dataDir = D.dataDir;
  if (a.data_dir !== undefined) {
    if (typeof a.data_dir !== 'string' || a.data_dir === '') problems.push(`${where(['agent', 'data_dir'])}: must be a folder path.`);
    else dataDir = resolvePath(ctx, a.data_dir);
  }
  const token = ctx.env.agentToken ?? null;
  return {
    centralUrl,
    insecure,
    caFile,
    dataDir,
    concurrency: f.int('concurrency', D.concurrency, 1, 256),
    leaseBatch: f.int('lease_batch', D.leaseBatch, 1, 500),
    pushBatch: f.int('push_batch', D.pushBatch, 1, 500),
    pollIntervalMs: f.duration('poll_interval', D.pollIntervalMs),
    stopGraceMs: f.duration('stop_grace', D.stopGraceMs),
    requestTimeoutMs: f.duration('request_timeout', D.requestTimeoutMs),
    token: token === '' ? null : token,
  };
}
