// Every command of `reachwatch`, in one table: the overview (`reachwatch help`), each command's help
// (`reachwatch help <command>`, `<command> --help`) and docs/cli.md come from the same rows, and a
// test keeps docs/cli.md naming every one. Commands load their code on demand.

import { ROLE_DUTIES } from '../auth/tokens.ts';
import { EXIT_MEANINGS } from './exit-codes.ts';
import { REPORT_USAGE } from './report.ts';
import type { Progress } from './progress.ts';

export interface CliIO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** The progress line for long work: on stderr when it is a terminal, off with --quiet. */
  progress: Progress;
}

export interface CliCommand {
  name: string;
  /** One line for the overview. */
  summary: string;
  /** The whole help: usage lines, options, exit codes that are particular to it. */
  help: string;
  run(args: string[], io: CliIO): Promise<number>;
}

const lines = (...l: string[]) => `${l.join('\n')}\n`;

export const COMMANDS: readonly CliCommand[] = [
  {
    name: 'start',
    summary: 'run the daemon (same as npm start)',
    help: lines('Usage: reachwatch start', '', 'Runs the daemon in the foreground until SIGTERM or Ctrl-C; SIGHUP reloads the registry.', 'Exit codes at start: docs/operating.md, "Exit codes at start".'),
    run: async () => {
      const { main } = await import('../main.ts');
      await main();
      return -1; // keeps running
    },
  },
  {
    name: 'check',
    summary: 'probe a center\'s channels (or one channel) now and print the results',
    help: lines(
      'Usage: reachwatch check <center-or-channel-id>... [--json]',
      '',
      'Probes now, without the daemon and without writing to the database. Phones get a Lookup only (when',
      'Twilio is configured): a call from the CLI would ring a help line with no webhook to answer it.',
      '',
      '  --json     the raw evidence as JSON instead of a table',
      '',
      'Exit: 0 every probed channel reachable; 2 a probed channel is down; 69 only our side failed (our',
      'network or Twilio account: no center is blamed); 65 an id that is in no registry; 64 misuse.',
    ),
    run: async (args, io) => (await import('./probe.ts')).checkCommand(args, io.out, io.err),
  },
  {
    name: 'validate',
    summary: 'check a registry file and list every problem with file, line and field',
    help: lines('Usage: reachwatch validate [<file>]', '', 'Without a file: the registry the configuration names.', 'Exit: 0 no errors (warnings allowed); 1 errors, each listed with file, line and field.'),
    run: async (args, io) => (await import('./probe.ts')).validateCommand(args, io.out, io.err),
  },
  {
    name: 'token',
    summary: 'create, list and revoke API tokens',
    help: lines(
      'Usage:',
      '  reachwatch token create --role <operator|auditor|admin> --name <who>   its secret is printed once',
      '  reachwatch token list [--all]                                         tokens in force (--all: revoked too), never a secret',
      '  reachwatch token revoke <id>                                          refused from the next request on',
      '',
      'Roles:',
      `  operator: ${ROLE_DUTIES.operator}`,
      `  auditor:  ${ROLE_DUTIES.auditor}`,
      `  admin:    ${ROLE_DUTIES.admin}`,
      '',
      'Exit: 0 done; 1 no such token in force; 64 misuse (a bad role or name).',
    ),
    run: async (args, io) => (await import('./token.ts')).tokenCommand(args, io.out, io.err),
  },
  {
    name: 'report',
    summary: 'availability report, or the 2018 thesis table, for auditors (read-only, beside the daemon)',
    help: `${REPORT_USAGE}\nExit: 0 written; 66 no database; 64 misuse (the message names the flag).\n`,
    run: async (args, io) => (await import('./report.ts')).runReportCommand(args, undefined, io.out, io.err, io.progress),
  },
  {
    name: 'verify',
    summary: 'walk the hash chains; name the first changed, inserted, deleted or reordered record',
    help: lines(
      'Usage: reachwatch verify [--head <table>:<id>:<hash>]... [--workers N] [--json] [--db <file>] [--quiet]',
      '',
      '  --head     a head noted earlier (a third party\'s copy): the chain must still contain it, unchanged',
      '  --workers  worker threads (default: up to 4)',
      '  --json     the reports as JSON',
      '',
      'Exit: 0 every chain whole; 1 a record changed, inserted, deleted or reordered (named); 66 no database.',
    ),
    run: async (args, io) => (await import('./evidence.ts')).verifyCommand(args, io.out, io.progress),
  },
  {
    name: 'backup',
    summary: 'consistent copy while the daemon runs (SQLite online backup), then verify it',
    help: lines('Usage: reachwatch backup <file> [--db <file>] [--quiet]', '', 'Never overwrites: <file> must not exist.', 'Exit: 0 written and verified; 1 the copy does not verify; 73 <file> exists or cannot be written; 66 no database.'),
    run: async (args, io) => (await import('./evidence.ts')).backupCommand(args, io.out, io.progress),
  },
  {
    name: 'export',
    summary: 'evidence bundle: NDJSON of probes and status changes, manifest, SHA256SUMS',
    help: lines(
      'Usage: reachwatch export --from <date> --to <date> [--center <id>]... [--region R] [--kind K] --out <folder> [--db <file>] [--quiet]',
      '',
      'Exit: 0 written; 73 <folder> already holds a bundle or cannot be written; 66 no database; 64 misuse.',
    ),
    run: async (args, io) => (await import('./evidence.ts')).exportCommand(args, io.out, io.progress),
  },
  {
    name: 'verify-export',
    summary: 'check a bundle with its own files only',
    help: lines('Usage: reachwatch verify-export <folder>', '', 'Exit: 0 every file matches the manifest and every record its hash; 1 problems (listed).'),
    run: async (args, io) => (await import('./evidence.ts')).verifyExportCommand(args, io.out),
  },
  {
    name: 'prune',
    summary: 'delete raw probes older than a duration (rollups kept; the chain keeps a checkpoint)',
    help: lines('Usage: reachwatch prune --older-than <duration> [--db <file>]', '', 'The duration is at least 62d, e.g. 730d.', 'Exit: 0 done; 75 a daemon runs on the data folder (it prunes by itself with store.retention); 64 misuse.'),
    run: async (args, io) => (await import('./evidence.ts')).pruneCommand(args, io.out),
  },
  {
    name: 'announcements',
    summary: 'label recorded network announcements once, so later calls that play them are classified by the label',
    help: lines(
      'Usage:',
      '  reachwatch announcements label (<file.wav> | --probe <id> [--clip <n|name>]) --name <text> --outcome <class> --reason <reason> [--carrier <name>]',
      '  reachwatch announcements list [--all]          labels in force (--all: removed ones too)',
      '  reachwatch announcements remove <id>           clips no longer match it; its row and history stay',
      '  reachwatch announcements history [<id>]        who labelled or removed what, when (hash-linked)',
      '  reachwatch announcements analyse <file.wav>    the special information tone, the label it matches, the verdict',
      '',
      'Works beside a running daemon (docs/audio.md, "Labelling an announcement").',
      'Exit: 0 done; 1 already labelled, no such label, or the history was altered; 64 misuse (a bad flag, named);',
      '65 a clip or probe that is not there or not a WAV file; 66 a file that cannot be read.',
    ),
    run: async (args, io) => (await import('./announcements.ts')).announcementsCommand(args, (await import('./token.ts')).cliActor(), io.out, io.err),
  },
  {
    name: 'agent',
    summary: 'run this machine as a regional agent of a vantage point: enroll once, then lease, probe and push signed results',
    help: lines(
      'Usage:',
      '  reachwatch agent enroll [--central <url>]   make the Ed25519 key (mode 0600) in agent.data_dir and register it (token: REACHWATCH_AGENT_TOKEN)',
      '  reachwatch agent run [--central <url>]      enroll if needed, then lease the point\'s jobs, probe them, push signed results until SIGTERM',
      '',
      'See docs/agents.md, "Running an agent" (systemd unit: deploy/reachwatch-agent.service; Docker: bin/reachwatch-agent).',
      'Exit: 0 done or stopped cleanly; 64 misuse; 78 a configuration problem (named); 75 the central could not be reached (try again);',
      '77 the central refused the token (revoked or unknown); 1 the central refused the enrollment for another reason (named).',
    ),
    run: async (args, io) => (await import('../agent/command.ts')).agentCommand(args, io.out, io.err),
  },
  {
    name: 'agents',
    summary: 'create, list and revoke regional agents (vantage points); a token is printed once',
    help: lines(
      'Usage:',
      '  reachwatch agents create --name <name> --vantage <point>   its token is printed once',
      '  reachwatch agents list [--all]                              point, health, last heard, queue, clock offset (--all: revoked too)',
      '  reachwatch agents revoke <id|name>                          refused from its next request on; works while the daemon runs',
      '',
      'See docs/agents.md, "Enrolling an agent".',
      'Exit: 0 done; 1 no such agent in force; 64 misuse; 65 an unknown point or a name already taken.',
    ),
    run: async (args, io) => (await import('./agents.ts')).agentsCommand(args, io.out, io.err, (await import('./token.ts')).cliActor()),
  },
  {
    name: 'alerts',
    summary: 'send a test alert to one subscription through the outbox, and say whether it was delivered',
    help: lines(
      'Usage: reachwatch alerts test <subscription-id> [--wait <duration>]',
      '',
      'Queues a test alert (marked as a test, about no center) for that subscription in the outbox and sends it',
      'at once through the same channel as real alerts, one attempt, no retry. If a running daemon claims it',
      'first, waits for the daemon\'s attempt (--wait, default 60s).',
      '',
      'Exit: 0 delivered; 1 not delivered (the receiver refused, or could not be reached); 75 unknown (sent, no',
      'answer: it may have arrived) or no attempt within --wait; 65 no such active subscription; 64 misuse.',
    ),
    run: async (args, io) => (await import('./alerts.ts')).alertsCommand(args, io.out, io.err),
  },
];

export const commandNamed = (name: string): CliCommand | undefined => COMMANDS.find((c) => c.name === name);

export function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return lines(
    'reachwatch: availability monitoring for directories of help services',
    '',
    'Usage: reachwatch <command> [options]      reachwatch help <command>, or <command> --help, for its options',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    `  ${'help'.padEnd(width)}this text; help <command>; help exit-codes`,
    '',
    'Options for every command: --help, --quiet (no progress line). reachwatch --version prints the versions.',
    '',
    'Environment: REACHWATCH_CONFIG (config file), REACHWATCH_DATA_DIR (database folder), REACHWATCH_REGISTRY',
    '(registry file), PORT and HOST (listen address), LOG_LEVEL, REACHWATCH_LOG_FORMAT (auto, json, pretty).',
  );
}

export function exitCodeHelp(): string {
  return lines('Exit codes of every command (docs/cli.md, "Exit codes"):', '', ...EXIT_MEANINGS.map(([code, meaning]) => `  ${String(code).padStart(2)}  ${meaning}`));
}
