// What a failed start tells the operator: one line naming the setting or path and what to do, and
// an exit code from sysexits.h, so a supervisor can tell "fix the configuration" from "try again".

import { ConfigError } from '../config/config.ts';
import { SchemaError } from '../store/db.ts';
import { DaemonLockHeld } from '../store/daemon-lock.ts';
import { ListenError } from './listener.ts';
import { RegistryError, formatProblem } from '../registry/load.ts';

export const EXIT = {
  /** EX_SOFTWARE: a bug; the log has the stack. */
  software: 70,
  /** EX_CANTCREAT: the data folder cannot be created or written (a file in its place, read-only disk, permissions). */
  cantCreate: 73,
  /** EX_IOERR: the disk failed or is full. */
  ioError: 74,
  /** EX_TEMPFAIL: another daemon holds the data folder or the port; trying again later may work. */
  tempFail: 75,
  /** EX_CONFIG: a setting is wrong (configuration file, environment, registry, schema). */
  config: 78,
} as const;

export interface StartupFailure {
  code: number;
  /** One line, without the "reachwatch: " prefix. */
  line: string;
}

/** Something went wrong while preparing or opening the data folder (lock file or database). */
export class DataFolderError extends Error {
  override name = 'DataFolderError';
  readonly dataDir: string;
  constructor(dataDir: string, cause: unknown) {
    super(`${dataDir}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.dataDir = dataDir;
  }
}

const codeOf = (err: unknown): string => String((err as { code?: unknown } | null)?.code ?? '');
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();

function dataFolderFailure(dataDir: string, cause: unknown): StartupFailure {
  const code = codeOf(cause);
  const where = `the data folder ${dataDir} (REACHWATCH_DATA_DIR or data_dir)`;
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return { code: EXIT.cantCreate, line: `${where} is not a folder (a file is in the way); point REACHWATCH_DATA_DIR at a folder; nothing was written.` };
  }
  if (code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT') {
    return { code: EXIT.ioError, line: `${where}: the disk is full (${code}); free some space and start again; nothing was written.` };
  }
  if (code === 'EROFS' || code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EPERM' || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM') {
    return {
      code: EXIT.cantCreate,
      line: `${where} cannot be written (${code}: ${messageOf(cause)}); mount it read-write or give this user write permission; nothing was written.`,
    };
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return { code: EXIT.tempFail, line: `${where}: the database is locked by another process (${code}); try again when it is done; nothing was written.` };
  }
  if (code === 'EIO' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return { code: EXIT.ioError, line: `${where}: the disk or the database file failed (${code}: ${messageOf(cause)}); check the disk; nothing was written.` };
  }
  return { code: EXIT.software, line: `${where}: ${messageOf(cause)} (see the log for details).` };
}

/** Decides the exit code and the line for an error that stopped the daemon before it ran. */
export function describeStartupFailure(err: unknown): StartupFailure {
  if (err instanceof ConfigError) {
    const line = err.problems.length === 1 ? `${err.problems[0]}` : `the configuration is not valid: ${err.problems.join(' | ')}`;
    return { code: EXIT.config, line: `${line} Nothing was written.` };
  }
  if (err instanceof SchemaError) return { code: EXIT.config, line: messageOf(err) };
  if (err instanceof DaemonLockHeld) {
    const h = err.holder;
    const who = h ? `pid ${h.pid} on ${h.host}, started ${new Date(h.startedAt).toISOString()}` : 'a process whose details could not be read';
    return {
      code: EXIT.tempFail,
      line: `another reachwatch ${h?.command ?? 'process'} (${who}) is using the data folder ${err.dataDir}; stop it first, or set REACHWATCH_DATA_DIR to another folder; nothing was changed.`,
    };
  }
  if (err instanceof DataFolderError) return dataFolderFailure(err.dataDir, err.cause);
  if (err instanceof ListenError) {
    const at = `HOST=${err.host} PORT=${err.port} (or http.host, http.port)`;
    switch (err.code) {
      case 'EADDRINUSE':
        return { code: EXIT.tempFail, line: `${at}: the port is already in use by another process; stop it or choose a free PORT; nothing was written.` };
      case 'ENOTFOUND':
      case 'EAI_NONAME':
        return { code: EXIT.config, line: `${at}: the host name "${err.host}" cannot be resolved; set HOST to an address of this machine, e.g. 127.0.0.1; nothing was written.` };
      case 'EAI_AGAIN':
        return { code: EXIT.tempFail, line: `${at}: the host name "${err.host}" could not be resolved right now (EAI_AGAIN); try again, or set HOST to an IP address; nothing was written.` };
      case 'EADDRNOTAVAIL':
        return { code: EXIT.config, line: `${at}: ${err.host} is not an address of this machine; set HOST to one of its addresses, e.g. 127.0.0.1; nothing was written.` };
      case 'EACCES':
        return { code: EXIT.config, line: `${at}: this user may not listen on port ${err.port}; choose a PORT above 1023 or grant the capability; nothing was written.` };
      default:
        return { code: EXIT.config, line: `${at}: cannot listen (${err.code}); nothing was written.` };
    }
  }
  // Start-up went past the data folder (or failed elsewhere): the disk's codes still say what to do.
  const code = codeOf(err);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return { code: EXIT.ioError, line: `the disk is full (${code}: ${messageOf(err)}); free some space and start again.` };
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') return { code: EXIT.cantCreate, line: `the database cannot be written (${code}: ${messageOf(err)}); mount the data folder read-write.` };
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return { code: EXIT.ioError, line: `the disk failed (${code}: ${messageOf(err)}); check the disk.` };
  return { code: EXIT.software, line: `could not start: ${messageOf(err)} (a bug: the log has the stack trace).` };
}

/** What a refused start prints and logs: the registry's errors one per line, anything else one line. */
export interface Refusal {
  code: number;
  /** Everything for stderr, newline-terminated. */
  stderr: string;
  /** The fatal log line's fields and message. */
  fields: Record<string, unknown>;
  message: string;
}

export function refusalOf(err: unknown): Refusal {
  if (err instanceof RegistryError) {
    const lines = err.problems.filter((p) => p.severity === 'error').map(formatProblem);
    return {
      code: EXIT.config,
      stderr: `reachwatch: the registry has errors, nothing was changed:\n${lines.map((l) => `  ${l}`).join('\n')}\n`,
      fields: { problems: lines },
      message: `refusing to start: the registry has ${lines.length} error(s); the database was not touched`,
    };
  }
  const failure = describeStartupFailure(err);
  return { code: failure.code, stderr: `reachwatch: ${failure.line}\n`, fields: { err, exitCode: failure.code }, message: failure.line };
}
