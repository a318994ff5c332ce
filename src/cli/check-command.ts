/** `supabase-backup check`: how old each project's newest good set is, at every destination. */
import { parseArgs } from 'node:util';
import { checkCommand as check } from '../commands/check.js';
import { UsageError } from '../errors.js';
import { renderCheckText } from '../monitor/check-table.js';
import {
  cliPorts,
  CLI_ISSUE_ALERTS_NEED,
  COMMON,
  CONFIG,
  JSON_OUT,
  OUT,
  printHelp,
  PROJECTS,
  type CommandContext,
} from './args.js';

export async function checkCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { io, logger } = ctx;
  const { values } = parseArgs({
    args,
    options: { ...COMMON, ...CONFIG, ...PROJECTS, ...OUT, ...JSON_OUT, at: { type: 'string' } },
  });
  if (values.help) return printHelp(io, ctx.help);
  const at = values.at === undefined ? undefined : new Date(values.at);
  if (at && Number.isNaN(at.getTime()))
    throw new UsageError(`--at: "${values.at}" is not a time such as 2026-11-22T03:15:00Z`);
  const { outcome } = await check(
    {
      configPath: values.config,
      projects: values.project ?? [],
      outDir: values.out,
      at,
      issueAlertsNeed: CLI_ISSUE_ALERTS_NEED,
    },
    cliPorts(ctx),
  );
  const redact = (t: string) => logger.redactor.redact(t);
  io.stdout(
    redact(values.json ? JSON.stringify(outcome, null, 2) : renderCheckText(outcome)) + '\n',
  );
  return outcome.stale.length > 0 ? 1 : 0;
}
