// `reachwatch agents create|list|revoke`: regional agents managed on the database of the configured
// data dir, like `reachwatch token`. SQLite in WAL mode lets this run beside the daemon, which reads
// an agent's row on every request, so a revocation takes effect at the agent's next request.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { agentHealthView } from '../agents/health.ts';
import { AgentInputError, Agents } from '../agents/registry.ts';
import { TokenInputError } from '../auth/tokens.ts';
import { loadConfig } from '../config/config.ts';
import { DB_FILE_NAME, openDatabase } from '../store/db.ts';
import { renderTable } from './table.ts';

export const AGENTS_USAGE = `Usage:
  reachwatch agents create --name <name> --vantage <point>
  reachwatch agents list [--all]
  reachwatch agents revoke <id|name>
`;

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/** `actor`: who runs the command, recorded as the creator or revoker (the CLI's `cliActor()`). */
export function agentsCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream, actor: string): number {
  const [sub, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { name: { type: 'string' }, vantage: { type: 'string' }, all: { type: 'boolean', default: false } }, allowPositionals: true });
  } catch (e) {
    err.write(`reachwatch agents: ${e instanceof Error ? e.message : String(e)}\n\n${AGENTS_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const config = loadConfig();
  const points = config.vantage.points.map((p) => p.name);
  const exists = existsSync(path.join(config.dataDir, DB_FILE_NAME));
  switch (sub) {
    case 'create': {
      if (values.name === undefined || values.vantage === undefined || positionals.length > 0) {
        err.write(`reachwatch agents create: give --name <unique name> and --vantage <point>, e.g. --name almaty-1 --vantage kz.\n\n${AGENTS_USAGE}`);
        return 2;
      }
      const db = openDatabase(config.dataDir);
      try {
        const { agent, token } = new Agents(db, { points }).create({ name: values.name, vantage: values.vantage, createdBy: actor });
        out.write(`Created agent ${agent.id} "${agent.name}" for vantage point ${agent.vantage}.\n${token}\n`);
        out.write('This token cannot be shown again (only its hash is stored): give it to the agent now (the agent reads it from its environment, see docs/agents.md).\n');
        out.write(`The agent enrolls with it once ("reachwatch agent enroll --central <URL>"). Revoke it with: reachwatch agents revoke ${agent.name}\n`);
        return 0;
      } catch (e) {
        if (e instanceof AgentInputError || e instanceof TokenInputError) {
          err.write(`reachwatch agents create: ${e.message}\n`);
          return 2;
        }
        throw e;
      } finally {
        db.close();
      }
    }
    case 'list': {
      if (positionals.length > 0 || values.name !== undefined || values.vantage !== undefined) {
        err.write(`reachwatch agents list: takes no arguments but --all.\n\n${AGENTS_USAGE}`);
        return 2;
      }
      if (!exists) {
        out.write(`No database in ${config.dataDir} yet, so no agents.\n`);
        return 0;
      }
      const db = openDatabase(config.dataDir);
      try {
        const list = new Agents(db, { points }).list({ includeRevoked: values.all });
        if (list.length === 0) out.write(values.all ? 'No agents.\n' : 'No agents in force (--all shows revoked ones).\n');
        else {
          const now = Date.now();
          const rows = list.map((a) => {
            const h = agentHealthView(
              { last_seen_at: a.lastSeenAt, stale_since: a.staleSince, revoked_at: a.revokedAt, enrolled_at: a.enrolledAt, clock_offset_ms: a.clockOffsetMs },
              now,
              config.vantage,
            );
            return [
              a.id,
              a.name,
              a.vantage,
              h.state === 'revoked' ? `revoked ${iso(a.revokedAt)}` : h.state.replace('_', ' '),
              iso(a.lastSeenAt) || 'never',
              a.queueDepth === null ? '' : String(a.queueDepth),
              a.clockOffsetMs === null ? '' : `${a.clockOffsetMs} ms${h.clockFlagged ? ' (flagged)' : ''}`,
              a.capabilities.join(','),
            ];
          });
          out.write(renderTable(['id', 'name', 'point', 'state', 'last seen', 'queue', 'clock offset', 'capabilities'], rows));
        }
        return 0;
      } finally {
        db.close();
      }
    }
    case 'revoke': {
      const which = positionals[0];
      if (which === undefined || positionals.length > 1 || values.name !== undefined || values.vantage !== undefined) {
        err.write(`reachwatch agents revoke: name one agent, by id or name (see reachwatch agents list).\n\n${AGENTS_USAGE}`);
        return 2;
      }
      if (!exists) {
        err.write(`reachwatch agents revoke: no database in ${config.dataDir}, so no agent ${which}.\n`);
        return 1;
      }
      const db = openDatabase(config.dataDir);
      try {
        const r = new Agents(db, { points }).revoke(which, actor);
        if (r.result === 'not_found') {
          err.write(`reachwatch agents revoke: no agent ${which} (see reachwatch agents list).\n`);
          return 1;
        }
        if (r.result === 'already_revoked') {
          err.write(`reachwatch agents revoke: ${r.agent.id} ("${r.agent.name}") was already revoked at ${iso(r.agent.revokedAt)}.\n`);
          return 1;
        }
        out.write(`Revoked agent ${r.agent.id} ("${r.agent.name}", ${r.agent.vantage}): its requests and results are refused from now on.\n`);
        return 0;
      } finally {
        db.close();
      }
    }
    default:
      err.write(`reachwatch agents: ${sub === undefined ? 'name a subcommand' : `unknown subcommand "${sub}"`}.\n\n${AGENTS_USAGE}`);
      return 2;
  }
}
