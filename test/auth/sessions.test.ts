// Board sessions over a real SQLite file, on a clock the test moves: a session lives while used
// (12 hours idle at most) and 7 days at most in all; only the cookie's hash is stored; a revoked
// token's sessions end; the sign-in throttle counts failures per address within its window.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Sessions, SESSION_IDLE_MS, SESSION_MAX_MS, SigninThrottle } from '../../src/auth/sessions.ts';
import { Tokens } from '../../src/auth/tokens.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { tempDir } from '../helpers/tmp.ts';

let db: DB;
let cleanup: () => void;
let now = Date.UTC(2026, 11, 1, 9);
const clock = () => now;

beforeAll(() => {
  const t = tempDir('reachwatch-sessions-');
  cleanup = t.remove;
  db = openDatabase(t.dir);
});

afterAll(() => {
  db?.close();
  cleanup?.();
});

describe('Sessions', () => {
  test('a used session lives up to 7 days, an idle one 12 hours; only the hash of its id is stored', () => {
    const tokens = new Tokens(db, { now: clock });
    const sessions = new Sessions(db, tokens, { now: clock });
    const { secret } = tokens.create({ name: 'a.auditor', role: 'auditor', createdBy: 'test' });
    const opened = sessions.signIn(secret);
    expect(opened).not.toBeNull();
    const id = opened?.id as string;
    const stored = db.prepare('SELECT * FROM board_sessions').all() as { id_hash: string; token_id: string }[];
    expect(stored).toHaveLength(1);
    expect(stored[0]?.id_hash).toBe(createHash('sha256').update(id).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(id);
    expect(JSON.stringify(stored)).not.toContain(secret);
    // Used every 11 hours: still alive after 6 days and 21 hours...
    for (let i = 0; i < 15; i++) {
      now += 11 * 3_600_000;
      expect(sessions.resolve(id)?.actor.name, `after ${(i + 1) * 11} h`).toBe('a.auditor');
    }
    // ...but not 4 hours later, though used 4 hours before: never past 7 days.
    now += 4 * 3_600_000;
    expect(15 * 11 * 3_600_000 + 4 * 3_600_000).toBeGreaterThan(SESSION_MAX_MS);
    expect(sessions.resolve(id)).toBeNull();
    const idle = sessions.signIn(secret)?.id as string;
    now += SESSION_IDLE_MS - 1000;
    expect(sessions.resolve(idle)).not.toBeNull();
    now += SESSION_IDLE_MS + 1000;
    expect(sessions.resolve(idle)).toBeNull();
  });

  test('a wrong token opens nothing; revoking a token ends its sessions; the legacy token works while configured', () => {
    const tokens = new Tokens(db, { now: clock, legacyOperatorToken: 'legacy-secret-0123456789' });
    const sessions = new Sessions(db, tokens, { now: clock });
    expect(sessions.signIn('rw_0123456789abcdef_nope')).toBeNull();
    const c = tokens.create({ name: 'b.operator', role: 'operator', createdBy: 'test' });
    const id = sessions.signIn(c.secret)?.id as string;
    expect(sessions.resolve(id)?.actor.role).toBe('operator');
    tokens.revoke(c.token.id);
    expect(sessions.resolve(id)).toBeNull();
    const legacy = sessions.signIn('legacy-secret-0123456789')?.id as string;
    expect(sessions.resolve(legacy)?.actor.name).toBe('operator (REACHWATCH_OPERATOR_TOKEN)');
    // The same database, the environment's token gone: its sessions end.
    expect(new Sessions(db, new Tokens(db, { now: clock }), { now: clock }).resolve(legacy)).toBeNull();
  });
});

describe('SigninThrottle', () => {
  test('refuses an address after max failures within the window, until the oldest leaves it; others are not affected', () => {
    const t = new SigninThrottle(3, 60_000);
    const at = 1_000_000;
    t.failed('a', at);
    t.failed('a', at + 10_000);
    expect(t.waitFor('a', at + 20_000)).toBe(0);
    t.failed('a', at + 20_000);
    expect(t.waitFor('a', at + 30_000)).toBe(30_000);
    expect(t.waitFor('b', at + 30_000)).toBe(0);
    expect(t.waitFor('a', at + 60_001)).toBe(0);
    t.succeeded('a');
    expect(t.waitFor('a', at + 60_002)).toBe(0);
  });
});
