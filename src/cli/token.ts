// `reachwatch token`: API tokens on the database of the configured data dir (same config and
// environment as `start`). SQLite in WAL mode lets this run beside the daemon, which reads the token
// table on every request, so a revocation takes effect at the next request.

import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROLES, TokenInputError, Tokens, isRole } from '../auth/tokens.ts';
import { loadConfig } from '../config/config.ts';
import { DB_FILE_NAME, openDatabase, type DB } from '../store/db.ts';
import { EXIT } from './exit-codes.ts';
import { renderTable } from './table.ts';

const TOKEN_USAGE = `Usage:
  reachwatch token create --role <${ROLES.join('|')}> --name <who>
  reachwatch token list [--all]
  reachwatch token revoke <id>
`;

export function tokenCommand(args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
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
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const dataDir = () => loadConfig().dataDir;
  const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  switch (sub) {
    case 'create': {
      if (values.role === undefined || !isRole(values.role)) {
        err.write(`reachwatch token create: ${values.role === undefined ? 'give --role' : `unknown role "${values.role}"`}; the roles are ${ROLES.join(', ')}.\n`);
        return EXIT.usage;
      }
      if (values.name === undefined || positionals.length > 0) {
        err.write(`reachwatch token create: give --name <who holds it>, e.g. --name a.researcher.\n\n${TOKEN_USAGE}`);
        return EXIT.usage;
      }
      const db = openTokenDb(dataDir(), true);
      try {
        const { token: t, secret } = new Tokens(db).create({ name: values.name, role: values.role, createdBy: cliActor() });
        out.write(`Created ${t.id} for "${t.name}" with the ${t.role} role.\n${secret}\n`);
        out.write('This secret cannot be shown again (only its hash is stored): give it to its holder now.\n');
        out.write('It is sent as "Authorization: Bearer <secret>". Revoke it with: reachwatch token revoke ' + t.id + '\n');
        return EXIT.ok;
      } catch (e) {
        if (e instanceof TokenInputError) {
          err.write(`reachwatch token create: ${e.message}\n`);
          return EXIT.usage;
        }
        throw e;
      } finally {
        db.close();
      }
    }
    case 'list': {
      if (positionals.length > 0 || values.role !== undefined || values.name !== undefined) {
        err.write(`reachwatch token list: takes no arguments but --all.\n\n${TOKEN_USAGE}`);
        return EXIT.usage;
      }
      const dir = dataDir();
      const db = openTokenDb(dir, false);
      if (!db) {
        out.write(`No database in ${dir} yet, so no tokens.\n`);
        return EXIT.ok;
      }
      try {
        const list = new Tokens(db).list({ includeRevoked: values.all });
        if (list.length === 0) out.write(values.all ? 'No tokens.\n' : 'No tokens in force (--all shows revoked ones).\n');
        else {
          const rows = list.map((t) => [t.id, t.role, iso(t.createdAt), t.createdBy, iso(t.lastUsedAt) || 'never', t.revokedAt ? `revoked ${iso(t.revokedAt)}` : 'active', t.name]);
          out.write(renderTable(['id', 'role', 'created', 'created by', 'last used', 'state', 'name'], rows));
        }
        return EXIT.ok;
      } finally {
        db.close();
      }
    }
    case 'revoke': {
      const id = positionals[0];
      if (id === undefined || positionals.length > 1 || values.role !== undefined || values.name !== undefined) {
        err.write(`reachwatch token revoke: name one token id (see reachwatch token list).\n\n${TOKEN_USAGE}`);
        return EXIT.usage;
      }
      const dir = dataDir();
      const db = openTokenDb(dir, false);
      if (!db) {
        err.write(`reachwatch token revoke: no database in ${dir}, so no token ${id}.\n`);
        return EXIT.problem;
      }
      try {
        const r = new Tokens(db).revoke(id);
        if (r.result === 'not_found') {
          err.write(`reachwatch token revoke: no token ${id} (see reachwatch token list).\n`);
          return EXIT.problem;
        }
        if (r.result === 'already_revoked') {
          err.write(`reachwatch token revoke: ${id} ("${r.token.name}") was already revoked at ${iso(r.token.revokedAt)}.\n`);
          return EXIT.problem;
        }
        out.write(`Revoked ${id} ("${r.token.name}", ${r.token.role}): requests with it are refused from now on.\n`);
        return EXIT.ok;
      } finally {
        db.close();
      }
    }
    default:
      err.write(`reachwatch token: ${sub === undefined ? 'name a subcommand' : `unknown subcommand "${sub}"`}.\n\n${TOKEN_USAGE}`);
      return EXIT.usage;
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
export function cliActor(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment's USER will do.
  }
  return `cli (${user})`;
}

