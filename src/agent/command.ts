// `reachwatch agent enroll` and `reachwatch agent run` (docs/agents.md, "Running an agent"). The same
// configuration file and environment as the daemon; only the `agent` and `website` sections (and
// Twilio credentials, for Lookups) matter here. The token comes from REACHWATCH_AGENT_TOKEN.

import closeWithGrace from 'close-with-grace';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config/config.ts';
import { readEnv } from '../config/env.ts';
import { createLogger } from '../log.ts';
import { AgentSetupError, RegionalAgent } from './agent.ts';
import { CentralError } from './client.ts';
import { AgentKeyError } from './identity.ts';
import { parseAgentSection } from './config.ts';

const USAGE = `Usage:
  reachwatch agent enroll [--central <url>]   make this agent's key and register it with the central (once)
  reachwatch agent run [--central <url>]      enroll if needed, then lease, probe and push until SIGTERM
The token comes from REACHWATCH_AGENT_TOKEN; the rest from the agent section of the configuration file.
`;

/** The config, with --central standing in for agent.central_url (checked by the same rules). */
function configWith(central: string | undefined): Config {
  const config = loadConfig();
  if (central === undefined) return config;
  const problems: string[] = [];
  const agent = parseAgentSection(
    { agent: { central_url: central } },
    { env: readEnv({}), where: () => '--central', problems, baseDir: process.cwd() },
  );
  if (problems.length) throw new AgentSetupError(problems.map((p) => p.replace(/^--central agent\.central_url/, '--central')).join(' '));
  return { ...config, agent: { ...config.agent, centralUrl: agent.centralUrl, insecure: agent.insecure } };
}

export async function agentCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [sub, ...rest] = args;
  let values: { central?: string | undefined };
  try {
    ({ values } = parseArgs({ args: rest, options: { central: { type: 'string' } }, allowPositionals: false }));
  } catch (e) {
    err.write(`reachwatch agent: ${(e as Error).message}\n\n${USAGE}`);
    return 64; // EX_USAGE, as every command (src/cli/exit-codes.ts)
  }
  if (sub !== 'enroll' && sub !== 'run') {
    err.write(`reachwatch agent: ${sub === undefined ? 'name a subcommand' : `unknown subcommand "${sub}"`}.\n\n${USAGE}`);
    return 64; // EX_USAGE, as every command (src/cli/exit-codes.ts)
  }
  let agent: RegionalAgent;
  const config = (() => {
    try {
      return configWith(values.central);
    } catch (e) {
      if (e instanceof AgentSetupError) return e;
      throw e;
    }
  })();
  if (config instanceof AgentSetupError) {
    err.write(`reachwatch agent ${sub}: ${config.message}\n`);
    return 78;
  }
  const log = createLogger({ level: config.log.level });
  try {
    agent = new RegionalAgent(config, log);
  } catch (e) {
    if (e instanceof AgentSetupError || e instanceof AgentKeyError) {
      err.write(`reachwatch agent ${sub}: ${e.message}\n`);
      return 78;
    }
    throw e;
  }
  if (sub === 'enroll') {
    try {
      const e = await agent.enroll();
      out.write(`Enrolled as ${e.name} (${e.agentId}) for vantage point ${e.vantage} at ${e.centralUrl}.\nKey and enrollment are in ${config.agent.dataDir}; start it with: reachwatch agent run\n`);
      return 0;
    } catch (e) {
      if (e instanceof CentralError) {
        err.write(`reachwatch agent enroll: ${e.message}\n`);
        return e.transient ? 75 : e.unauthorized ? 77 : 1;
      }
      throw e;
    } finally {
      await agent.close();
    }
  }
  // run: until SIGTERM/SIGINT. The grace covers agent.stop_grace and a short last push, and stays under
  // the 10 s docker stop waits; whenever the process ends, the outbox is whole (one transaction per write).
  closeWithGrace({ delay: config.agent.stopGraceMs + 4_000, logger: log }, async ({ signal, err: e }) => {
    if (e) log.error({ err: e }, 'agent stopping after an unexpected error');
    else log.info({ signal }, 'agent stopping');
    await agent.stop();
  });
  try {
    await agent.start();
  } catch (e) {
    if (e instanceof CentralError) {
      log.fatal({ err: e.message }, 'the central refused the enrollment');
      err.write(`reachwatch agent run: ${e.message}\n`);
      process.exit(e.unauthorized ? 77 : 1);
    }
    throw e;
  }
  return -1;
}
