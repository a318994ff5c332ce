/** `supabase-backup check`: how old each project's newest good set is, at every destination. */
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { check, renderCheckText, reportCheck } from '../commands/check.js';
import { loadConfigFile, selectProjects } from '../config/load.js';
import { UsageError } from '../errors.js';
import {
  COMMON,
  CONFIG,
  githubFromEnv,
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
  const now = values.at === undefined ? new Date() : new Date(values.at);
  if (Number.isNaN(now.getTime()))
    throw new UsageError(`--at: "${values.at}" is not a time such as 2026-11-22T03:15:00Z`);
  const config = await loadConfigFile(values.config);
  const projects = selectProjects(config, values.project);
  const github = githubFromEnv(ctx);
  const options = {
    github,
    outDir: values.out,
    env: io.env,
    logger,
    workDir: tmpdir(),
    signal: io.signal,
    now,
  };
  const outcome = await check(projects, options);
  const redact = (t: string) => logger.redactor.redact(t);
  io.stdout(
    redact(values.json ? JSON.stringify(outcome, null, 2) : renderCheckText(outcome)) + '\n',
  );
  const runUrl =
    github.repository && github.runId
      ? `${github.serverUrl.replace(/\/$/, '')}/${github.repository}/actions/runs/${github.runId}`
      : null;
  await reportCheck(projects, outcome, { ...options, runUrl, redact });
  return outcome.stale.length > 0 ? 1 : 0;
}
