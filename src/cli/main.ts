// `npx reachwatch <command>`. Commands work without the daemon: they read the same config and
// registry and run the same probers and classifier, so what they print is what the daemon would store.
// Every command is a row of COMMANDS (commands.ts); exit codes are EXIT's (exit-codes.ts).

import { ConfigError } from '../config/config.ts';
import { describeStartupFailure } from '../daemon/startup-failure.ts';
import { formatProblem, RegistryError } from '../registry/load.ts';
import { DaemonLockHeld } from '../store/daemon-lock.ts';
import { SchemaError } from '../store/db.ts';
import { PACKAGE_VERSION } from '../util/version.ts';
import { commandNamed, exitCodeHelp, overview, type CliIO } from './commands.ts';
import { dataErrorCode, EXIT, fileErrorCode, NoInputError, OutputExists, UsageError } from './exit-codes.ts';
import { Progress } from './progress.ts';

type Stream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export const versionText = (): string => `reachwatch ${PACKAGE_VERSION} (Node.js ${process.version})\n`;

export async function runCli(argv: string[], out: Stream = process.stdout, err: Stream = process.stderr, opts: { isTTY?: boolean } = {}): Promise<number> {
  const [command, ...given] = argv;
  if (command === '--version' || command === '-V' || command === 'version') {
    out.write(versionText());
    return EXIT.ok;
  }
  if (command === undefined) {
    err.write(overview());
    return EXIT.usage;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    const topic = given[0];
    if (topic === undefined) out.write(overview());
    else if (topic === 'exit-codes') out.write(exitCodeHelp());
    else {
      const c = commandNamed(topic);
      if (!c) {
        err.write(`reachwatch help: no command "${topic}".\n\n${overview()}`);
        return EXIT.usage;
      }
      out.write(c.help);
    }
    return EXIT.ok;
  }
  const c = commandNamed(command);
  if (!c) {
    err.write(`reachwatch: unknown command "${command}".\n\n${overview()}`);
    return EXIT.usage;
  }
  // Every command takes --help and --quiet; its own flags follow.
  if (given.includes('--help') || given.includes('-h')) {
    out.write(c.help);
    return EXIT.ok;
  }
  const quiet = given.includes('--quiet') || given.includes('-q');
  const args = given.filter((a) => a !== '--quiet' && a !== '-q');
  const io: CliIO = { out, err, progress: new Progress({ stream: err, quiet, ...(opts.isTTY !== undefined ? { isTTY: opts.isTTY } : {}) }) };
  try {
    return await c.run(args, io);
  } catch (e) {
    io.progress.done();
    return failed(e, command, err);
  }
}

/** One line on stderr and the code that says whose failure it was (docs/cli.md, "Exit codes"). */
function failed(e: unknown, command: string, err: NodeJS.WritableStream): number {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    // Bad flags of a command, and parseArgs' own complaints about unknown options.
    err.write(`reachwatch ${command}: ${message}\n(reachwatch help ${command} lists its options)\n`);
    return EXIT.usage;
  }
  if (e instanceof NoInputError) {
    err.write(`reachwatch ${command}: ${message}\n`);
    return EXIT.noInput;
  }
  if (e instanceof OutputExists) {
    err.write(`reachwatch ${command}: ${message}\n`);
    return EXIT.cantCreate;
  }
  if (e instanceof ConfigError || e instanceof SchemaError) {
    err.write(`reachwatch: ${message}\n`);
    return EXIT.config;
  }
  if (e instanceof RegistryError) {
    err.write(`reachwatch: the registry has errors:\n${e.problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
    return EXIT.config;
  }
  if (e instanceof DaemonLockHeld) {
    const failure = describeStartupFailure(e);
    err.write(`reachwatch ${command}: ${failure.line}\n`);
    return failure.code;
  }
  if (dataErrorCode(e) !== null) {
    err.write(`reachwatch ${command}: that file is not a reachwatch database, or it is damaged (${message})\n`);
    return EXIT.dataErr;
  }
  const fileCode = fileErrorCode(e);
  if (fileCode !== null) {
    err.write(`reachwatch ${command}: ${message}\n`);
    return fileCode;
  }
  // Not the user's doing: a bug. One line first, then where, for the report.
  err.write(`reachwatch ${command}: internal error (a bug in reachwatch, please report it): ${message}\n${e instanceof Error && e.stack ? `${e.stack}\n` : ''}`);
  return EXIT.software;
}

if (import.meta.main) {
  const code = await runCli(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
}
