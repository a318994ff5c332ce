/**
 * plan: which projects are due at a time, from their schedules and the newest good set each
 * has where its sets go (every destination readable from here, and the local output directory;
 * plan-catalog.ts), and the job matrix that backs them up: at most
 * max-jobs entries, balanced by the last duration and size of each project's sets.
 */
import { loadConfigFile, selectProjects } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { matrixOf, planProjects, type MatrixOutput, type PlanDecision } from '../schedule/due.js';
import { checkFits, JOB_TIME_LIMIT_MS, MAX_MATRIX_JOBS, parseMaxJobs } from '../schedule/pack.js';
import { catalogReader, type ProjectSets } from '../destinations/catalog-reader.js';
import type { GitHubContext } from '../github/context.js';
import { catalogAccess, type Ports } from './ports.js';

export { lastGoodSets } from '../destinations/catalog-reader.js';

export interface PlanOptions {
  config: Config;
  /** Project names (or comma lists); empty = all. */
  projects: string[];
  at: Date;
  /** GITHUB_EVENT_NAME; workflow_dispatch makes every selected project due. */
  eventName?: string | undefined;
  /** Undefined outside GitHub: only the local directory is looked at. */
  github?: GitHubContext | undefined;
  /** The local output directory (`--out`, `out-dir`); undefined = not looked at. */
  outDir?: string | undefined;
  /** At most this many matrix entries (1-256; default 256). */
  maxJobs?: number | undefined;
  logger: Logger;
  workDir: string;
  signal?: AbortSignal | undefined;
  /** Where destinations read their credentials (the s3 destination's variables). */
  env?: Record<string, string | undefined>;
}

export interface PlanOutcome extends MatrixOutput {
  decisions: PlanDecision[];
}

export interface PlanCommandOptions {
  configPath: string;
  /** Project names (or comma lists); empty = all. */
  projects: string[];
  at: Date;
  maxJobs?: number | undefined;
  /** The local output directory whose sets count too; undefined = not looked at. */
  outDir?: string | undefined;
}

/** The plan command: the due projects at `at` and the job matrix that backs them up. */
export async function planCommand(
  options: PlanCommandOptions,
  ports: Ports,
): Promise<PlanOutcome & { config: Config }> {
  const config = await loadConfigFile(options.configPath);
  const outcome = await plan({
    ...catalogAccess(ports, options.outDir),
    config,
    projects: options.projects,
    at: options.at,
    eventName: ports.eventName,
    maxJobs: options.maxJobs,
  });
  return { ...outcome, config };
}

async function plan(options: PlanOptions): Promise<PlanOutcome> {
  const maxJobs = parseMaxJobs('max-jobs', String(options.maxJobs ?? MAX_MATRIX_JOBS));
  const read = catalogReader(options);
  const { projects, decisions, sets } = await decide(options, read);
  const due = new Set(decisions.filter((d) => d.due).map((d) => d.project));
  checkFits(due.size, maxJobs);
  // Packing weighs the due projects by their last sets; one per job needs no weights.
  if (due.size > maxJobs) {
    const unread = projects.filter((p) => due.has(p.name) && !sets.has(p.name));
    for (const [name, s] of await read(unread)) sets.set(name, s);
  }
  const matrix = matrixOf(decisions, lastRuns(sets), maxJobs);
  for (const job of matrix.jobs) {
    if (job.estimate_ms !== null && job.estimate_ms > JOB_TIME_LIMIT_MS)
      options.logger.warning(
        `job ${job.job} (${job.projects.length} project(s)) is estimated at ` +
          `${(job.estimate_ms / 3_600_000).toFixed(1)} h from the last backups; GitHub stops a job ` +
          `after 6 hours${maxJobs < MAX_MATRIX_JOBS ? ': raise max-jobs' : ''}`,
      );
  }
  const outputBytes = Buffer.byteLength(JSON.stringify(matrix.matrix));
  if (outputBytes > MAX_OUTPUT_BYTES)
    options.logger.warning(
      `the matrix output is ${outputBytes} bytes; GitHub keeps at most 1 MB of a job output: ` +
        'split the config into several workflows',
    );
  return { decisions, ...matrix };
}

/** GitHub's limit on one job output (the matrix travels as one). */
const MAX_OUTPUT_BYTES = 1_000_000;

/** The due decisions, from the newest good sets of the projects with a schedule. */
async function decide(options: PlanOptions, read: ReturnType<typeof catalogReader>) {
  const projects = selectProjects(options.config, options.projects);
  const manual = options.eventName === 'workflow_dispatch';
  // A manual run needs no look-up; neither does a project without a schedule.
  const lookup = manual ? [] : projects.filter((p) => p.schedule !== undefined);
  const sets = await read(lookup);
  const decisions = planProjects({
    projects,
    at: options.at,
    eventName: options.eventName,
    lastGood: new Map([...sets].map(([name, s]) => [name, s.lastGood])),
  });
  for (const d of decisions) {
    const when = d.schedule_text ? ` (${d.schedule_text})` : '';
    options.logger.info(`${d.project}${when}: ${d.due ? 'due' : 'not due'}: ${d.reason}`);
  }
  return { projects, decisions, sets };
}

function lastRuns(sets: ReadonlyMap<string, ProjectSets>) {
  return new Map([...sets].map(([name, s]) => [name, s.lastRun]));
}

/**
 * For `backup` triggered by `schedule`: the selected project names that are due now (every
 * selected one on any other trigger). Give the result to runBackup as `projects`; an empty
 * list means nothing is due (do not pass it on: runBackup reads [] as "all").
 */
export async function dueForBackup(
  options: Omit<PlanOptions, 'at'> & { at?: Date },
): Promise<string[]> {
  const selected = selectProjects(options.config, options.projects);
  if (options.eventName !== 'schedule') return selected.map((p) => p.name);
  const at = options.at ?? new Date();
  const { decisions } = await decide({ ...options, at }, catalogReader(options));
  return decisions.filter((d) => d.due).map((d) => d.project);
}
