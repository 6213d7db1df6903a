// `npm start`: the daemon on its embedded defaults (./data, the default registry, 127.0.0.1:8080).
// A start that fails prints one line naming the setting or path and exits with a sysexits code
// (docs/operating.md, "Exit codes at start"); the log keeps the details.
//
// The process is split in two (docs/operating.md, "Health and readiness"): this thread is the front
// (src/daemon/front.ts), which owns the public socket and never touches the disk, and the daemon
// itself runs in a worker thread, so /healthz and /readyz answer even while the disk blocks it.

import closeWithGrace from 'close-with-grace';
import type { Logger } from 'pino';
import { loadConfig } from './config/config.ts';
import { CoreStartRefused, startFront } from './daemon/front.ts';
import { refusalOf } from './daemon/startup-failure.ts';
import { createLogger } from './log.ts';

function refuse(err: unknown, log: Logger | null): never {
  // The core has logged its own refusal; the front prints the line it prepared.
  if (err instanceof CoreStartRefused) {
    process.stderr.write(err.stderr);
    process.exit(err.code);
  }
  const refusal = refusalOf(err);
  log?.fatal(refusal.fields, refusal.message);
  process.stderr.write(refusal.stderr);
  process.exit(refusal.code);
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
  // The core, a worker thread, writes its own lines: its stdout is never a terminal, so the front decides.
  const pretty = config.log.format === 'pretty' || (config.log.format === 'auto' && process.stdout.isTTY === true);
  const log = createLogger({ level: config.log.level, pretty });
  // SIGHUP means "reload the registry" here (a daemon convention), not "shut down", from the start
  // (one during start-up is moot: the file is being read); the core, a worker thread, gets no
  // signals of its own.
  let front: Awaited<ReturnType<typeof startFront>> | null = null;
  process.on('SIGHUP', () => front?.reload());
  try {
    front = await startFront(config, log, { pretty });
    closeWithGrace({ delay: SHUTDOWN_GRACE_MS, logger: log, skip: ['SIGHUP'] }, async ({ signal, err }) => {
      if (err) log.error({ err }, 'stopping after an unexpected error');
      else log.info({ signal }, 'stopping');
      await front?.stop();
    });
    void front.failed.then(async (reason) => {
      log.fatal({ reason }, 'the daemon failed; stopping');
      setTimeout(() => {
        log.error(`killed by timeout (${SHUTDOWN_GRACE_MS}ms)`);
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
      await front?.stop();
      process.exit(1);
    });
  } catch (err) {
    refuse(err, log);
  }
}

if (import.meta.main) await main();
