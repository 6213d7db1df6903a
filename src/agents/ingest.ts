// Ingest of an agent's batch of results (docs/agents.md, "Ingest"). The token, revocation, rate limit
// and enrollment were checked by the agent-auth hook; here, in this order and before anything is
// written: the batch signature, a batch already ingested (409), a replayed sequence number (409),
// every result's signature (one forged result refuses the whole batch), the agent's clock. Only then
// are the accepted results classified by the central's own classifier from their raw evidence and
// handed to the ProbeWriter with their vantage block; the last of them records the batch in the same
// transaction, and each closes its job's slot in its own. Idempotent on (agent, channel, method,
// slot): a result stored before is a duplicate, never a second probe.

import { verify, type KeyObject } from 'node:crypto';
import type { Classification, Evidence, ProbeRecord, ProbeVantage } from '../domain.ts';
import type { AgentStore } from '../store/agents.ts';
import type { AgentJobRow } from '../store/rows.ts';
import type { InTransaction, StoredProbe } from '../store/probe-writer.ts';
import { clockOffsetOf, judgeClock } from './clock.ts';
import type { AgentIdentity } from './identity.ts';
import { batchPayload, publicKeyFromRaw, REFUSALS, resultPayload, verifyPayload, type AgentResult, type ResultsReply, type ResultsRequest } from './protocol.ts';

/** The slots of agent jobs, as ingest needs them (src/store/agent-jobs.ts). */
export interface IngestJobs {
  get(jobId: string, slotAt: number): Pick<AgentJobRow, 'job_id' | 'channel_ref' | 'method' | 'vantage' | 'slot_at'> | undefined;
  complete(jobId: string, slotAt: number, probeId: number, now: number): boolean;
}

/** The central's ProbeWriter, as ingest uses it. */
export interface IngestWriter {
  add(record: ProbeRecord, nextDueAt: number | null, inTransaction?: InTransaction): Promise<StoredProbe>;
  flush(): number;
}

export interface IngestDeps {
  store: AgentStore;
  jobs: IngestJobs;
  writer: IngestWriter;
  /** The central's classifier with its configured rules: an agent sends evidence, never verdicts. */
  classify: (evidence: Evidence) => Classification;
  /** The 2018 protocol's time slot of a probe of this channel at `at` (its center's time zone). */
  slotOf: (channelId: string, at: number) => string | undefined;
  limits: { maxClockOffsetMs: number; refuseClockOffsetMs: number };
  now?: () => number;
}

export type IngestRefusal = { status: 400 | 409 | 422 | 503; code: string; message: string; retryAfterS?: number };
export type IngestAnswer = { status: 200; reply: ResultsReply } | IngestRefusal;

type Verdict = ResultsReply['results'][number];

const refusal = (status: 400 | 409 | 422 | 503, code: string, message: string): IngestRefusal => ({ status, code, message });

/** Ed25519 verification on the thread pool (crypto.verify with a callback); false for a malformed signature. */
function verifyOffLoop(key: KeyObject, payload: Buffer, signature: string): Promise<boolean> {
  const sig = Buffer.from(signature, 'base64');
  if (sig.length !== 64) return Promise.resolve(false);
  return new Promise((resolve) => verify(null, payload, key, sig, (err, ok) => resolve(!err && ok)));
}

const isEvidence = (e: Record<string, unknown>): e is Evidence => typeof e.method === 'string' && typeof e.v === 'number';

export class AgentIngest {
  private readonly d: IngestDeps;
  private readonly now: () => number;
  private readonly keys = new Map<string, KeyObject>();
  /** Batches being written now: a retry racing its first delivery waits rather than doubling it. */
  private readonly inFlight = new Set<string>();

  constructor(deps: IngestDeps) {
    this.d = deps;
    this.now = deps.now ?? Date.now;
  }

  private keyOf(agent: AgentIdentity): KeyObject | null {
    if (!agent.publicKey) return null;
    const cacheKey = `${agent.id}:${agent.publicKey}`;
    let key = this.keys.get(cacheKey);
    if (!key) {
      const k = publicKeyFromRaw(agent.publicKey);
      if (!k) return null;
      key = k;
      this.keys.set(cacheKey, key);
    }
    return key;
  }

  /** Ingests one batch; `receivedAt` is the central time the request arrived. */
  async ingest(agent: AgentIdentity, batch: ResultsRequest, receivedAt: number): Promise<IngestAnswer> {
    const key = this.keyOf(agent);
    if (!key) return refusal(400, REFUSALS.notEnrolled, `Agent "${agent.name}" has no valid public key; enroll first.`);
    if (!verifyPayload(key, batchPayload(agent.id, batch), batch.signature)) {
      return refusal(400, REFUSALS.badSignature, `The batch signature does not verify with the public key agent "${agent.name}" enrolled with; nothing was stored.`);
    }
    const flightKey = `${agent.id}\u0000${batch.batchId}`;
    if (this.inFlight.has(flightKey)) {
      return { ...refusal(503, 'batch_in_progress', `Batch ${batch.batchId} is being stored right now (an earlier delivery of it); retry in a moment.`), retryAfterS: 1 };
    }
    const known = this.d.store.batch(agent.id, batch.batchId);
    if (known) {
      return refusal(409, REFUSALS.alreadyIngested, `Batch ${batch.batchId} (seq ${known.seq}) was ingested at ${new Date(known.received_at).toISOString()}: ${known.stored} stored, ${known.duplicates} duplicates; nothing was stored again.`);
    }
    const lastSeq = this.d.store.byId(agent.id)?.last_batch_seq ?? 0;
    if (batch.seq <= lastSeq) {
      return refusal(409, REFUSALS.replayed, `Batch ${batch.batchId} has seq ${batch.seq}, not above the last ingested seq ${lastSeq}, and an unknown id: a replay; nothing was stored.`);
    }
    // Checked on libuv's thread pool, all at once: a batch's signatures use every core, and the event
    // loop keeps answering meanwhile.
    const valid = await Promise.all(batch.results.map((r) => verifyOffLoop(key, resultPayload(agent.id, r), r.signature)));
    const forged = valid.indexOf(false);
    if (forged >= 0) {
      const r = batch.results[forged] as AgentResult;
      return refusal(400, REFUSALS.badSignature, `results[${forged}] (job ${r.jobId}): its signature does not verify with agent "${agent.name}"'s key; the whole batch was refused and nothing was stored.`);
    }
    // Checked again after the wait: another delivery of this batch, or a later batch, may have been
    // stored meanwhile. From here to inFlight.add nothing awaits.
    if (this.inFlight.has(flightKey)) {
      return { ...refusal(503, 'batch_in_progress', `Batch ${batch.batchId} is being stored right now (an earlier delivery of it); retry in a moment.`), retryAfterS: 1 };
    }
    if (this.d.store.batch(agent.id, batch.batchId)) {
      return refusal(409, REFUSALS.alreadyIngested, `Batch ${batch.batchId} was ingested meanwhile; nothing was stored again.`);
    }
    const seqNow = this.d.store.byId(agent.id)?.last_batch_seq ?? 0;
    if (batch.seq <= seqNow) {
      return refusal(409, REFUSALS.replayed, `Batch ${batch.batchId} has seq ${batch.seq}, not above the last ingested seq ${seqNow}, and an unknown id: a replay; nothing was stored.`);
    }
    const offsetMs = clockOffsetOf(batch.sentAt, receivedAt);
    const clock = judgeClock(offsetMs, this.d.limits);
    if (clock.kind === 'refused') {
      return refusal(
        422,
        REFUSALS.clock,
        `Agent "${agent.name}"'s clock is ${Math.round(offsetMs / 1000)} s ${offsetMs > 0 ? 'ahead of' : 'behind'} the central's, beyond vantage.refuse_clock_offset (${Math.round(this.d.limits.refuseClockOffsetMs / 1000)} s); nothing was stored. Fix its clock (NTP) and it resends.`,
      );
    }

    this.inFlight.add(flightKey);
    try {
      return await this.store(agent, batch, receivedAt, clock.kind === 'corrected' ? offsetMs : null);
    } finally {
      this.inFlight.delete(flightKey);
    }
  }

  private async store(agent: AgentIdentity, batch: ResultsRequest, receivedAt: number, correctBy: number | null): Promise<IngestAnswer> {
    const verdicts: (Verdict | null)[] = [];
    const accepted: { index: number; record: ProbeRecord; jobId: string; slotAt: number }[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    for (const r of batch.results) {
      const check = this.check(agent, r);
      if ('verdict' in check) {
        verdicts.push(check);
        continue;
      }
      const slotKey = `${check.job.channel_ref}\u0000${r.method}\u0000${r.slotAt}`;
      const already = seen.has(slotKey) ? null : this.d.store.storedProbe(agent.id, check.job.channel_ref, r.method, r.slotAt);
      if (seen.has(slotKey) || already !== undefined) {
        duplicates++;
        verdicts.push({ verdict: 'duplicate', ...(already ? { probeId: already } : {}) });
        continue;
      }
      seen.add(slotKey);
      verdicts.push(null);
      accepted.push({ index: verdicts.length - 1, record: this.recordOf(agent, r, check.evidence, receivedAt, correctBy), jobId: r.jobId, slotAt: r.slotAt });
    }
    const batchRow = {
      agent_id: agent.id,
      batch_id: batch.batchId,
      seq: batch.seq,
      received_at: receivedAt,
      results: batch.results.length,
      stored: accepted.length,
      duplicates,
    };
    if (accepted.length === 0) {
      // Nothing to write but the batch itself: its row makes a retry an acknowledged repeat.
      this.d.store.transaction(() => this.d.store.recordBatch(batchRow));
    } else {
      const now = this.now();
      const last = accepted.length - 1;
      const writes = accepted.map((a, i) =>
        this.d.writer.add(a.record, null, (probeId) => {
          // Inside the ProbeWriter's transaction: the slot closes with its probe, and the batch is
          // recorded with its last probe, so a crash leaves either all of it or, when the writer
          // split it over two transactions, a prefix whose retry stores the rest as new and the
          // prefix as duplicates.
          this.d.jobs.complete(a.jobId, a.slotAt, probeId, now);
          if (i === last) this.d.store.recordBatch(batchRow);
        }),
      );
      this.d.writer.flush();
      const settled = await Promise.allSettled(writes);
      settled.forEach((s, i) => {
        const at = (accepted[i] as { index: number }).index;
        if (s.status === 'rejected') verdicts[at] = { verdict: 'refused', reason: `not_stored: ${s.reason instanceof Error ? s.reason.message : String(s.reason)}` };
        else verdicts[at] = s.value.duplicate ? { verdict: 'duplicate', probeId: s.value.probeId } : { verdict: 'stored', probeId: s.value.probeId };
      });
      // The writer skips a result stored meanwhile (a duplicate writes nothing, so its hook did not
      // run): when that was the last one, the batch is recorded here, after its probes.
      if (!this.d.store.batch(agent.id, batch.batchId)) this.d.store.transaction(() => this.d.store.recordBatch(batchRow));
    }
    return { status: 200, reply: { batchId: batch.batchId, results: verdicts as Verdict[], serverTime: this.now() } };
  }

  /** Whether a result (its signature already verified) names a job of this agent's point. */
  private check(agent: AgentIdentity, r: AgentResult): Verdict | { job: NonNullable<ReturnType<IngestJobs['get']>>; evidence: Evidence } {
    const job = this.d.jobs.get(r.jobId, r.slotAt);
    if (!job) return { verdict: 'refused', reason: `${REFUSALS.unknownJob}: no slot ${new Date(r.slotAt).toISOString()} of job ${r.jobId} was opened` };
    if (job.vantage !== agent.vantage || job.job_id !== `${r.channelId}#${r.method}@${agent.vantage}` || job.method !== r.method) {
      return { verdict: 'refused', reason: `${REFUSALS.wrongVantage}: job ${r.jobId} belongs to vantage point ${job.vantage}, not to this agent's ${agent.vantage} (or names another channel or method)` };
    }
    if (!isEvidence(r.evidence) || r.evidence.method !== r.method) {
      return { verdict: 'refused', reason: `evidence_invalid: the evidence must name its method (${r.method}) and schema version v` };
    }
    return { job, evidence: r.evidence };
  }

  private recordOf(agent: AgentIdentity, r: AgentResult, evidence: Evidence, receivedAt: number, correctBy: number | null): ProbeRecord {
    const startedAt = correctBy === null ? r.startedAt : r.startedAt - correctBy;
    const vantage: ProbeVantage = {
      point: agent.vantage,
      agentId: agent.id,
      receivedAt,
      signature: r.signature,
      ...(correctBy !== null ? { clockOffsetMs: correctBy, agentStartedAt: r.startedAt } : {}),
    };
    const c = this.d.classify(evidence);
    const classification: Classification = correctBy === null ? c : { ...c, flags: [...c.flags, 'clock_corrected'] };
    const slot = this.d.slotOf(r.channelId, startedAt);
    return {
      channelId: r.channelId,
      jobId: r.jobId,
      ...(slot ? { slot } : {}),
      dueAt: r.slotAt,
      startedAt,
      durationMs: r.durationMs,
      evidence,
      classification,
      vantage,
    };
  }
}
