// Runs the real daemon (`node src/main.ts`) as a child process, as an operator would, so tests can
// stop it gracefully or kill -9 it and look at what the database kept.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from '../../simulators/ports.ts';
import type { FakeTwilio } from '../../simulators/twilio/fake-twilio.ts';

export const NODE = process.execPath;
export const MAIN = path.resolve('src/main.ts');
export const BIN = path.resolve('bin/reachwatch.mjs');

/**
 * Runs the CLI's bin as a person would: with the system Node, which hands it to the project's Node 24.
 * Asynchronous, so servers living in the test process keep answering meanwhile.
 */
export async function runBin(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('/usr/bin/env', ['node', BIN, ...args], { env: { ...process.env, PATH: '/usr/local/bin:/usr/bin:/bin', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

export interface RunningDaemon {
  child: ChildProcess;
  url: string;
  logs: string[];
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

// Lives with the simulators, which bench/ uses without the tests; re-exported for the tests.
export { freePort };

/**
 * The environment that gives a daemon telephony against the local Twilio-protocol server: its
 * credentials, and webhooks addressed to the daemon's API on 127.0.0.1:`port`.
 */
export function fakeTwilioEnv(fake: Pick<FakeTwilio, 'accountSid' | 'authToken' | 'baseUrl'>, port: number): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: fake.accountSid,
    TWILIO_AUTH_TOKEN: fake.authToken,
    REACHWATCH_TWILIO_FROM: '+15005550006',
    REACHWATCH_PUBLIC_URL: `http://127.0.0.1:${port}`,
    REACHWATCH_TWILIO_BASE_URL: fake.baseUrl,
  };
}

/** Whether something accepts connections on 127.0.0.1:`port` (a server that should be gone, is it?). */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Whether process `pid` still exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Writes a config file into `dir` and returns its path. `yaml` is the file's body. */
export function writeConfig(dir: string, yaml: string): string {
  const file = path.join(dir, 'reachwatch.yaml');
  writeFileSync(file, yaml);
  return file;
}

export async function startDaemonProcess(opts: { config: string; dataDir: string; env?: Record<string, string>; waitFor?: RegExp }): Promise<RunningDaemon> {
  const port = await freePort();
  const child = spawn(NODE, [MAIN], {
    env: { ...process.env, REACHWATCH_CONFIG: opts.config, REACHWATCH_DATA_DIR: opts.dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const waitFor = opts.waitFor ?? /reachwatch is running/;
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        logs.push(l);
        if (waitFor.test(l)) resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`daemon exited (${code}) before it was ready:\n${logs.join('\n')}${buf}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, logs, exited };
}

export interface DaemonRun {
  /** The exit code, or 'still running' if it had not exited within the time allowed (it is then killed). */
  code: number | string;
  stdout: string;
  stderr: string;
}

/**
 * Starts the real daemon and waits for it to exit (a start that must be refused). A daemon still
 * running after `timeoutMs` is killed and reported as 'still running'.
 */
export async function runDaemonExpectingExit(env: Record<string, string>, timeoutMs = 30_000): Promise<DaemonRun> {
  const child = spawn(NODE, [MAIN], { env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
  clearTimeout(timer);
  return { code: timedOut ? 'still running' : (code ?? signal ?? -1), stdout, stderr };
}
