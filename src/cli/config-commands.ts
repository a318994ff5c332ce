/** The CLI commands that read the config and the catalog: validate, prune, plan, and the printers. */
import { parseArgs } from 'node:util';
import { planCommand as plan } from '../commands/plan.js';
import { prune } from '../commands/prune.js';
import { validate } from '../commands/validate.js';
import { configJsonSchemaText } from '../config/json-schema.js';
import { UsageError } from '../errors.js';
import { parseMaxJobs } from '../schedule/pack.js';
import { SUPABASE_BASE_SQL } from '../restore/supabase-base.sql.js';
import {
  cliPorts,
  COMMON,
  CONFIG,
  JSON_OUT,
  OUT,
  printHelp,
  PROJECTS,
  type CommandContext,
} from './args.js';

export async function validateCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { io, logger } = ctx;
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON,
      ...CONFIG,
      base: { type: 'string' },
      'base-ref': { type: 'string' },
      workflows: { type: 'string', default: '.github/workflows' },
    },
  });
  if (values.help) return printHelp(io, ctx.help);
  if (values.base && values['base-ref'])
    throw new UsageError('give --base FILE or --base-ref REF, not both');
  const base = values.base
    ? ({ kind: 'file', path: values.base } as const)
    : values['base-ref']
      ? ({ kind: 'ref', ref: values['base-ref'] } as const)
      : undefined;
  const { config, summary, review } = await validate(
    { configPath: values.config, base, workflowsDir: values.workflows },
    {},
  );
  const { markdown, wiring } = review;
  for (const i of wiring.issues)
    logger.warning(`${config.file}:${i.line}:${i.column}: ${i.message}`);
  io.stdout(
    base
      ? markdown
      : `${config.file}: valid, ${config.projects.length} project(s)\n${summary.map((s) => `  ${s}\n`).join('')}`,
  );
  return 0;
}

export async function pruneCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON,
      ...CONFIG,
      ...PROJECTS,
      ...OUT,
      ...JSON_OUT,
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (values.help) return printHelp(io, ctx.help);
  const outcome = await prune(
    {
      configPath: values.config,
      projects: values.project ?? [],
      outDir: values.out,
      dryRun: values['dry-run'],
    },
    cliPorts(ctx),
  );
  if (values.json) io.stdout(JSON.stringify({ results: outcome.results }, null, 2) + '\n');
  return outcome.failures.length > 0 ? 1 : 0;
}

export async function planCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON,
      ...CONFIG,
      ...PROJECTS,
      ...OUT,
      ...JSON_OUT,
      at: { type: 'string' },
      'max-jobs': { type: 'string' },
    },
  });
  if (values.help) return printHelp(io, ctx.help);
  const maxJobs = parseMaxJobs('--max-jobs', values['max-jobs']);
  const at = values.at === undefined ? new Date() : new Date(values.at);
  if (Number.isNaN(at.getTime()))
    throw new UsageError(`--at: "${values.at}" is not a time such as 2026-11-22T03:15:00Z`);
  const outcome = await plan(
    { configPath: values.config, projects: values.project ?? [], at, maxJobs, outDir: values.out },
    cliPorts(ctx),
  );
  const { decisions, projects, matrix, jobs } = outcome;
  io.stdout(
    values.json
      ? JSON.stringify({ at: at.toISOString(), projects, matrix, jobs, decisions }, null, 2) + '\n'
      : decisions
          .filter((d) => d.due)
          .map((d) => `${d.project}\n`)
          .join(''),
  );
  return 0;
}

/** A command that only prints a text: base-sql, schema. */
function printer(text: () => string) {
  return (args: string[], ctx: CommandContext): Promise<number> => {
    const { values } = parseArgs({ args, options: COMMON });
    if (values.help) return Promise.resolve(printHelp(ctx.io, ctx.help));
    ctx.io.stdout(text());
    return Promise.resolve(0);
  };
}

export const baseSqlCommand = printer(() => SUPABASE_BASE_SQL);
export const schemaCommand = printer(configJsonSchemaText);
