// The agent protocol (docs/agents.md): what a regional agent and the central daemon say to each other,
// and how a result is signed. An agent connects outward only (HTTPS), authenticates every request
// with its bearer token, and signs each result with the Ed25519 key it registered at enrollment, so a
// stored result can be re-verified later by anyone who has the agent's public key.
//
//   POST /agent/v1/enroll   once: public key and capabilities        -> the agent's id, name, point
//   POST /agent/v1/lease    due jobs of its vantage point, + heartbeat -> jobs with their slots
//   POST /agent/v1/results  a signed batch of results                  -> per result: stored/duplicate/refused
//   POST /agent/v1/heartbeat queue depth and clock, when idle          -> central time
//
// Times are milliseconds since the epoch. `agentTime` is the agent's clock when it sent the request;
// the central estimates the offset (agent minus central) from it.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { Type, type Static } from 'typebox';

export const AGENT_PROTOCOL_VERSION = 1;

/** What an agent can do; a job is leased only to an agent with the capability its method needs. */
export const AGENT_CAPABILITIES = ['website', 'twilio', 'sip', 'short_codes'] as const;
export type AgentCapability = (typeof AGENT_CAPABILITIES)[number];

/** The capability each probe method needs from an agent. */
export const CAPABILITY_OF_METHOD: Record<string, AgentCapability> = { http: 'website', lookup: 'twilio', call: 'twilio', sip: 'sip' };

/** Agent tokens are a kind of their own: 'rwa_<16 hex>_<random>'. API tokens ('rw_…') never work on agent endpoints, nor these elsewhere. */
export const AGENT_TOKEN_RE = /^rwa_([0-9a-f]{16})_([A-Za-z0-9_-]{43,})$/;

const Capability = Type.Union(AGENT_CAPABILITIES.map((c) => Type.Literal(c)));

export const EnrollRequest = Type.Object(
  {
    publicKey: Type.String({ minLength: 40, maxLength: 60, description: 'Ed25519 public key: base64 of the raw 32 bytes' }),
    capabilities: Type.Array(Capability, { maxItems: 8, uniqueItems: true }),
    version: Type.String({ maxLength: 64 }),
    hostname: Type.Optional(Type.String({ maxLength: 255 })),
    agentTime: Type.Integer(),
  },
  { additionalProperties: false },
);
export type EnrollRequest = Static<typeof EnrollRequest>;

export const EnrollReply = Type.Object({
  agent: Type.Object({ id: Type.String(), name: Type.String(), vantage: Type.String() }),
  protocol: Type.Integer(),
  serverTime: Type.Integer(),
});
export type EnrollReply = Static<typeof EnrollReply>;

export const LeaseRequest = Type.Object(
  {
    max: Type.Integer({ minimum: 1, maximum: 500, description: 'At most this many jobs' }),
    queueDepth: Type.Integer({ minimum: 0, description: 'Results waiting in the agent outbox' }),
    oldestQueuedAt: Type.Union([Type.Integer(), Type.Null()]),
    agentTime: Type.Integer(),
    version: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type LeaseRequest = Static<typeof LeaseRequest>;

/** A leased job: everything the agent needs to probe, and the slot its result must name. */
export const LeasedJob = Type.Object({
  jobId: Type.String({ description: "'<channel id>#<method>@<vantage>'" }),
  method: Type.String(),
  slotAt: Type.Integer({ description: 'The scheduled slot, central time; echoed in the result' }),
  leaseUntil: Type.Integer({ description: 'Central time; do not start a probe that cannot finish before it' }),
  deadlineMs: Type.Integer({ description: 'The longest the probe may take' }),
  channel: Type.Object({
    id: Type.String(),
    centerId: Type.String(),
    type: Type.String(),
    value: Type.String(),
    target: Type.String(),
    options: Type.Record(Type.String(), Type.Unknown()),
    tz: Type.String({ description: "The center's time zone (for the 2018 protocol's time slots)" }),
  }),
});
export type LeasedJob = Static<typeof LeasedJob>;

export const LeaseReply = Type.Object({ jobs: Type.Array(LeasedJob), serverTime: Type.Integer(), retryAfterMs: Type.Integer() });
export type LeaseReply = Static<typeof LeaseReply>;

/** One result: the raw evidence, never a classification (the central classifies with its own rules). */
export const AgentResult = Type.Object(
  {
    jobId: Type.String({ maxLength: 600 }),
    channelId: Type.String({ maxLength: 500 }),
    method: Type.String({ maxLength: 16 }),
    slotAt: Type.Integer(),
    startedAt: Type.Integer({ description: 'Agent clock' }),
    durationMs: Type.Number({ minimum: 0 }),
    evidence: Type.Record(Type.String(), Type.Unknown()),
    signature: Type.String({ minLength: 80, maxLength: 100, description: 'Ed25519 over resultPayload(), base64' }),
  },
  { additionalProperties: false },
);
export type AgentResult = Static<typeof AgentResult>;

export const ResultsRequest = Type.Object(
  {
    batchId: Type.String({ minLength: 8, maxLength: 64, description: 'Chosen by the agent, stable across retries of the same batch' }),
    seq: Type.Integer({ minimum: 1, description: 'Increases by batch; a batch at or below the last ingested seq with an unknown id is refused' }),
    sentAt: Type.Integer({ description: 'Agent clock' }),
    results: Type.Array(AgentResult, { minItems: 1, maxItems: 500 }),
    signature: Type.String({ minLength: 80, maxLength: 100, description: 'Ed25519 over batchPayload(), base64' }),
  },
  { additionalProperties: false },
);
export type ResultsRequest = Static<typeof ResultsRequest>;

export const ResultVerdict = Type.Union([Type.Literal('stored'), Type.Literal('duplicate'), Type.Literal('refused')]);
export const ResultsReply = Type.Object({
  batchId: Type.String(),
  /** One per result, in order. A refused result names why; the agent keeps none of them (refusals are final). */
  results: Type.Array(Type.Object({ verdict: ResultVerdict, reason: Type.Optional(Type.String()), probeId: Type.Optional(Type.Integer()) })),
  serverTime: Type.Integer(),
});
export type ResultsReply = Static<typeof ResultsReply>;

export const HeartbeatRequest = Type.Object(
  { queueDepth: Type.Integer({ minimum: 0 }), oldestQueuedAt: Type.Union([Type.Integer(), Type.Null()]), agentTime: Type.Integer() },
  { additionalProperties: false },
);
export type HeartbeatRequest = Static<typeof HeartbeatRequest>;
export const HeartbeatReply = Type.Object({ serverTime: Type.Integer(), stale: Type.Boolean() });

/** Machine-readable reasons in refusals (HTTP 4xx bodies carry `code`). */
export const REFUSALS = {
  badToken: 'agent_token_invalid',
  revoked: 'agent_revoked',
  notEnrolled: 'agent_not_enrolled',
  keyMismatch: 'agent_key_mismatch',
  badSignature: 'signature_invalid',
  replayed: 'batch_replayed',
  alreadyIngested: 'batch_already_ingested',
  clock: 'agent_clock_off',
  rateLimited: 'agent_rate_limited',
  unknownJob: 'job_unknown',
  wrongVantage: 'job_not_for_this_agent',
} as const;

/**
 * JSON with object keys sorted at every depth and no whitespace: the bytes that are signed. Numbers
 * and strings are as JSON.stringify writes them, so any language can rebuild them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What a result's signature covers: the agent, the job and slot, its times and its raw evidence. */
export function resultPayload(agentId: string, r: Omit<AgentResult, 'signature'>): Buffer {
  return Buffer.from(
    canonicalJson({ agent: agentId, jobId: r.jobId, channelId: r.channelId, method: r.method, slotAt: r.slotAt, startedAt: r.startedAt, durationMs: r.durationMs, evidence: r.evidence }),
    'utf8',
  );
}

/** What a batch's signature covers: its identity and the signatures of its results, in order. */
export function batchPayload(agentId: string, b: Pick<ResultsRequest, 'batchId' | 'seq' | 'sentAt'> & { results: readonly { signature: string }[] }): Buffer {
  return Buffer.from(canonicalJson({ agent: agentId, batchId: b.batchId, seq: b.seq, sentAt: b.sentAt, results: b.results.map((r) => r.signature) }), 'utf8');
}

export interface AgentKeyPair {
  privateKey: KeyObject;
  /** base64 of the raw 32-byte public key, as sent at enrollment. */
  publicKey: string;
}

export function generateAgentKeys(): AgentKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: rawPublicKey(publicKey) };
}

/** A private key from its PKCS#8 PEM text (the agent's key file). */
export function agentKeysFromPem(pem: string): AgentKeyPair {
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)) };
}

function rawPublicKey(k: KeyObject): string {
  // The SPKI DER of an Ed25519 key is a fixed 12-byte prefix and the 32 raw bytes.
  return k.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The public key from its base64 raw form; null if it is not 32 bytes. */
export function publicKeyFromRaw(raw: string): KeyObject | null {
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== raw) return null;
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, bytes]), format: 'der', type: 'spki' });
}

export const signPayload = (privateKey: KeyObject, payload: Buffer): string => sign(null, payload, privateKey).toString('base64');

export function verifyPayload(publicKey: KeyObject, payload: Buffer, signature: string): boolean {
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return false;
  return verify(null, payload, publicKey, sig);
}
