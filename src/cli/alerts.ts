// `reachwatch alerts test <subscription>`: a test alert through the real outbox (src/daemon/alert-test.ts).

import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.ts';
import { sendTestAlert, UnknownSubscription } from '../daemon/alert-test.ts';
import { createLogger } from '../log.ts';
import { parseDuration } from '../scheduler/schedule.ts';
import { openDatabase } from '../store/db.ts';
import { EXIT, UsageError } from './exit-codes.ts';

export async function alertsCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { wait: { type: 'string' } }, allowPositionals: true });
  const [sub, id, ...extra] = positionals;
  if (sub !== 'test') throw new UsageError(sub === undefined ? 'name a subcommand: alerts test <subscription-id>' : `unknown subcommand "${sub}"; the one there is: alerts test <subscription-id>`);
  if (id === undefined || extra.length > 0) throw new UsageError('name one subscription id: alerts test <subscription-id> (GET /api/v1/subscriptions lists them)');
  const waitMs = values.wait === undefined ? 60_000 : parseDuration(values.wait);
  if (waitMs === null || waitMs < 1000 || waitMs > 3_600_000) throw new UsageError(`--wait must be a duration from 1s to 1h, e.g. 30s, not "${values.wait}"`);
  const config = loadConfig();
  const db = openDatabase(config.dataDir);
  try {
    // Delivery problems are in the answer below; the log only adds noise on a terminal.
    const log = createLogger({ level: 'silent' });
    const r = await sendTestAlert(db, config, log, id, { waitMs });
    const by = r.sentBy === 'the running daemon' ? ' (by the running daemon)' : '';
    if (r.outcome === 'delivered') {
      out.write(`delivered: test alert ${r.alertId} to ${r.subscription} (${r.channel})${by}: ${r.detail}\n`);
      return EXIT.ok;
    }
    if (r.outcome === 'failed') {
      err.write(`failed: test alert ${r.alertId} to ${r.subscription} (${r.channel}) was not delivered${by}: ${r.detail}\n`);
      return EXIT.problem;
    }
    err.write(
      r.outcome === 'unknown'
        ? `unknown: test alert ${r.alertId} to ${r.subscription} (${r.channel}) was sent but no answer came${by}; it may have arrived: ${r.detail}\n`
        : `pending: test alert ${r.alertId} to ${r.subscription} (${r.channel}) was claimed by the running daemon and not tried within ${values.wait ?? '60s'}; see GET /api/v1/outbox/${r.alertId}\n`,
    );
    return EXIT.tempFail;
  } catch (e) {
    if (e instanceof UnknownSubscription) {
      err.write(`reachwatch alerts test: ${e.message}.\n`);
      return EXIT.dataErr;
    }
    throw e;
  } finally {
    db.close();
  }
}
