// An API app over a fresh SQLite file in a temporary directory, with the default config and
// alerting, and no monitor: what the tests of the HTTP surface alone build.

import pino from 'pino';
import { buildApp, type App, type AppDeps } from '../../src/api/app.ts';
import { buildConfig } from '../../src/config/config.ts';
import { createAlerting } from '../../src/daemon/alerting.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { tempDir } from './tmp.ts';

export interface TestApp {
  db: DB;
  app: App;
  /** The data folder (clips are kept under it when `audio` is asked for). */
  dir: string;
  /** Closes the app and the database, and removes the directory. */
  close: () => Promise<void>;
}

export async function buildTestApp(deps: Partial<Pick<AppDeps, 'operatorToken' | 'vantagePointsOf' | 'publicUrl' | 'logger'>> & { audio?: boolean } = {}): Promise<TestApp> {
  const t = tempDir();
  const db = openDatabase(t.dir);
  const config = buildConfig({}, {}, null, (k) => k.join('.'), t.dir);
  const alerting = await createAlerting(db, config, pino({ level: 'silent' }), null);
  const { audio, ...rest } = deps;
  const app = await buildApp({ db, monitor: null, alerting, logger: pino({ level: 'silent' }), ...rest, ...(audio ? { audio: { dataDir: t.dir } } : {}) });
  return {
    db,
    app,
    dir: t.dir,
    close: async () => {
      await app.close();
      db.close();
      t.remove();
    },
  };
}
