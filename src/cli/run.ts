/** The CLI: argv -> the same commands the action runs. Returns the exit code. */
import { BackupError, errorMessage, UsageError } from '../errors.js';
import { streamLogger } from '../log.js';
import type { CliIo, CommandContext } from './args.js';
import {
  baseSqlCommand,
  planCommand,
  pruneCommand,
  schemaCommand,
  validateCommand,
} from './config-commands.js';
import { checkCommand } from './check-command.js';
import { HELP } from './help.js';
import { backupCommand, restoreCommand, verifyCommand } from './set-commands.js';

export type { CliIo } from './args.js';

const COMMANDS: Record<string, (args: string[], ctx: CommandContext) => Promise<number>> = {
  backup: backupCommand,
  restore: restoreCommand,
  verify: verifyCommand,
  validate: validateCommand,
  prune: pruneCommand,
  plan: planCommand,
  check: checkCommand,
  'base-sql': baseSqlCommand,
  schema: schemaCommand,
};

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(HELP.main + '\n');
    return command ? 0 : 2;
  }
  const help = HELP[command];
  const handler = COMMANDS[command];
  if (!help || !handler) {
    io.stderr(`unknown command "${command}"\n\n${HELP.main}\n`);
    return 2;
  }
  const logger = streamLogger(io.stderr, { debug: rest.includes('--debug') });
  try {
    return await handler(rest, { io, logger, help });
  } catch (err) {
    if (io.signal?.aborted) {
      logger.error('cancelled; partial files were removed');
      return 130;
    }
    logger.error(errorMessage(err));
    if (
      err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.stderr(`\n${help}\n`);
      return 2;
    }
    return err instanceof BackupError ? 1 : 70;
  }
}
