// `npm start`: the daemon on its embedded defaults (./data, the default registry, 127.0.0.1:8080).
// A start that fails prints one line naming the setting or path and exits with a sysexits code
// (docs/operating.md, "Exit codes at start"); the log keeps the details.

import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { loadConfig } from './config/config.ts';
import { startDaemon } from './daemon/daemon.ts';
import { describeStartupFailure } from './daemon/startup-failure.ts';
import { createLogger } from './log.ts';
import { RegistryError, formatProblem } from './registry/load.ts';

function refuse(err: unknown, log: Logger | null): never {
  if (err instanceof RegistryError) {
    const lines = err.problems.filter((p) => p.severity === 'error').map(formatProblem);
    log?.fatal({ problems: lines }, `refusing to start: the registry has ${lines.length} error(s); the database was not touched`);
    process.stderr.write(`reachwatch: the registry has errors, nothing was changed:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    process.exit(78);
  }
  const failure = describeStartupFailure(err);
  log?.fatal({ err, exitCode: failure.code }, failure.line);
  process.stderr.write(`reachwatch: ${failure.line}\n`);
  process.exit(failure.code);
}

/**
 * How long a stop (SIGTERM, SIGINT) may take before the process exits anyway. It covers the monitor's
 * 5 s for probes in flight and the alert dispatcher's 3 s, and stays under the 10 s that `docker stop`
 * and compose wait before SIGKILL, so a container is never killed in the middle of its own shutdown.
 */
export const SHUTDOWN_GRACE_MS = 9_000;

export async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    refuse(err, null);
  }
  const log = createLogger({ level: config.log.level, format: config.log.format });
  try {
    const daemon = await startDaemon(config, log);
    // SIGHUP means "reload the registry" here (a daemon convention), not "shut down".
    closeWithGrace({ delay: SHUTDOWN_GRACE_MS, logger: log, skip: ['SIGHUP'] }, async ({ signal, err }) => {
      if (err) log.error({ err }, 'stopping after an unexpected error');
      else log.info({ signal }, 'stopping');
      await daemon.stop();
    });
  } catch (err) {
    refuse(err, log);
  }
}

if (import.meta.main) await main();
