// `npx reachwatch <command>`. Commands work without the daemon: they read the same config and
// registry and run the same probers and classifier, so what they print is what the daemon would store.

import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROLES, ROLE_DUTIES, TokenInputError, Tokens, isRole } from '../auth/tokens.ts';
import { DB_FILE_NAME, SchemaError, openDatabase, type DB } from '../store/db.ts';
import { DaemonLockHeld } from '../store/daemon-lock.ts';
import { describeStartupFailure } from '../daemon/startup-failure.ts';
import type { ClassifierRules } from '../classifier/classifier.ts';
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import type { Channel } from '../domain.ts';
import { probeOnce, type Attempt } from '../probers/probe-once.ts';
import type { ProberSet } from '../probers/prober.ts';
import { canaryFor, classifierRulesFor, websiteProberFor } from '../probers/from-config.ts';
import { formatProblem, loadRegistry, RegistryError, registryOptionsFor } from '../registry/load.ts';
import type { CanaryMonitor } from '../selfcheck/canary.ts';
import { renderTable } from './table.ts';
import { NOT_CONFIGURED_REASON } from '../status/probeability.ts';

const USAGE = `reachwatch: availability monitoring for directories of help services

Usage:
  reachwatch start                     run the daemon (same as npm start)
  reachwatch check <id> [<id>...]      probe a center's channels (or one channel) now and print the results
        --json                         print the raw evidence as JSON instead of a table
  reachwatch validate [<file>]         check a registry file and list every problem with file, line and field
  reachwatch token create --role <operator|auditor|admin> --name <who>
                                       create an API token; its secret is printed once
  reachwatch token list [--all]        tokens in force (--all: revoked ones too), never their secrets
  reachwatch token revoke <id>         refuse a token from now on (works while the daemon runs)
  reachwatch agents create --name <name> --vantage <point>
                                       create a regional agent for a vantage point; its token is printed once
  reachwatch agents list [--all]       agents, their point, health, queue and clock (--all: revoked ones too)
  reachwatch agents revoke <id|name>   refuse an agent's requests and results from now on (works while the daemon runs)
  reachwatch report --from <date|instant> --to <date|instant> [--center <id>]... [--region <region>] [--kind <kind>]
         [--granularity day|week|month] [--format json|csv|html] [--lang ru|kk|en] [--out <file>]
                                       availability report for auditors, from the rollups (read-only; works while the daemon runs)
  reachwatch report --thesis-table --date <YYYY-MM-DD> [--until <YYYY-MM-DD>] [--format json|csv|html] [--lang ru|kk|en] [--out <file>]
                                       the 2018 thesis's accessibility table (Appendix 1) for that day, or to --until (at most 31 days)
  reachwatch verify [--head <table>:<id>:<hash>]... [--workers N] [--signatures] [--json]
                                       walk the hash chains; name the first changed, inserted, deleted
                                       or reordered record (exit 1), or confirm them up to their heads;
                                       agents' probes: their columns match their chained vantage block,
                                       and with --signatures each result's Ed25519 signature is checked
  reachwatch backup <file>             consistent copy while the daemon runs (SQLite online backup), then verify it
  reachwatch export --from <date> --to <date> [--center <id>]... [--region R] [--kind K] --out <folder>
                                       evidence bundle: NDJSON of probes and status changes, manifest, SHA256SUMS
  reachwatch verify-export <folder>    check a bundle with its own files only
  reachwatch prune --older-than <365d> delete raw probes older than that (rollups kept; the chain keeps a checkpoint)
  reachwatch agent enroll [--central <url>]
                                       a regional agent: make its key, register it with the central (token: REACHWATCH_AGENT_TOKEN)
  reachwatch agent run [--central <url>]
                                       run as a regional agent: lease jobs, probe, push signed results (docs/agents.md)
  reachwatch help                      this text

Roles:
  operator: ${ROLE_DUTIES.operator}
  auditor:  ${ROLE_DUTIES.auditor}
  admin:    ${ROLE_DUTIES.admin}

Environment: REACHWATCH_CONFIG (config file), REACHWATCH_DATA_DIR (database folder),
REACHWATCH_REGISTRY (registry file), PORT and HOST (listen address), LOG_LEVEL.
`;

export async function runCli(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start': {
        const { main } = await import('../main.ts');
        await main();
        return -1; // keeps running
      }
      case 'check':
        return await check(rest, out, err);
      case 'agent':
        return await (await import('../agent/command.ts')).agentCommand(rest, out, err);
      case 'validate':
        return validate(rest, out, err);
      case 'token':
        return token(rest, out, err);
      case 'agents':
        return (await import('./agents.ts')).agentsCommand(rest, out, err, cliActor());
      case 'report':
        return await (await import('./report.ts')).runReportCommand(rest, undefined, out, err);
      case 'verify':
        return await (await import('./evidence.ts')).verifyCommand(rest, out);
      case 'backup':
        return await (await import('./evidence.ts')).backupCommand(rest, out);
      case 'export':
        return await (await import('./evidence.ts')).exportCommand(rest, out);
      case 'verify-export':
        return (await import('./evidence.ts')).verifyExportCommand(rest, out);
      case 'prune':
        return (await import('./evidence.ts')).pruneCommand(rest, out);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.write(USAGE);
        return command === undefined ? 64 : 0;
      default:
        err.write(`reachwatch: unknown command "${command}".\n\n${USAGE}`);
        return 64;
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      err.write(`reachwatch: ${e.message}\n`);
      return 78;
    }
    if (e instanceof DaemonLockHeld) {
      const failure = describeStartupFailure(e);
      err.write(`reachwatch ${command}: ${failure.line}\n`);
      return failure.code;
    }
    if (e instanceof SchemaError) {
      err.write(`reachwatch: ${e.message}\n`);
      return 78;
    }
    if (e instanceof RegistryError) {
      err.write(`reachwatch: the registry has errors:\n${e.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
      return 78;
    }
    // Bad flags of the evidence commands (and parseArgs' own complaints about unknown options).
    if ((e as Error).name === 'UsageError' || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`reachwatch ${command}: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}

function validate(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  // Without a file argument the config names the registry, and its website.resolve hosts are known.
  const config = args[0] === undefined ? loadConfig() : null;
  const file = config ? config.registry.file : (args[0] as string);
  const load = loadRegistry(file, config ? registryOptionsFor(config) : {});
  const errors = load.problems.filter((p) => p.severity === 'error');
  const warnings = load.problems.filter((p) => p.severity === 'warning');
  for (const p of load.problems) (p.severity === 'error' ? err : out).write(`${p.severity}: ${formatProblem(p)}\n`);
  const channels = load.centers.reduce((n, c) => n + c.channels.length, 0);
  const probeable = load.centers.reduce((n, c) => n + c.channels.filter((ch) => ch.target).length, 0);
  out.write(`${file}: ${load.centers.length} centers, ${channels} channels (${probeable} probeable), ${errors.length} errors, ${warnings.length} warnings\n`);
  return errors.length ? 1 : 0;
}

const TOKEN_USAGE = `Usage:
  reachwatch token create --role <${ROLES.join('|')}> --name <who>
  reachwatch token list [--all]
  reachwatch token revoke <id>
`;

/**
 * Token management on the database in the configured data dir (same config and environment as
 * \`start\`). SQLite in WAL mode lets this run beside the daemon, which reads the token table on every
 * request, so a revocation takes effect at the next request.
 */
function token(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const [sub, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { role: { type: 'string' }, name: { type: 'string' }, all: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
  } catch (e) {
    err.write(`reachwatch token: ${e instanceof Error ? e.message : String(e)}\n\n${TOKEN_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const dataDir = () => loadConfig().dataDir;
  const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  switch (sub) {
    case 'create': {
      if (values.role === undefined || !isRole(values.role)) {
        err.write(`reachwatch token create: ${values.role === undefined ? 'give --role' : `unknown role "${values.role}"`}; the roles are ${ROLES.join(', ')}.\n`);
        return 2;
      }
      if (values.name === undefined || positionals.length > 0) {
        err.write(`reachwatch token create: give --name <who holds it>, e.g. --name a.researcher.\n\n${TOKEN_USAGE}`);
        return 2;
      }
      const db = openTokenDb(dataDir(), true);
      try {
        const { token: t, secret } = new Tokens(db).create({ name: values.name, role: values.role, createdBy: cliActor() });
        out.write(`Created ${t.id} for "${t.name}" with the ${t.role} role.\n${secret}\n`);
        out.write('This secret cannot be shown again (only its hash is stored): give it to its holder now.\n');
        out.write('It is sent as "Authorization: Bearer <secret>". Revoke it with: reachwatch token revoke ' + t.id + '\n');
        return 0;
      } catch (e) {
        if (e instanceof TokenInputError) {
          err.write(`reachwatch token create: ${e.message}\n`);
          return 2;
        }
        throw e;
      } finally {
        db.close();
      }
    }
    case 'list': {
      if (positionals.length > 0 || values.role !== undefined || values.name !== undefined) {
        err.write(`reachwatch token list: takes no arguments but --all.\n\n${TOKEN_USAGE}`);
        return 2;
      }
      const dir = dataDir();
      const db = openTokenDb(dir, false);
      if (!db) {
        out.write(`No database in ${dir} yet, so no tokens.\n`);
        return 0;
      }
      try {
        const list = new Tokens(db).list({ includeRevoked: values.all });
        if (list.length === 0) out.write(values.all ? 'No tokens.\n' : 'No tokens in force (--all shows revoked ones).\n');
        else {
          const rows = list.map((t) => [t.id, t.role, iso(t.createdAt), t.createdBy, iso(t.lastUsedAt) || 'never', t.revokedAt ? `revoked ${iso(t.revokedAt)}` : 'active', t.name]);
          out.write(renderTable(['id', 'role', 'created', 'created by', 'last used', 'state', 'name'], rows));
        }
        return 0;
      } finally {
        db.close();
      }
    }
    case 'revoke': {
      const id = positionals[0];
      if (id === undefined || positionals.length > 1 || values.role !== undefined || values.name !== undefined) {
        err.write(`reachwatch token revoke: name one token id (see reachwatch token list).\n\n${TOKEN_USAGE}`);
        return 2;
      }
      const dir = dataDir();
      const db = openTokenDb(dir, false);
      if (!db) {
        err.write(`reachwatch token revoke: no database in ${dir}, so no token ${id}.\n`);
        return 1;
      }
      try {
        const r = new Tokens(db).revoke(id);
        if (r.result === 'not_found') {
          err.write(`reachwatch token revoke: no token ${id} (see reachwatch token list).\n`);
          return 1;
        }
        if (r.result === 'already_revoked') {
          err.write(`reachwatch token revoke: ${id} ("${r.token.name}") was already revoked at ${iso(r.token.revokedAt)}.\n`);
          return 1;
        }
        out.write(`Revoked ${id} ("${r.token.name}", ${r.token.role}): requests with it are refused from now on.\n`);
        return 0;
      } finally {
        db.close();
      }
    }
    default:
      err.write(`reachwatch token: ${sub === undefined ? 'name a subcommand' : `unknown subcommand "${sub}"`}.\n\n${TOKEN_USAGE}`);
      return 2;
  }
}

/** The database of the configured data dir; null when it does not exist and `create` is false. */
function openTokenDb(dataDir: string, create: true): DB;
function openTokenDb(dataDir: string, create: false): DB | null;
function openTokenDb(dataDir: string, create: boolean): DB | null {
  if (!create && !existsSync(path.join(dataDir, DB_FILE_NAME))) return null;
  return openDatabase(dataDir);
}

/** Who created a token from the CLI: whoever can write the database, named by the OS account. */
function cliActor(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment's USER will do.
  }
  return `cli (${user})`;
}

async function probersFor(config: Config): Promise<{ probers: ProberSet; rules: ClassifierRules; canary: CanaryMonitor }> {
  const website = websiteProberFor(config);
  // Phones get a Lookup only: a call from the CLI would ring a help line with no webhook to answer it.
  const { settings } = config.twilio;
  const lookup = settings
    ? (await import('../probers/phone/lookup.ts')).createLookupProber({
        client: (await import('../probers/phone/twilio-client.ts')).createTwilioClient(settings),
        fields: config.telephony.lookupFields,
        concurrency: 4,
      })
    : undefined;
  return {
    probers: { http: website, ...(lookup ? { lookup } : {}) },
    rules: classifierRulesFor(config),
    canary: canaryFor(config, website),
  };
}

async function check(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
  if (positionals.length === 0) {
    err.write('reachwatch check: name at least one center or channel id (see `reachwatch validate` for the ids).\n');
    return 64;
  }
  const config = loadConfig();
  const load = loadRegistry(config.registry.file, registryOptionsFor(config));
  const errors = load.problems.filter((p) => p.severity === 'error');
  if (errors.length) throw new RegistryError(errors);

  const selected: Channel[] = [];
  for (const id of positionals) {
    const center = load.centers.find((c) => c.id === id);
    const channel = load.centers.flatMap((c) => c.channels).find((ch) => ch.id === id);
    if (center) selected.push(...center.channels);
    else if (channel) selected.push(channel);
    else {
      err.write(`reachwatch check: "${id}" is neither a center nor a channel id in ${config.registry.file}.\n`);
      return 65;
    }
  }
  const { probers, rules, canary } = await probersFor(config);
  const results: { channel: Channel; attempt: Attempt | null }[] = await Promise.all(
    selected.map(async (channel) => ({
      channel,
      attempt:
        channel.target && (channel.type === 'website' || probers.lookup)
          ? await probeOnce(channel, channel.type === 'website' ? probers.http : probers.lookup, rules, canary, { signal: AbortSignal.timeout(config.website.totalTimeoutMs + 5000) })
          : null,
    })),
  );
  if (values.json) {
    out.write(`${JSON.stringify(results.map((r) => ({ channel: r.channel.id, target: r.channel.target, ...(r.attempt ?? { notProbed: r.channel.unprobeableReason ?? NOT_CONFIGURED_REASON }) })), null, 2)}\n`);
  } else {
    const rows = results.map(({ channel, attempt }) => {
      if (!attempt) return [channel.id, channel.type, channel.value, 'not probed', '', '', channel.unprobeableReason ?? NOT_CONFIGURED_REASON];
      const c = attempt.classification;
      return [channel.id, channel.type, channel.target ?? '', c.outcome + (c.flags.length ? ` (${c.flags.join(', ')})` : ''), c.reason, `${Math.round(attempt.durationMs)} ms`, c.detail];
    });
    out.write(renderTable(['channel', 'type', 'target', 'outcome', 'reason', 'time', 'detail'], rows));
  }
  // Exit 0 when every probed channel was reachable: usable in scripts and cron.
  // A Lookup's "valid number" is informational, not a failure.
  return results.every((r) => !r.attempt || r.attempt.classification.outcome === 'reachable' || r.attempt.classification.confirming === false) ? 0 : 2;
}

if (import.meta.main) {
  const code = await runCli(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
}
