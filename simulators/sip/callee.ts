// The callee world of the sip prober: SIPp (Debian package sip-tester) playing a trunk and the number
// behind it, one scenario per behaviour (scenarios/*.xml): a failure code with its Q.850 cause, ringing
// until cancelled, early media then a failure, an answer with an announcement, a person who presses a
// key, silence, a digest challenge. On 127.0.0.1, on free ports. The audio it plays is generated here
// (sox tones, espeak-ng voices) as 8 kHz A-law WAV, the format SIPp's rtp_stream sends.
//
//   const audio = await calleeAudio(dir);
//   const callee = await startCallee({ scenario: 'early-media-fail', values: { code: '480', reason: 'Temporarily Unavailable', cause: '20', text: 'Subscriber absent' },
//                                      audio: { 'early.wav': [audio.sit, audio.switchedOffRu] } });
//   ... dial callee.proxy ...
//   await callee.stop();
//
// TLS: this Debian's SIPp is built without OpenSSL (`sipp -t l1` says "To use a TLS transport you must
// compile SIPp with OpenSSL"), so `tls: {key, cert}` runs SIPp over TCP (-t t1) behind a TLS front of
// our own (node:tls, one TCP connection to SIPp per TLS connection): the caller sees a SIP-over-TLS
// trunk with that certificate; SIPp answers on the connection each request came in on.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCENARIOS = path.join(import.meta.dirname, 'scenarios');

export type CalleeScenario = 'reject' | 'ring-forever' | 'early-media-fail' | 'answer-announce-bye' | 'answer-greeting-key' | 'answer-silence' | 'digest-auth';

export interface CalleeOptions {
  scenario: CalleeScenario;
  /** Values of the scenario's {{name}} placeholders (each scenario's comment names them). */
  values?: Record<string, string>;
  /** Files of the scenario's working folder, each the concatenation of these WAVs (early.wav, announcement.wav, greeting.wav). */
  audio?: Record<string, string[]>;
  /** Stop after this many calls (SIPp -m); default: keep answering. */
  calls?: number;
  /** Most calls SIPp handles at once (-l); default its own. */
  limit?: number;
  /** Serve SIP over TLS with this certificate (SIPp over TCP behind a TLS front, see above). */
  tls?: { key: string; cert: string };
}

export interface Callee {
  host: string;
  port: number;
  /** host:port, for sip.proxy. */
  proxy: string;
  stop(): Promise<void>;
}

/** A UDP port free now (bound by the OS, then released). */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function udpPortTaken(port: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(true));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

export async function startCallee(o: CalleeOptions): Promise<Callee> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'reachwatch-callee-'));
  for (const [name, parts] of Object.entries(o.audio ?? {})) {
    await run('sox', [...parts, '-r', '8000', '-c', '1', '-e', 'a-law', path.join(cwd, name)]);
  }
  // SIPp reads a response's code when it loads the scenario, so values are put in before it starts.
  const scenario = readFileSync(path.join(SCENARIOS, `${o.scenario}.xml`), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const v = o.values?.[name];
    if (v === undefined) throw new Error(`the ${o.scenario} scenario needs a value for {{${name}}}`);
    return v;
  });
  writeFileSync(path.join(cwd, 'scenario.xml'), scenario);
  const args = ['-sf', path.join(cwd, 'scenario.xml'), '-i', '127.0.0.1', '-mi', '127.0.0.1', '-nostdin', '-trace_err'];
  if (o.calls) args.push('-m', String(o.calls));
  if (o.limit) args.push('-l', String(o.limit));
  if (o.tls) args.push('-t', 't1');
  for (let attempt = 0; ; attempt++) {
    const port = o.tls ? await freeTcpPort() : await freeUdpPort();
    const mediaPort = await freeUdpPort();
    const proc = spawn('sipp', [...args, '-p', String(port), '-mp', String(mediaPort)], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const up = o.tls ? await waitUntilListening(proc, port) : await waitUntilBound(proc, port);
    if (up) {
      const front = o.tls ? await tlsFront(o.tls, port) : null;
      const shown = front ? (front.address() as net.AddressInfo).port : port;
      return {
        host: '127.0.0.1',
        port: shown,
        proxy: `127.0.0.1:${shown}`,
        stop: async () => {
          if (front) await new Promise<void>((resolve) => front.close(() => resolve()));
          await stopProcess(proc);
          rmSync(cwd, { recursive: true, force: true });
        },
      };
    }
    await stopProcess(proc);
    if (attempt >= 3) {
      rmSync(cwd, { recursive: true, force: true });
      throw new Error(`SIPp did not start (${o.scenario}): ${stderr.trim().slice(0, 500)}`);
    }
  }
}

/** A TCP port free now. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitUntilListening(proc: ChildProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** A TLS server on a free port of 127.0.0.1 that pipes each connection to SIPp's TCP port. */
async function tlsFront(pair: { key: string; cert: string }, sippPort: number): Promise<tls.Server> {
  const server = tls.createServer({ key: pair.key, cert: pair.cert }, (client) => {
    const upstream = net.connect(sippPort, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.once('error', end).once('close', end);
    upstream.once('error', end).once('close', end);
  });
  // A caller that rejects our certificate ends its handshake: not the front's failure.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function waitUntilBound(proc: ChildProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) return false;
    if (await udpPortTaken(port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(t);
}

export interface CalleeAudio {
  /** The special information tones: 913.8, 1370.6, 1776.7 Hz, 274/274/380 ms. */
  sit: string;
  /** «Аппарат абонента выключен или находится вне зоны действия сети», espeak-ng Russian. */
  switchedOffRu: string;
  /** «Нөмір дұрыс терілмеді» (the number is dialled wrong), espeak-ng Kazakh. */
  wrongNumberKk: string;
  /** A person: «Здравствуйте, центр помощи слушает». */
  greeting: string;
}

/** Generates the callee world's audio into `dir` (16-bit WAV at 8 kHz; startCallee converts to A-law). */
export async function calleeAudio(dir: string): Promise<CalleeAudio> {
  const out: CalleeAudio = {
    sit: path.join(dir, 'sit.wav'),
    switchedOffRu: path.join(dir, 'switched-off-ru.wav'),
    wrongNumberKk: path.join(dir, 'wrong-number-kk.wav'),
    greeting: path.join(dir, 'greeting.wav'),
  };
  const pcm = ['-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer'];
  await run('sox', ['-n', ...pcm, out.sit, 'synth', '0.274', 'sine', '913.8', ':', 'synth', '0.274', 'sine', '1370.6', ':', 'synth', '0.380', 'sine', '1776.7', 'vol', '0.5']);
  const speak = async (voice: string, text: string, file: string) => {
    const raw = `${file}.espeak.wav`;
    await run('espeak-ng', ['-v', voice, '-w', raw, text]);
    await run('sox', [raw, ...pcm, file]);
    rmSync(raw, { force: true });
  };
  await speak('ru', 'Аппарат абонента выключен или находится вне зоны действия сети', out.switchedOffRu);
  await speak('kk', 'Нөмір дұрыс терілмеді', out.wrongNumberKk);
  await speak('ru', 'Здравствуйте, центр помощи слушает', out.greeting);
  return out;
}
