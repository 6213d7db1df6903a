// The status-callback load generator, run as its own process (bench/lib/callback-load.ts starts it).
// A closed loop of `concurrency` requests over keep-alive connections, each a form-encoded status
// callback as Twilio sends it, signed over the public URL (simulators/twilio's signedCallbackRequest,
// i.e. twilio.getExpectedTwilioSignature). Every valid one is a new (attempt, SequenceNumber), so the
// daemon applies and stores each; every `forgedEvery`-th is signed with another token.

import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { signedCallbackRequest } from '../../simulators/twilio/fake-twilio.ts';
import { FORGED_SEQ_BASE, type LoadCounts, type LoadMessage, type LoadReport, type LoadSpec } from './callback-load.ts';
import { lagSummary } from './stats.ts';

// A call's progress events in order; past the last, further callbacks repeat it with new sequence
// numbers (a real call has ~4; here each attempt gets many, but each is still stored once).
const PROGRESS = ['initiated', 'ringing', 'in-progress', 'completed'] as const;

const counts = (): LoadCounts => ({ valid: 0, forged: 0, validByStatus: {}, forgedByStatus: {} });
const bump = (c: LoadCounts, forged: boolean, status: string): void => {
  const by = forged ? c.forgedByStatus : c.validByStatus;
  by[status] = (by[status] ?? 0) + 1;
  if (forged) c.forged++;
  else c.valid++;
};

function run(spec: LoadSpec): { measure: () => void; stop: () => Promise<LoadReport> } {
  const pool = new Pool(spec.origin, { connections: spec.concurrency, pipelining: 1 });
  const total = counts();
  const window = counts();
  const latencies: number[] = [];
  let measuring = false;
  let stopping = false;
  let lastError: string | null = null;
  let next = 0;
  let forgedSent = 0;

  /** The standard fields of a status callback for one call (Twilio sends ~30; these are most of them). */
  const fields = (i: number, seq: number, status: string): Record<string, string> => {
    const a = spec.attempts[i % spec.attempts.length] as LoadSpec['attempts'][number];
    const p: Record<string, string> = {
      AccountSid: spec.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: a.callSid,
      CallStatus: status,
      CallbackSource: 'call-progress-events',
      Called: a.to,
      CalledCountry: 'KZ',
      Caller: spec.from,
      CallerCountry: 'US',
      Direction: 'outbound-api',
      From: spec.from,
      FromCountry: 'US',
      SequenceNumber: String(seq),
      Timestamp: new Date().toUTCString(),
      To: a.to,
      ToCountry: 'KZ',
    };
    if (status === 'completed') Object.assign(p, { CallDuration: '14', Duration: '1', SipResponseCode: '200' });
    return p;
  };

  const one = async (): Promise<void> => {
    const n = next++;
    const forged = spec.forgedEvery > 0 && n % spec.forgedEvery === spec.forgedEvery - 1;
    let i: number;
    let params: Record<string, string>;
    if (forged) {
      i = n;
      params = fields(i, FORGED_SEQ_BASE + forgedSent++, 'completed');
    } else {
      const k = n - forgedSent; // valid callbacks numbered without gaps: attempt k mod A, sequence k div A
      i = k % spec.attempts.length;
      const seq = Math.floor(k / spec.attempts.length);
      params = fields(i, seq, PROGRESS[Math.min(seq, PROGRESS.length - 1)] as string);
    }
    const path = `/twilio/status/${(spec.attempts[i % spec.attempts.length] as LoadSpec['attempts'][number]).id}`;
    const { headers, body } = signedCallbackRequest(forged ? `${spec.authToken}-forged` : spec.authToken, spec.publicUrl + path, params);
    const t = performance.now();
    let status: string;
    try {
      const res = await pool.request({ method: 'POST', path, headers: { ...headers, 'user-agent': 'TwilioProxy/1.1' }, body });
      await res.body.dump();
      status = String(res.statusCode);
    } catch (err) {
      status = 'error';
      lastError = err instanceof Error ? err.message : String(err);
    }
    bump(total, forged, status);
    // The window counts what completes inside it, as a server-side rate would.
    if (measuring) {
      bump(window, forged, status);
      if (!forged) latencies.push(performance.now() - t);
    }
  };

  const worker = async (): Promise<void> => {
    while (!stopping) await one();
  };
  const workers = Array.from({ length: spec.concurrency }, worker);
  return {
    measure: () => void (measuring = true),
    stop: async () => {
      measuring = false;
      stopping = true;
      await Promise.all(workers);
      await pool.close();
      return { total, window: { ...window, latencyMs: lagSummary(latencies) }, lastError };
    },
  };
}

let load: ReturnType<typeof run> | null = null;
process.on('message', (m: LoadMessage) => {
  if (m.type === 'start') load = run(m.spec);
  else if (m.type === 'measure') load?.measure();
  else if (m.type === 'stop') {
    void load?.stop().then((report) => process.send?.({ type: 'done', report }));
  }
});
// The parent going away (crash, Ctrl-C) must not leave a generator hammering a dead port.
process.on('disconnect', () => process.exit(0));
