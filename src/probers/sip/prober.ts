// The `sip` probe method: a call through our own SIP trunk, placed by baresip (baresip.ts), for phone
// channels with an E.164 number or a national short code. The attempt is recorded in the call ledger
// before dialling (it counts toward the number's caps and the month's spend whatever happens next);
// the evidence is read from the SIP messages and the user agent's events; the audio received is kept
// as clips (src/audio: A-law under clips/<day>/, hashed into the evidence) and analysed as kept, with
// the operators' labels in force and the optional speech hook. A callee's failure is evidence, never an exception; a trunk that is down
// or refuses our credentials is evidence too, which the classifier makes our own error.

import { rmSync } from 'node:fs';
import path from 'node:path';
import type { AnnouncementLabel, AudioAnalysis } from '../../audio/analyse.ts';
import type { ClipRef } from '../../audio/clips.ts';
import { hearClip } from '../../audio/hear.ts';
import type { SpeechHook } from '../../audio/speech.ts';
import type { CallingRules } from '../../calling/policy.ts';
import type { Channel, ChannelStatus, Classification, Evidence } from '../../domain.ts';
import { SIP_ATTEMPT_PREFIX, isSipAttempt, type CallLedger } from '../phone/call-ledger.ts';
import { CallPacer, responsibleCallingGate } from '../phone/call.ts';
import { MENU_KEYS } from '../phone/menu.ts';
import type { Prober, ProbeContext, RecoveryContext } from '../prober.ts';
import { dial, type DialResult } from './baresip.ts';
import type { SipTrunk } from './config.ts';
import { SIP_EVIDENCE_VERSION, type SipEvidence, type SipResponse } from './evidence.ts';
import { menuPrompt, PROMPT_LANGUAGES, silence } from './prompts.ts';
import { untrustedTrunk } from './tls-check.ts';
import { cseqMethodOf, methodOf, q850Of, statusOf } from './trace.ts';
import { readWav, wavBytes, type Pcm } from './wav.ts';

export interface SipProberOptions {
  trunk: SipTrunk;
  baresip: string;
  listen: string;
  netInterface: string | null;
  /** The data folder: clips are kept under clips/<day>/, prompts under sip/prompts/, each call's user agent works in sip/<attempt>/ (removed after the call). */
  dataDir: string;
  ledger: CallLedger;
  rules: CallingRules;
  callsPerSecond: number;
  maxConcurrentCalls: number;
  ringTimeoutMs: number;
  listenMs: number;
  menuWaitMs: number;
  /** Longest clip kept per part of the call (the smaller of sip.clip_cap and audio.clip_max_seconds). */
  clipCapMs: number;
  /** The operators' announcement labels in force, read at each call (a label made a minute ago counts). */
  labels: () => readonly AnnouncementLabel[];
  /** The speech-to-text hook (audio.speech_command), or null. */
  speech: SpeechHook | null;
  /** Play the confirmation menu to whoever answers (the tests of the callee world may turn it off). */
  menu: boolean;
  tzOf: (channel: Channel) => string;
  /** After an unconfirmed no-answer, unavailable or busy, the number is called again this soon (telephony.follow_up). */
  followUpMs: number;
  now?: () => number;
}

const FOLLOW_UP = new Set(['no_answer', 'unavailable', 'busy']);
/** The trunk failed (down, refused us, 5xx): try again in a while, not at the next weekly slot. */
const RETRY_OUR_ERROR_MS = 10 * 60_000;
const UA = 'baresip 1.0';

/** How long the silent audio source before the answer is: past the ring timeout, or aufile would end the call. */
export const silenceMsFor = (ringTimeoutMs: number): number => ringTimeoutMs + 15_000;

export function createSipProber(opts: SipProberOptions): Prober & { pacer: CallPacer } {
  const now = opts.now ?? Date.now;
  const pacer = new CallPacer(opts.callsPerSecond, now);
  const gate = responsibleCallingGate(opts.ledger, opts.rules, opts.tzOf);
  const promptsDir = path.join(opts.dataDir, 'sip', 'prompts');

  const probe = async (channel: Channel, ctx: ProbeContext): Promise<Evidence> => {
    const number = channel.target;
    if (!number) throw new TypeError(`channel ${channel.id} has no number to dial`);
    const released = await pacer.acquire(ctx.signal);
    const id = SIP_ATTEMPT_PREFIX + opts.ledger.newAttemptId();
    const startedAt = now();
    const base = baseEvidence(opts, id, number, startedAt);
    const dir = path.join(opts.dataDir, 'sip', id);
    try {
      if (!opts.ledger.begin({ id, channelId: channel.id, number, dueAt: ctx.dueAt ?? startedAt, startedAt, estimatedCost: opts.rules.estimatedCallCost })) {
        throw new Error(`channel ${channel.id} is not in the database`);
      }
      let prompt: string | null = null;
      let silent: string;
      try {
        // Padded past the longest wait: aufile ends the call at the end of its file.
        prompt = opts.menu ? await menuPrompt(promptsDir, opts.menuWaitMs + 10_000) : null;
        silent = silence(promptsDir, silenceMsFor(opts.ringTimeoutMs));
      } catch (err) {
        return finishAttempt(opts, { ...base, error: `the menu prompt could not be made: ${message(err)}` });
      }
      if (opts.trunk.transport === 'tls' && opts.trunk.caFile) {
        const why = await untrustedTrunk(opts.trunk.proxy, opts.trunk.caFile, ctx.signal);
        if (why !== null) return finishAttempt(opts, { ...base, tlsRefused: why });
      }
      const r = await dial({
        baresip: opts.baresip,
        workDir: dir,
        account: { user: opts.trunk.user, password: opts.trunk.password, domain: opts.trunk.domain, proxy: opts.trunk.proxy, transport: opts.trunk.transport, caFile: opts.trunk.caFile },
        listen: opts.listen,
        netInterface: opts.netInterface,
        number,
        ringTimeoutMs: opts.ringTimeoutMs,
        listenMs: opts.listenMs,
        menuWaitMs: opts.menu ? opts.menuWaitMs : opts.listenMs,
        promptFile: prompt,
        silenceFile: silent,
        signal: ctx.signal,
        // Calls per second count call starts: the next INVITE may follow this one's, not its end.
        onDialSent: released,
      });
      const evidence = evidenceOf(base, r, prompt !== null);
      const heard = await hearCall(opts, evidence, r, ctx.signal);
      // baresip's recordings are gone with its folder: the kept A-law clip is the one copy (see hearCall).
      removeCallFolder(dir);
      return finishAttempt(opts, heard);
    } finally {
      released();
    }
  };

  const followUp = (c: Classification, status: ChannelStatus): number | null => {
    if (c.outcome === 'error' && c.reason !== 'sip_ua_failed') return RETRY_OUR_ERROR_MS;
    if (FOLLOW_UP.has(c.outcome) && status !== c.outcome) return opts.followUpMs;
    return null;
  };

  /**
   * A call left in flight by a stop or a crash: its user agent died with it (or quits on its own time
   * limit), so what it heard is lost. It may have rung, so it stays counted; it is stored once, as our
   * own error, never as the center's failure.
   */
  const recover = async (ctx: RecoveryContext): Promise<void> => {
    for (const row of opts.ledger.openAttempts().filter((r) => isSipAttempt(r.id))) {
      if (ctx.signal.aborted) return;
      if (row.final_at === null) opts.ledger.interrupted(row.id, { message: 'the daemon stopped during the SIP call' }, now());
      // Its user agent's configuration (with the trunk's password) and partial recordings go: nothing was analysed or hashed from them.
      removeCallFolder(path.join(opts.dataDir, 'sip', row.id));
      const evidence: SipEvidence = { ...baseEvidence(opts, row.id, row.number, row.started_at), error: 'interrupted: the daemon stopped during the call; what it heard is lost' };
      await ctx.store({ channelId: row.channel_id, dueAt: row.due_at, startedAt: row.started_at, durationMs: Math.max(0, now() - row.started_at), evidence: evidence as unknown as Evidence });
    }
  };

  return {
    channelType: 'phone',
    method: 'sip',
    hostKey: () => `sip:${opts.trunk.name}`,
    hostLimits: { [`sip:${opts.trunk.name}`]: opts.maxConcurrentCalls },
    gate,
    probe,
    // Ring, the menu, the user agent's start and stop, the pacer's queue, and the speech hook on each of the two clips.
    deadlineMs: sipDeadlineMs(opts, opts.speech?.timeoutMs ?? 0),
    followUp,
    linkProbe: (evidence, probeId) => {
      if (typeof evidence.attempt === 'string') opts.ledger.markProbe(evidence.attempt, probeId);
    },
    recover,
    pacer,
  };
}

function baseEvidence(opts: SipProberOptions, attempt: string, number: string, startedAt: number): SipEvidence {
  return {
    method: 'sip',
    v: SIP_EVIDENCE_VERSION,
    attempt,
    number,
    requestUri: `sip:${number}@${opts.trunk.domain}`,
    trunk: { name: opts.trunk.name, proxy: opts.trunk.proxy, transport: opts.trunk.transport },
    ua: UA,
    startedAt,
    trunkResponded: false,
    challenges: [],
    provisional: [],
    postDialDelayMs: null,
    ringingAtMs: null,
    earlyMediaAtMs: null,
    final: null,
    answeredAtMs: null,
    hungUpBy: null,
    endedAtMs: null,
    gaveUp: null,
    uaError: null,
    menu: null,
    keys: [],
    clips: { early: null, answered: null },
    audio: { early: null, answered: null },
    audioError: null,
    tlsRefused: null,
    error: null,
  };
}

/** Marks the attempt final in the ledger (with what counts toward caps) and returns the evidence. */
function finishAttempt(opts: SipProberOptions, e: SipEvidence): Evidence {
  opts.ledger.apply(e.attempt, 'sip:final', { code: String(e.final?.code ?? ''), error: e.error ?? e.uaError ?? '' }, e.answeredAtMs !== null ? 'completed' : 'failed', (opts.now ?? Date.now)());
  // Key 9: never call this number again, from now on (the Twilio path does the same from its webhook).
  if (e.keys.some((k) => k.key === MENU_KEYS.optOut)) opts.ledger.optOutDuring(e.attempt, 'key_9', (opts.now ?? Date.now)());
  return e as unknown as Evidence;
}

/** The evidence, from the SIP messages on the wire and the user agent's events. */
export function evidenceOf(base: SipEvidence, r: DialResult, menu: boolean): SipEvidence {
  const e: SipEvidence = { ...base, requestUri: r.requestUri, startedAt: r.t0 };
  if (r.startError) return { ...e, error: r.startError };
  const invite = r.trace.find((m) => methodOf(m) === 'INVITE');
  const ours = invite?.src;
  const responses = r.trace.filter((m) => m.src !== ours && cseqMethodOf(m) === 'INVITE' && statusOf(m) !== null);
  e.trunkResponded = r.trace.some((m) => m.src !== ours);
  let final: SipEvidence['final'] = null;
  for (const m of responses) {
    const s = statusOf(m) as { code: number; reason: string };
    const sdp = /application\/sdp/i.test(m.headers['content-type']?.[0] ?? '') && m.body.length > 0;
    const resp: SipResponse = { code: s.code, reason: s.reason, atMs: m.atMs, sdp };
    if (s.code < 200) {
      if (s.code > 100) e.provisional.push(resp);
      continue;
    }
    // A challenge is answered with a new INVITE; the call goes on.
    const retried = (s.code === 401 || s.code === 407) && r.trace.filter((x) => methodOf(x) === 'INVITE').length > e.challenges.length + 1;
    if (retried) {
      e.challenges.push(s.code);
      continue;
    }
    final ??= { ...resp, q850: q850Of(m.headers.reason), reasonHeader: m.headers.reason?.join(', ') ?? null };
  }
  e.final = final;
  const ev = (type: string) => r.events.find((x) => x.type === type);
  const firstProv = e.provisional[0];
  e.postDialDelayMs = firstProv ? firstProv.atMs : null;
  e.ringingAtMs = e.provisional.find((p) => p.code === 180)?.atMs ?? ev('CALL_RINGING')?.atMs ?? null;
  e.earlyMediaAtMs = e.provisional.find((p) => p.code === 183 && p.sdp)?.atMs ?? ev('CALL_PROGRESS')?.atMs ?? null;
  const established = ev('CALL_ESTABLISHED');
  e.answeredAtMs = final?.code === 200 ? (established?.atMs ?? final.atMs) : null;
  const closed = ev('CALL_CLOSED');
  if (e.answeredAtMs !== null) {
    const theirBye = r.trace.find((m) => m.src !== ours && methodOf(m) === 'BYE');
    e.hungUpBy = theirBye && (!r.weEnded || theirBye.atMs <= r.weEnded.atMs) ? 'them' : r.weEnded ? 'us' : theirBye ? 'them' : null;
    e.menu = menu ? { languages: [...PROMPT_LANGUAGES] } : null;
  } else if (r.weEnded) {
    e.hungUpBy = 'us';
  }
  e.gaveUp = r.weEnded && e.answeredAtMs === null ? (r.weEnded.why === 'deadline' ? 'deadline' : 'ring_timeout') : null;
  e.endedAtMs = closed?.atMs ?? r.weEnded?.atMs ?? final?.atMs ?? null;
  // baresip's own reason, when no SIP final response explains the end (a refused TCP connection...).
  if (!final && closed?.param) e.uaError = closed.param;
  // Keys answer the menu, which is played after the answer: a tone in early media is no one's answer.
  const answeredAt = e.answeredAtMs;
  e.keys = answeredAt === null ? [] : r.events.filter((x) => x.type === 'CALL_DTMF_START' && x.param && x.atMs >= answeredAt).map((x) => ({ key: x.param.slice(0, 1), atMs: x.atMs }));
  return e;
}

/**
 * The received audio, cut into what came before the answer (early media) and after it, each kept and
 * analysed by hearClip: A-law 8 kHz under clips/<day>/<sha256>.wav, the analysis made from the file
 * as kept (so anyone can recompute it), with the labels in force and the speech hook. One copy only:
 * baresip decoded G.711 from the wire, so A-law is the coding the audio arrived in, and a PCM16 copy
 * would double the disk for nothing audible. The hook's failure is in the analysis (`speech.error`),
 * ours; a recording that cannot be kept or read is `audioError`, ours too: the SIP codes still decide.
 */
async function hearCall(opts: Pick<SipProberOptions, 'dataDir' | 'clipCapMs' | 'labels' | 'speech' | 'now'>, e: SipEvidence, r: DialResult, signal: AbortSignal): Promise<SipEvidence> {
  const parts = splitAtAnswer(e, r);
  if (!parts.early && !parts.answered) return e;
  const at = (opts.now ?? Date.now)();
  let labels: readonly AnnouncementLabel[];
  try {
    labels = opts.labels();
  } catch (err) {
    labels = [];
    e.audioError = `the announcement labels could not be read (${message(err)}); the clips were analysed without them`;
  }
  const clips: Record<'early' | 'answered', ClipRef | null> = { early: null, answered: null };
  const audio: Record<'early' | 'answered', AudioAnalysis | null> = { early: null, answered: null };
  for (const which of ['early', 'answered'] as const) {
    const pcm = parts[which];
    if (!pcm) continue;
    try {
      const h = await hearClip(opts.dataDir, wavBytes(pcm), { kind: which === 'early' ? 'early_media' : 'after_answer', maxSeconds: opts.clipCapMs / 1000, labels, speech: opts.speech, at, signal });
      clips[which] = h.clip;
      audio[which] = h.analysis;
    } catch (err) {
      e.audioError = `the ${which} audio could not be kept or analysed: ${message(err)}`;
    }
  }
  return { ...e, clips, audio };
}

/**
 * baresip records from the start of media (a 183 with SDP, or the answer) into one file per stream;
 * the cut is placed by the time of the answer, so it is as exact as the events' timing (tens of ms).
 */
function splitAtAnswer(e: SipEvidence, r: DialResult): { early: Pcm | null; answered: Pcm | null } {
  const pcms = r.recordings.map(readWav).filter((p): p is Pcm => p !== null && p.samples.length > 0);
  if (pcms.length === 0) return { early: null, answered: null };
  const rate = (pcms[0] as Pcm).sampleRate;
  const all = new Int16Array(pcms.reduce((n, p) => n + p.samples.length, 0));
  let off = 0;
  for (const p of pcms) {
    all.set(p.samples, off);
    off += p.samples.length;
  }
  const mediaFrom = e.earlyMediaAtMs ?? e.answeredAtMs ?? 0;
  const cut = e.answeredAtMs === null ? all.length : Math.max(0, Math.min(all.length, Math.round(((e.answeredAtMs - mediaFrom) / 1000) * rate)));
  const part = (samples: Int16Array): Pcm | null => (samples.length > 0 ? { samples, sampleRate: rate } : null);
  return {
    early: e.earlyMediaAtMs !== null ? part(all.subarray(0, cut)) : null,
    answered: e.answeredAtMs !== null ? part(all.subarray(cut)) : null,
  };
}

/** The call's folder goes: the user agent's configuration holds the trunk's password, its recordings are kept as clips. */
function removeCallFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The longest one SIP probe may take (also an agent's lease): ring, the menu, the user agent's start
 * and stop, the pacer's queue, and the speech hook (when there is one) on each of the two clips.
 */
export function sipDeadlineMs(t: { ringTimeoutMs: number; listenMs: number; menuWaitMs: number }, speechTimeoutMs = 0): number {
  return t.ringTimeoutMs + Math.max(t.listenMs, t.menuWaitMs) + 60_000 + 2 * speechTimeoutMs;
}
