// The CLI's exit codes: one meaning each, so a script or cron job can tell a mistake in the command
// line from a finding about a center from a failure of our own (issue 18: code 2 once meant all three).
// Codes 64 and up are sysexits.h's, as the daemon's start-up uses them (docs/operating.md).

export const EXIT = {
  /** Done; the check found nothing wrong. */
  ok: 0,
  /** The check found a problem in what it examined: a broken chain, a registry with errors, a bundle that does not match, an alert not delivered, no such token. */
  problem: 1,
  /** `check`: a probed channel is down (the center's failure, as the classifier decided with our canaries' state). */
  down: 2,
  /** EX_USAGE: a bad flag, a missing argument, an unknown command. */
  usage: 64,
  /** EX_DATAERR: an id or name the data does not have (a center, a channel, a subscription). */
  dataErr: 65,
  /** EX_NOINPUT: no database where the configuration says. */
  noInput: 66,
  /** EX_UNAVAILABLE: our side failed: our network (the canaries failed too) or our Twilio account; no center is blamed. */
  unavailable: 69,
  /** EX_SOFTWARE: a bug in reachwatch; the message says so. */
  software: 70,
  /** EX_CANTCREAT: an output file or folder cannot be written. */
  cantCreate: 73,
  /** EX_IOERR: the disk failed or is full. */
  ioErr: 74,
  /** EX_TEMPFAIL: try again later: a daemon holds the data folder, or an outcome is not known yet. */
  tempFail: 75,
  /** EX_CONFIG: the configuration or the registry is invalid. */
  config: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** For `reachwatch help exit-codes` and docs/cli.md (a test keeps them equal). */
export const EXIT_MEANINGS: readonly [ExitCode, string][] = [
  [EXIT.ok, 'done; nothing wrong found'],
  [EXIT.problem, 'the check found a problem in what it examined (a broken chain, registry errors, a bundle that does not match, an alert not delivered, no such token)'],
  [EXIT.down, '`check`: a probed channel is down (the center\'s failure)'],
  [EXIT.usage, 'misuse: a bad flag, a missing argument, an unknown command (EX_USAGE)'],
  [EXIT.dataErr, 'an id the data does not have: a center, channel or subscription (EX_DATAERR)'],
  [EXIT.noInput, 'no database where the configuration says (EX_NOINPUT)'],
  [EXIT.unavailable, 'our side failed: our network (the canaries too) or our Twilio account; no center is blamed (EX_UNAVAILABLE)'],
  [EXIT.software, 'a bug in reachwatch (EX_SOFTWARE)'],
  [EXIT.cantCreate, 'an output file or folder cannot be written (EX_CANTCREAT)'],
  [EXIT.ioErr, 'the disk failed or is full (EX_IOERR)'],
  [EXIT.tempFail, 'try again later: a daemon holds the data folder, or an alert\'s outcome is not known yet (EX_TEMPFAIL)'],
  [EXIT.config, 'the configuration or the registry is invalid (EX_CONFIG)'],
];

/** A mistake in the command line, named in the message; exits 64. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Nothing to read where the configuration points (no database); exits 66. */
export class NoInputError extends Error {
  override name = 'NoInputError';
}

/** An output that exists already: a backup or a bundle never overwrites; exits 73 (EX_CANTCREAT). */
export class OutputExists extends Error {
  override name = 'OutputExists';
}

/** A file given as a database that is not one (SQLite's NOTADB, CORRUPT): the data's problem, 65. */
export function dataErrorCode(e: unknown): ExitCode | null {
  const code = (e as { code?: unknown }).code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' ? EXIT.dataErr : null;
}

/** Exit code for an error from the file system: the disk's failure (74) or a place we cannot write (73). */
export function fileErrorCode(e: unknown): ExitCode | null {
  const code = (e as { code?: unknown }).code;
  if (code === 'ENOSPC' || code === 'EIO' || code === 'EDQUOT' || code === 'SQLITE_FULL' || code === 'SQLITE_IOERR') return EXIT.ioErr;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') return EXIT.cantCreate;
  return null;
}
