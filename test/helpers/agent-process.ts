// Runs the real regional agent (`reachwatch agent run`, through src/cli/main.ts) as a child process,
// so tests can stop it with SIGTERM or kill -9 it and look at what its outbox kept.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE } from './daemon.ts';

export const CLI = path.resolve('src/cli/main.ts');

export interface RunningAgent {
  child: ChildProcess;
  /** JSON log lines (and anything else it printed), in order. */
  logs: string[];
  exited: Promise<number | string>;
}

/** An agent config file in `dir`: the agent section plus whatever else the test adds (website, canaries). */
export function writeAgentConfig(dir: string, agent: Record<string, unknown>, extra = ''): string {
  const file = path.join(dir, 'agent.yaml');
  // No canaries that would reach a real address: a failed probe is judged with none.
  writeFileSync(file, `agent: ${JSON.stringify(agent)}\ncanaries: {urls: []}\n${extra}`);
  return file;
}

export function startAgentProcess(opts: { config: string; token: string; env?: Record<string, string>; args?: string[] }): RunningAgent {
  const child = spawn(NODE, [CLI, 'agent', 'run', ...(opts.args ?? [])], {
    env: { ...process.env, REACHWATCH_CONFIG: opts.config, REACHWATCH_AGENT_TOKEN: opts.token, LOG_LEVEL: 'debug', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    logs.push(...lines);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, logs, exited };
}

/** Log lines whose msg matches. */
export function logsMatching(agent: RunningAgent, re: RegExp): string[] {
  return agent.logs.filter((l) => re.test(l));
}

/** Throws (ending a wait at once) when an agent that should run has exited. */
export function assertRunning(...list: RunningAgent[]): true {
  for (const a of list) if (a.child.exitCode !== null || a.child.signalCode !== null) throw new Error(`the agent exited (${a.child.exitCode ?? a.child.signalCode}):\n${a.logs.slice(-30).join('\n')}`);
  return true;
}
