// `npx reachwatch <command>`. Commands work without the daemon: they read the same config and
// registry and run the same probers and classifier, so what they print is what the daemon would store.

import { parseArgs } from 'node:util';
import type { ClassifierRules } from '../classifier/classifier.ts';
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import type { Channel } from '../domain.ts';
import { probeOnce, type Attempt } from '../probers/probe-once.ts';
import type { ProberSet } from '../probers/prober.ts';
import { canaryFor, classifierRulesFor, websiteProberFor } from '../probers/from-config.ts';
import { formatProblem, loadRegistry, RegistryError } from '../registry/load.ts';
import type { CanaryMonitor } from '../selfcheck/canary.ts';
import { renderTable } from './table.ts';
import { NOT_CONFIGURED_REASON } from '../daemon/monitor.ts';
import { twilioSettingsFromEnv } from '../probers/phone/settings.ts';

const USAGE = `reachwatch: availability monitoring for directories of help services

Usage:
  reachwatch start                     run the daemon (same as npm start)
  reachwatch check <id> [<id>...]      probe a center's channels (or one channel) now and print the results
        --json                         print the raw evidence as JSON instead of a table
  reachwatch validate [<file>]         check a registry file and list every problem with file, line and field
  reachwatch help                      this text

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
      case 'validate':
        return validate(rest, out, err);
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
    if (e instanceof RegistryError) {
      err.write(`reachwatch: the registry has errors:\n${e.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
      return 78;
    }
    throw e;
  }
}

function validate(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const file = args[0] ?? loadConfig().registry.file;
  const load = loadRegistry(file);
  const errors = load.problems.filter((p) => p.severity === 'error');
  const warnings = load.problems.filter((p) => p.severity === 'warning');
  for (const p of load.problems) (p.severity === 'error' ? err : out).write(`${p.severity}: ${formatProblem(p)}\n`);
  const channels = load.centers.reduce((n, c) => n + c.channels.length, 0);
  const probeable = load.centers.reduce((n, c) => n + c.channels.filter((ch) => ch.target).length, 0);
  out.write(`${file}: ${load.centers.length} centers, ${channels} channels (${probeable} probeable), ${errors.length} errors, ${warnings.length} warnings\n`);
  return errors.length ? 1 : 0;
}

async function probersFor(config: Config): Promise<{ probers: ProberSet; rules: ClassifierRules; canary: CanaryMonitor }> {
  const website = websiteProberFor(config);
  // Phones get a Lookup only: a call from the CLI would ring a help line with no webhook to answer it.
  const { settings } = twilioSettingsFromEnv(process.env);
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
  const load = loadRegistry(config.registry.file);
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
