// The optional speech-to-text hook: a command the operator installs (Vosk, whisper.cpp, any local
// engine) that is given a WAV file's path and prints what it heard. It is run directly, never through
// a shell (the path is one argument, whatever it holds), with a time limit and a size limit on both
// the audio it is given and the text it prints. A hook that fails is our failure: its error goes into
// the evidence in place of a transcript and says nothing about the center.

import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { SpeechHeard } from './analyse.ts';

export interface SpeechHook {
  /** argv; every "{wav}" is replaced by the clip's path, and the path is appended when none is given. */
  command: readonly string[];
  timeoutMs: number;
  /** Clips larger than this are not sent to the hook. */
  maxInputBytes: number;
}

/** All the environment the hook gets; a wrapper script sets whatever else its engine needs. */
export const HOOK_ENV: Readonly<Record<string, string>> = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8' };

/** At most this much of the hook's output is read; a transcript of a 30 s clip is a few hundred bytes. */
export const MAX_TRANSCRIPT_BYTES = 16_384;

/** Runs the hook on one WAV file; never throws. */
export async function transcribe(wavPath: string, hook: SpeechHook, signal?: AbortSignal): Promise<SpeechHeard> {
  const [program, ...template] = hook.command;
  if (!program) return { error: 'audio.speech_command is empty.' };
  let size: number;
  try {
    size = (await stat(wavPath)).size;
  } catch (err) {
    return { error: `the clip ${wavPath} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}).` };
  }
  if (size > hook.maxInputBytes) return { error: `the clip is ${size} bytes, more than audio.speech_max_bytes (${hook.maxInputBytes}); not transcribed.` };
  const args = template.some((a) => a.includes('{wav}')) ? template.map((a) => a.replaceAll('{wav}', wavPath)) : [...template, wavPath];
  return new Promise<SpeechHeard>((resolve) => {
    let settled = false;
    const done = (r: SpeechHeard) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const child = spawn(program, args, {
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a time-out ends whatever the hook started too.
      detached: true,
      // An environment of its own, never the daemon's, which holds credentials (TWILIO_AUTH_TOKEN...).
      env: HOOK_ENV,
    });
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      kill();
      done({ error: `the speech hook ${program} did not finish within ${hook.timeoutMs} ms (audio.speech_timeout); it was stopped.` });
    }, hook.timeoutMs);
    const onAbort = () => {
      kill();
      done({ error: 'the speech hook was stopped: the probe was cancelled.' });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const out: Buffer[] = [];
    let outBytes = 0;
    let tooLong = false;
    let errTail = '';
    child.stdout.on('data', (b: Buffer) => {
      if (outBytes + b.length > MAX_TRANSCRIPT_BYTES) {
        tooLong = true;
        kill();
        return;
      }
      out.push(b);
      outBytes += b.length;
    });
    child.stderr.on('data', (b: Buffer) => {
      errTail = (errTail + b.toString('utf8')).slice(-500);
    });
    child.on('error', (err: NodeJS.ErrnoException) => done({ error: `the speech hook ${program} could not be started (${err.code ?? err.message}).` }));
    child.on('close', (code, sig) => {
      if (tooLong) return done({ error: `the speech hook ${program} printed more than ${MAX_TRANSCRIPT_BYTES} bytes; it was stopped.` });
      if (code !== 0) {
        const why = sig ? `was killed by ${sig}` : `exited with ${code}`;
        return done({ error: `the speech hook ${program} ${why}${errTail.trim() ? `: ${errTail.trim().split('\n').at(-1)}` : ''}.` });
      }
      done({ transcript: Buffer.concat(out).toString('utf8').replace(/\s+/g, ' ').trim() });
    });
  });
}
