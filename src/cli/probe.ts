// `reachwatch check` and `reachwatch validate`: the registry and the probers as the daemon uses them,
// without the daemon and without writing to the database, so what they print is what the daemon would store.

import { parseArgs } from 'node:util';
import type { ClassifierRules } from '../classifier/classifier.ts';
import { loadConfig, type Config } from '../config/config.ts';
import type { Channel } from '../domain.ts';
import { probeOnce, type Attempt } from '../probers/probe-once.ts';
import type { ProberSet } from '../probers/prober.ts';
import { canaryFor, classifierRulesFor, websiteProberFor } from '../probers/from-config.ts';
import { formatProblem, loadRegistry, RegistryError, registryOptionsFor } from '../registry/load.ts';
import type { CanaryMonitor } from '../selfcheck/canary.ts';
import { NOT_CONFIGURED_REASON } from '../status/probeability.ts';
import { EXIT } from './exit-codes.ts';
import { renderTable } from './table.ts';

export function validateCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
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
  return errors.length ? EXIT.problem : EXIT.ok;
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

export async function checkCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, allowPositionals: true });
  if (positionals.length === 0) {
    err.write('reachwatch check: name at least one center or channel id (see `reachwatch validate` for the ids).\n');
    return EXIT.usage;
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
      return EXIT.dataErr;
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
  // For scripts and cron (docs/cli.md, "Exit codes"): 2 when a probed channel is down (the center's
  // failure), else 69 when only our side failed (the classifier's `error`: our network, with the
  // canaries; our Twilio account), else 0. A Lookup's "valid number" is informational, not a failure.
  const informative = results.flatMap((r) => (r.attempt && r.attempt.classification.confirming !== false ? [r.attempt.classification.outcome] : []));
  if (informative.some((o) => o !== 'reachable' && o !== 'error')) return EXIT.down;
  if (informative.includes('error')) return EXIT.unavailable;
  return EXIT.ok;
}

