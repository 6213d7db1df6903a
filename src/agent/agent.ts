// `reachwatch agent run`: a regional agent. It enrolls once, then three loops share one outbox:
// - the lease loop asks the central for due jobs of its vantage point (the request is its heartbeat)
//   and records each lease before anything else, so a slot is never probed twice by this agent;
// - probe workers run the same probers as the central (probeOnce, canaries included) and write each
//   signed result in the transaction that marks its lease done;
// - the pusher sends the outbox in persisted batches until the central acknowledges them.
// The central classifies; the agent only keeps and carries raw evidence (docs/agents.md).

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { VANTAGE_DEFAULTS } from '../agents/config.ts';
import { AGENT_PROTOCOL_VERSION, batchPayload, REFUSALS, resultPayload, signPayload, type AgentCapability, type AgentResult, type AgentKeyPair, type EnrollRequest, type LeasedJob, type ResultsRequest } from '../agents/protocol.ts';
import type { Config } from '../config/config.ts';
import type { Channel } from '../domain.ts';
import { AgentOutbox, type StoredBatch } from '../store/agent-outbox.ts';
import { CentralClient, CentralError } from './client.ts';
import { CentralClock, type ClockSample } from './clock.ts';
import { loadOrCreateKey, readEnrollment, saveEnrollment, type Enrollment } from './identity.ts';
import { agentProbingFor, type AgentProbing } from './probing.ts';
import { AGENT_VERSION } from './version.ts';

/** The longest the agent waits between tries when the central does not answer. */
const MAX_BACKOFF_MS = 60_000;
/** After a 401/403 the agent stops working and only looks again this rarely (an admin must act). */
const HALTED_RETRY_MS = 5 * 60_000;
/** After a batch that was not full, results gather this long (at most) before the next push. */
const PUSH_LINGER_MS = 250;
/** The at-most-once memory of a lease is kept this long after it ended. */
const LEASE_MEMORY_MS = 2 * 86_400_000;

export class AgentSetupError extends Error {
  override name = 'AgentSetupError';
}

export interface AgentStatus {
  enrollment: Enrollment | null;
  clockOffsetMs: number;
  inFlight: number;
  queued: number;
  outboxDepth: number;
  halted: string | null;
}

/** Delay before try number `attempt` (1-based): doubling from 1 s, capped, with full jitter. */
export function backoffMs(attempt: number, retryAfterMs: number | null, random = Math.random): number {
  const cap = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(attempt - 1, 16));
  const jittered = Math.round(cap / 2 + random() * (cap / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** A leased job as a Channel for the probers. */
export function channelOfJob(job: LeasedJob): Channel {
  const c = job.channel;
  return { id: c.id, centerId: c.centerId, type: c.type === 'phone' ? 'phone' : 'website', value: c.value, target: c.target, unprobeableReason: null, options: c.options, line: 0 };
}

/** A waitable pause that stop() and wake() cut short; any number of waiters. */
class Pause {
  private readonly waiters = new Set<() => void>();
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
  wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

export class RegionalAgent {
  readonly outbox: AgentOutbox;
  readonly clock = new CentralClock();
  private readonly client: CentralClient;
  private readonly keys: AgentKeyPair;
  private enrollment: Enrollment | null;
  private probing: AgentProbing | null = null;
  private running = false;
  private halted: string | null = null;
  private clockWarned = false;
  private readonly queue: LeasedJob[] = [];
  private readonly inFlight = new Map<string, AbortController>();
  private readonly leasePause = new Pause();
  private readonly pushPause = new Pause();
  private readonly workerWake = new Pause();
  /** Woken when a probe ends: the lease loop may ask for more. */
  private readonly capacity = new Pause();
  private loops: Promise<void>[] = [];
  private readonly cfg: Config['agent'];

  private readonly config: Config;
  private readonly log: Logger;

  constructor(config: Config, log: Logger) {
    this.config = config;
    this.log = log;
    this.cfg = config.agent;
    if (!this.cfg.centralUrl) throw new AgentSetupError('agent.central_url is not set: name the central daemon in the configuration file (e.g. agent: {central_url: https://reachwatch.example.org}).');
    if (!this.cfg.token) throw new AgentSetupError('REACHWATCH_AGENT_TOKEN is not set: an admin creates the token with `reachwatch agents create --name <name> --vantage <point>` on the central; give it to this agent in the environment.');
    if (this.cfg.insecure) log.warn({ central: this.cfg.centralUrl }, 'agent.central_url is plain http: the token and results travel unencrypted; acceptable only on this machine (loopback)');
    const { keys, created, file } = loadOrCreateKey(this.cfg.dataDir);
    if (created) log.info({ file }, 'made a new agent key (Ed25519, mode 0600)');
    this.keys = keys;
    this.outbox = new AgentOutbox(this.cfg.dataDir);
    this.enrollment = readEnrollment(this.outbox);
    this.client = new CentralClient({ baseUrl: this.cfg.centralUrl, token: this.cfg.token, caFile: this.cfg.caFile, timeoutMs: this.cfg.requestTimeoutMs });
  }

  /** Capabilities this agent has: websites always; Twilio Lookups when it has credentials. */
  capabilities(): AgentCapability[] {
    return this.config.twilio.settings ? ['website', 'twilio'] : ['website'];
  }

  /** Enrolls with the central unless this key is already enrolled there (idempotent). */
  async enroll(): Promise<Enrollment> {
    const central = this.cfg.centralUrl as string;
    if (this.enrollment && this.enrollment.centralUrl === central && this.enrollment.publicKey === this.keys.publicKey) return this.enrollment;
    const reply = await this.client.enroll({ publicKey: this.keys.publicKey, capabilities: this.capabilities() as EnrollRequest['capabilities'], version: AGENT_VERSION, hostname: hostname(), agentTime: Date.now() });
    this.noteClock(reply.clock);
    const a = reply.body.agent;
    const e: Enrollment = { agentId: a.id, name: a.name, vantage: a.vantage, centralUrl: central, publicKey: this.keys.publicKey, enrolledAt: Date.now() };
    saveEnrollment(this.outbox, e);
    this.enrollment = e;
    this.log.info({ agent: a.id, name: a.name, vantage: a.vantage, protocol: reply.body.protocol }, 'enrolled with the central');
    return e;
  }

  status(): AgentStatus {
    return { enrollment: this.enrollment, clockOffsetMs: this.clock.offsetMs, inFlight: this.inFlight.size, queued: this.queue.length, outboxDepth: this.outbox.depth().depth, halted: this.halted };
  }

  /** Enrolls if needed (retrying while the central cannot be reached), then runs until stop(). */
  async start(): Promise<void> {
    this.running = true;
    for (let attempt = 1; this.running; attempt++) {
      try {
        await this.enroll();
        break;
      } catch (err) {
        if (err instanceof CentralError && err.transient) {
          const wait = backoffMs(attempt, err.retryAfterMs);
          this.log.warn({ err: err.message, retryInMs: wait }, 'cannot enroll yet; trying again');
          await this.leasePause.wait(wait);
          continue;
        }
        throw err;
      }
    }
    if (!this.running) return;
    this.probing = await agentProbingFor(this.config);
    this.outbox.pruneLeases(this.clock.centralNow() - LEASE_MEMORY_MS);
    // Leases a previous run recorded but did not start: probed now if their lease still allows it.
    for (const l of this.outbox.pendingLeases()) this.queue.push(JSON.parse(l.job) as LeasedJob);
    const counts = this.outbox.leaseCounts();
    this.log.info({ agent: this.enrollment?.agentId, vantage: this.enrollment?.vantage, outbox: this.outbox.depth().depth, pendingLeases: this.queue.length, abandonedByCrash: counts.probing }, 'agent running');
    this.loops = [this.leaseLoop(), this.pushLoop(), ...Array.from({ length: this.cfg.concurrency }, () => this.worker())];
  }

  /**
   * Stops leasing, lets probes in flight finish within agent.stop_grace, abandons the rest (their
   * leases expire at the central, which gives the job to another agent), makes a last push, and closes
   * the outbox. Every outbox write is one transaction, so whatever moment this runs, the file is whole.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.leasePause.wake();
    this.capacity.wake();
    this.workerWake.wake();
    // Queued leases stay 'leased' in the outbox: the next start probes them if their lease allows.
    this.queue.length = 0;
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.cfg.stopGraceMs).unref());
    const probesDone = Promise.all(this.loops.slice(2));
    await Promise.race([probesDone, grace]);
    for (const ac of this.inFlight.values()) ac.abort(new Error('agent stopping'));
    await probesDone;
    this.pushPause.wake();
    await Promise.all(this.loops.slice(0, 2));
    await this.client.close();
    this.outbox.close();
  }

  /** Releases the connection and the outbox of an agent that was never started (`agent enroll`). */
  async close(): Promise<void> {
    if (this.running) return this.stop();
    await this.client.close();
    if (this.outbox.db.open) this.outbox.close();
  }

  private noteClock(sample: ClockSample): void {
    const best = this.clock.add(sample);
    const far = Math.abs(best.offsetMs) > VANTAGE_DEFAULTS.maxClockOffsetMs;
    if (far && !this.clockWarned) this.log.warn({ offsetMs: best.offsetMs, rttMs: best.rttMs }, "this machine's clock differs from the central's by more than 5 s: fix its time (NTP); the central corrects or refuses the results' times");
    if (!far && this.clockWarned) this.log.info({ offsetMs: best.offsetMs }, "this machine's clock agrees with the central's again");
    this.clockWarned = far;
  }

  private halt(err: CentralError, what: string): void {
    if (this.halted === null || this.halted !== err.message) {
      this.log.error({ status: err.status, code: err.code, err: err.message }, `the central refuses this agent (${what}): leasing and pushing stop; results stay in the outbox. An admin must check the agent (reachwatch agents list) and its token`);
    }
    this.halted = err.message;
  }

  /** The outbox's depth and its oldest result's time on this agent's clock (the central corrects it by the offset it sees). */
  private oldestQueuedAt(): { queueDepth: number; oldestQueuedAt: number | null } {
    const d = this.outbox.depth();
    return { queueDepth: d.depth, oldestQueuedAt: d.oldestStartedAt };
  }

  /**
   * Leases keep the workers fed: up to two rounds of work are held (in flight and queued), and a
   * lease is asked for when at least half a round is free, so a busy agent neither idles between
   * polls nor sends a request per finished probe. While every slot is taken by hung probes, a
   * heartbeat still says it is alive.
   */
  private async leaseLoop(): Promise<void> {
    let failures = 0;
    let lastContact = 0;
    const hold = 2 * this.cfg.concurrency;
    const enough = Math.max(1, Math.floor(this.cfg.concurrency / 2));
    while (this.running) {
      let waitMs = this.cfg.pollIntervalMs;
      try {
        const free = hold - this.inFlight.size - this.queue.length;
        if (free < enough && this.queue.length > 0) {
          // Busy: wait for workers to free up (they wake this), telling the central we are alive now and then.
          if (Date.now() - lastContact >= this.cfg.pollIntervalMs) {
            const r = await this.client.heartbeat({ ...this.oldestQueuedAt(), agentTime: Date.now() });
            this.noteClock(r.clock);
            lastContact = Date.now();
          }
          await this.capacity.wait(this.cfg.pollIntervalMs);
          continue;
        }
        if (free <= 0) {
          // Every slot is held by a probe in flight (hung sites until their deadline): heartbeat, then wait.
          const r = await this.client.heartbeat({ ...this.oldestQueuedAt(), agentTime: Date.now() });
          this.noteClock(r.clock);
          lastContact = Date.now();
          await this.capacity.wait(this.cfg.pollIntervalMs);
          continue;
        }
        const max = Math.min(this.cfg.leaseBatch, free);
        const r = await this.client.lease({ max, ...this.oldestQueuedAt(), agentTime: Date.now(), version: AGENT_VERSION });
        lastContact = Date.now();
        this.noteClock(r.clock);
        const fresh = this.outbox.recordLeases(
          r.body.jobs.map((j) => ({ jobId: j.jobId, slotAt: j.slotAt, leaseUntil: j.leaseUntil, job: JSON.stringify(j) })),
          Date.now(),
        );
        const freshKeys = new Set(fresh.map((f) => `${f.jobId}\u0000${f.slotAt}`));
        for (const j of r.body.jobs) if (freshKeys.has(`${j.jobId}\u0000${j.slotAt}`)) this.queue.push(j);
        if (fresh.length > 0) this.workerWake.wake();
        if (r.body.jobs.length >= max) waitMs = 0;
        else if (r.body.retryAfterMs > 0) waitMs = Math.min(waitMs, r.body.retryAfterMs);
        failures = 0;
        this.halted = null;
      } catch (err) {
        if (!(err instanceof CentralError)) throw err;
        if (err.unauthorized) {
          this.halt(err, 'lease');
          waitMs = HALTED_RETRY_MS;
        } else {
          failures++;
          waitMs = backoffMs(failures, err.retryAfterMs);
          this.log.warn({ err: err.message, retryInMs: waitMs }, 'cannot lease from the central');
        }
      }
      if (waitMs > 0 && this.running) await this.leasePause.wait(waitMs);
    }
  }

  private async worker(): Promise<void> {
    while (this.running) {
      const job = this.queue.shift();
      if (!job) {
        await this.workerWake.wait(this.cfg.pollIntervalMs);
        continue;
      }
      await this.probeJob(job);
    }
  }

  private async probeJob(job: LeasedJob): Promise<void> {
    const probing = this.probing as AgentProbing;
    // A probe that cannot end before its lease would race another agent for the same slot.
    const endsBy = this.clock.centralNow() + job.deadlineMs;
    if (endsBy > job.leaseUntil) {
      this.outbox.skip(job.jobId, job.slotAt, `would end ${endsBy - job.leaseUntil} ms after the lease`);
      this.log.info({ job: job.jobId, slotAt: job.slotAt }, 'lease too short to finish the probe: left to expire');
      return;
    }
    if (!this.outbox.startProbe(job.jobId, job.slotAt)) return;
    const ac = new AbortController();
    const key = `${job.jobId}@${job.slotAt}`;
    this.inFlight.set(key, ac);
    const deadline = setTimeout(() => ac.abort(new Error(`deadline of ${job.deadlineMs} ms`)), job.deadlineMs);
    try {
      const attempt = await probing.probe(channelOfJob(job), job.method, { signal: ac.signal, dueAt: job.slotAt });
      if (!this.running && ac.signal.aborted) {
        // Cut short by our own stop: not evidence about the center. The lease expires; another agent (or we, later, no) takes it.
        this.outbox.skip(job.jobId, job.slotAt, 'abandoned: the agent stopped');
        return;
      }
      const unsigned: Omit<AgentResult, 'signature'> = {
        jobId: job.jobId,
        channelId: job.channel.id,
        method: job.method,
        slotAt: job.slotAt,
        startedAt: attempt.startedAt,
        durationMs: attempt.durationMs,
        evidence: attempt.evidence,
      };
      const agentId = (this.enrollment as Enrollment).agentId;
      const result: AgentResult = { ...unsigned, signature: signPayload(this.keys.privateKey, resultPayload(agentId, unsigned)) };
      this.outbox.addResult(job.jobId, job.slotAt, attempt.startedAt, JSON.stringify(result));
      this.pushPause.wake();
    } finally {
      clearTimeout(deadline);
      this.inFlight.delete(key);
      this.capacity.wake();
    }
  }

  private async pushLoop(): Promise<void> {
    let failures = 0;
    let stuck = false;
    // Runs on after stop() while pushes succeed, so a clean stop leaves little behind; one failure after stop ends it.
    // A backoff holds even when new results wake the pusher: Retry-After and the jitter are kept.
    let retryAt = 0;
    while (this.running || !stuck) {
      let batch: StoredBatch | null = null;
      let waitMs = this.cfg.pollIntervalMs;
      const hold = retryAt - Date.now();
      if (hold > 0 && this.running) {
        await this.pushPause.wait(hold);
        continue;
      }
      try {
        batch = this.outbox.nextBatch(this.cfg.pushBatch, () => `b_${randomBytes(12).toString('hex')}`, Date.now());
        if (!batch) {
          if (!this.running) return;
          await this.pushPause.wait(waitMs);
          continue;
        }
        this.outbox.attempted(batch.batchId);
        await this.send(batch);
        this.outbox.acknowledge(batch.batchId);
        failures = 0;
        stuck = false;
        this.halted = null;
        // A batch that was not full: let results gather a moment rather than send one request per result.
        if (batch.results.length < this.cfg.pushBatch) retryAt = Date.now() + Math.min(this.cfg.pollIntervalMs, PUSH_LINGER_MS);
        continue;
      } catch (err) {
        if (!(err instanceof CentralError)) throw err;
        if (err.status === 409 && err.code === REFUSALS.alreadyIngested && batch) {
          // Stored by an earlier try whose answer was lost.
          this.outbox.acknowledge(batch.batchId);
          failures = 0;
          stuck = false;
          continue;
        }
        stuck = true;
        if (!this.running) return;
        if (err.unauthorized || (err.status >= 400 && err.status < 500 && !err.transient && err.code !== REFUSALS.clock)) {
          this.halt(err, 'results');
          waitMs = HALTED_RETRY_MS;
        } else {
          failures++;
          waitMs = backoffMs(failures, err.retryAfterMs);
          this.log.warn({ err: err.message, batch: batch?.batchId, retryInMs: waitMs }, 'cannot push results yet; the batch is kept and sent again');
        }
      }
      retryAt = Date.now() + waitMs;
    }
  }

  /** Sends a persisted batch. Its id, seq and results are as stored; sentAt (and so the batch signature) is of this try, for the central's clock check. */
  private async send(batch: StoredBatch): Promise<void> {
    const agentId = (this.enrollment as Enrollment).agentId;
    const results = batch.results.map((r) => JSON.parse(r) as AgentResult);
    const envelope = { batchId: batch.batchId, seq: batch.seq, sentAt: Date.now(), results };
    const body: ResultsRequest = { ...envelope, signature: signPayload(this.keys.privateKey, batchPayload(agentId, envelope)) };
    const reply = await this.client.results(body);
    this.noteClock(reply.clock);
    reply.body.results.forEach((v, i) => {
      if (v.verdict === 'refused') this.log.warn({ job: results[i]?.jobId, slotAt: results[i]?.slotAt, reason: v.reason }, 'the central refused a result (final; not sent again)');
    });
  }
}

export { AGENT_PROTOCOL_VERSION };
