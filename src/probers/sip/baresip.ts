// One SIP call through baresip (the Debian package baresip-core), driven over its control interface
// (ctrl_tcp: netstring JSON commands and events). One baresip process per call: its configuration
// folder is written for the call (account, codecs, where to record), its SIP trace on stdout is that
// call's and no other's, and a crash or a stuck call ends with its process. The process is started
// with a hard time limit (-t), so one left behind by a daemon killed mid-call still quits on its own.
//
// Received audio is recorded by baresip's sndfile filter (decoded, 16-bit WAV) from the moment media
// starts: at a 183 with SDP (early media) or at the answer. The menu prompt is played by switching the
// audio source (aufile) when the call is answered; until then the source is a silent file, because
// aufile ends the call at the end of its file.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { parseTrace, type SipMessage, type TraceChunk } from './trace.ts';

export interface TrunkAccount {
  user: string;
  password: string | null;
  /** The domain of our address (From) and of the request URI: the trunk's. */
  domain: string;
  /** host:port of the outbound proxy (the trunk's registrar or proxy). */
  proxy: string;
  transport: 'udp' | 'tcp' | 'tls';
  /** With tls: the CA file the trunk's certificate is verified against (sip_cafile). */
  caFile?: string | null;
}

export interface DialOptions {
  baresip: string;
  /** A folder of the call's own: configuration, recordings. Created if missing. */
  workDir: string;
  account: TrunkAccount;
  /** baresip's sip_listen: where our SIP socket is bound. */
  listen: string;
  /** baresip's net_interface (the address put in our SDP), or null for its default. */
  netInterface: string | null;
  /** What is dialled: E.164 or a short code, as the user part of the request URI. */
  number: string;
  ringTimeoutMs: number;
  /** After the answer: how long to keep listening (and recording) at least. */
  listenMs: number;
  /** After the answer: how long to wait for a key once the prompt starts (the prompt's length included). */
  menuWaitMs: number;
  /** The menu prompt (8 kHz 16-bit WAV, padded with silence past menuWaitMs), or null for none. */
  promptFile: string | null;
  /** A silent 8 kHz 16-bit WAV longer than the ring timeout: the audio source before the answer. */
  silenceFile: string;
  signal: AbortSignal;
  /** Called once the dial command is sent: the next call may be paced from then. */
  onDialSent?: () => void;
}

export interface UaEvent {
  type: string;
  param: string;
  atMs: number;
}

export interface DialResult {
  /** Epoch ms when the dial command was sent. */
  t0: number;
  requestUri: string;
  events: UaEvent[];
  trace: SipMessage[];
  /** The decoded-audio recordings, in order. */
  recordings: string[];
  /** When we ended the call and why; null when the other side (or the network) ended it. */
  weEnded: { why: 'ring_timeout' | 'menu_done' | 'deadline'; atMs: number } | null;
  /** Our failure: the user agent could not be started or driven. */
  startError: string | null;
}

const READY_TIMEOUT_MS = 10_000;
/** After the call closed or we hung up: time for the last messages (487, 200 to BYE) to be traced. */
const SETTLE_MS = 1000;

export async function dial(o: DialOptions): Promise<DialResult> {
  mkdirSync(path.join(o.workDir, 'rec'), { recursive: true });
  const requestUri = `sip:${o.number}@${o.account.domain}`;
  const hardLimitSec = Math.ceil((o.ringTimeoutMs + Math.max(o.listenMs, o.menuWaitMs)) / 1000) + 30;
  const result: DialResult = { t0: Date.now(), requestUri, events: [], trace: [], recordings: [], weEnded: null, startError: null };
  const chunks: TraceChunk[] = [];
  let traced = 0;
  let proc: ChildProcess | null = null;
  let ctrl: net.Socket | null = null;
  try {
    const port = await freePort();
    writeConfig(o, port);
    proc = spawn(o.baresip, ['-f', o.workDir, '-s', '-t', String(hardLimitSec)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<string>((resolve) => {
      proc?.once('exit', (code, sig) => resolve(`baresip exited (${sig ?? code})`));
      proc?.once('error', (err) => resolve(`baresip could not be started: ${err.message}`));
    });
    const onOutput = (d: Buffer) => {
      // Capped: a trace is a few kilobytes per call; a runaway one must not fill the memory.
      if (traced > 1_000_000) return;
      traced += d.length;
      chunks.push({ atMs: Date.now() - result.t0, text: d.toString('utf8') });
    };
    proc.stdout?.on('data', onOutput);
    proc.stderr?.on('data', onOutput);

    const connected = await connectCtrl(port, exited);
    if (typeof connected === 'string') {
      // Its last words say why (a bad address, a missing module), without the colour codes.
      const said = chunks.map((c) => c.text).join('').replace(/\u001b\[[0-9;]*m/g, '').trim().split('\n').slice(-3).join(' / ');
      result.startError = said ? `${connected} (${said})` : connected;
      return result;
    }
    ctrl = connected;
    const socket = connected;
    const send = (command: string, params = '') => {
      const json = JSON.stringify({ command, params, token: command });
      socket.write(`${Buffer.byteLength(json)}:${json},`);
    };

    await new Promise<void>((resolve) => {
      let established = false;
      let ending = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = (finalCode?: string) => {
        timers.forEach(clearTimeout);
        o.signal.removeEventListener('abort', onAbort);
        // The trace (stdout) and the events (TCP) travel apart: wait for the final response to be
        // traced when its code is known, else a moment for the last messages.
        if (!finalCode) return void setTimeout(resolve, SETTLE_MS);
        const until = Date.now() + SETTLE_MS;
        const poll = () => (Date.now() >= until || chunks.some((c) => c.text.includes(`SIP/2.0 ${finalCode}`)) ? resolve() : setTimeout(poll, 20));
        poll();
      };
      const end = (why: 'ring_timeout' | 'menu_done' | 'deadline') => {
        if (ending) return;
        ending = true;
        result.weEnded = { why, atMs: Date.now() - result.t0 };
        send('hangup');
        // A call with no answer at all from the trunk never reports closing: wait no more.
        timers.push(setTimeout(finish, 2000));
      };
      const onAbort = () => end('deadline');
      o.signal.addEventListener('abort', onAbort, { once: true });
      socket.on('close', () => {
        if (!ending) result.startError ??= 'the control connection to baresip closed during the call';
        ending = true;
        finish();
      });
      readNetstrings(socket, (msg) => {
        if (msg.event !== true || typeof msg.type !== 'string') return;
        const atMs = Date.now() - result.t0;
        result.events.push({ type: msg.type, param: typeof msg.param === 'string' ? msg.param : '', atMs });
        if (msg.type === 'CALL_ESTABLISHED' && !established) {
          established = true;
          if (o.promptFile) send('ausrc', `aufile,${o.promptFile}`);
          timers.push(setTimeout(() => end('menu_done'), Math.max(o.listenMs, o.menuWaitMs)));
        } else if (msg.type === 'CALL_DTMF_START' && established) {
          // One key answers the menu; keep listening for the rest of the minimum window.
          const left = Math.max(1000, o.listenMs - atMs + (result.events.find((e) => e.type === 'CALL_ESTABLISHED')?.atMs ?? atMs));
          timers.push(setTimeout(() => end('menu_done'), left));
        } else if (msg.type === 'CALL_CLOSED') {
          ending = true;
          finish(/^[1-6]\d\d /.test(String(msg.param)) ? String(msg.param).slice(0, 3) : undefined);
        }
      });
      result.t0 = Date.now();
      send('dial', requestUri);
      o.onDialSent?.();
      timers.push(
        setTimeout(() => {
          if (!established) end('ring_timeout');
        }, o.ringTimeoutMs),
      );
      if (o.signal.aborted) onAbort();
    });
  } catch (err) {
    result.startError = `the user agent failed: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    ctrl?.destroy();
    if (proc) await stop(proc);
    result.trace = parseTrace(chunks);
    const rec = path.join(o.workDir, 'rec');
    if (existsSync(rec)) result.recordings = readdirSync(rec).filter((f) => f.endsWith('-dec.wav')).sort().map((f) => path.join(rec, f));
  }
  return result;
}

function writeConfig(o: DialOptions, ctrlPort: number): void {
  const a = o.account;
  const config = [
    'poll_method epoll',
    `sip_listen ${o.listen}`,
    ...(o.netInterface ? [`net_interface ${o.netInterface}`] : []),
    ...(a.transport === 'tls' && a.caFile ? [`sip_cafile ${a.caFile}`] : []),
    'call_local_timeout 0',
    'call_max_calls 1',
    // No sound card: the received audio goes to a bridge no one listens to, after sndfile recorded it.
    'audio_player aubridge,reachwatch-sink',
    `audio_source aufile,${o.silenceFile}`,
    'audio_alert aubridge,reachwatch-sink',
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aufile.so',
    'module aubridge.so',
    'module sndfile.so',
    'module_app account.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
    `snd_path ${path.join(o.workDir, 'rec')}`,
    '',
  ].join('\n');
  writeFileSync(path.join(o.workDir, 'config'), config);
  // regint=0: no registration; the trunk authenticates each INVITE (digest) with these credentials.
  const params = [
    ...(a.password !== null ? [`auth_pass=${a.password}`] : []),
    'regint=0',
    `outbound="sip:${a.proxy};transport=${a.transport}"`,
    'audio_codecs=PCMA,PCMU',
  ];
  writeFileSync(path.join(o.workDir, 'accounts'), `<sip:${a.user}@${a.domain};transport=${a.transport}>;${params.join(';')}\n`, { mode: 0o600 });
  writeFileSync(path.join(o.workDir, 'contacts'), '');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Connects to baresip's control port once it listens; a string says why it never did. */
async function connectCtrl(port: number, exited: Promise<string>): Promise<net.Socket | string> {
  // The process's start is real time, whatever the wall clock does (the demo runs one 1000× faster).
  const deadline = performance.now() + READY_TIMEOUT_MS;
  let gone: string | null = null;
  void exited.then((why) => {
    gone = why;
  });
  while (performance.now() < deadline) {
    if (gone) return `the user agent stopped before it was ready: ${gone}`;
    const s = await new Promise<net.Socket | null>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => resolve(c));
      c.once('error', () => resolve(null));
    });
    if (s) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  return `the user agent's control port did not open within ${READY_TIMEOUT_MS / 1000} s`;
}

function readNetstrings(s: net.Socket, on: (msg: Record<string, unknown>) => void): void {
  let buf = Buffer.alloc(0);
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const colon = buf.indexOf(0x3a);
      if (colon < 0) return;
      const len = Number(buf.subarray(0, colon).toString('ascii'));
      if (!Number.isInteger(len) || len < 0) {
        buf = Buffer.alloc(0);
        return;
      }
      if (buf.length < colon + 1 + len + 1) return;
      const body = buf.subarray(colon + 1, colon + 1 + len).toString('utf8');
      buf = buf.subarray(colon + 1 + len + 1);
      try {
        const msg: unknown = JSON.parse(body);
        if (msg !== null && typeof msg === 'object') on(msg as Record<string, unknown>);
      } catch {
        // not JSON: not ours to read
      }
    }
  });
}

/** Asks baresip to quit (it then closes its recordings), and kills it if it does not. */
async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(t);
}
