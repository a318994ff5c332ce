/**
 * plan: which projects are due at a time, from their schedules and the newest good set each
 * has where its sets go (every destination that can be read from here, and the local output
 * directory). Reading a place that fails is a warning, never a skipped backup: a project
 * whose sets cannot be found is due.
 */
import { selectProjects } from '../config/load.js';
import type { Config, ProjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { matrixOf, planProjects, type MatrixOutput, type PlanDecision } from '../plan/due.js';
import { Destinations, withOutputDirectory } from '../stores/registry.js';
import type { GitHubContext } from './store.js';

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
  logger: Logger;
  workDir: string;
  signal?: AbortSignal | undefined;
  /** Where destinations read their credentials (the s3 destination's variables). */
  env?: Record<string, string | undefined>;
}

export interface PlanOutcome extends MatrixOutput {
  decisions: PlanDecision[];
}

export async function plan(options: PlanOptions): Promise<PlanOutcome> {
  const projects = selectProjects(options.config, options.projects);
  const manual = options.eventName === 'workflow_dispatch';
  // A manual run needs no look-up; neither does a project without a schedule.
  const lookup = manual ? [] : projects.filter((p) => p.schedule !== undefined);
  const lastGood = await lastGoodSets(lookup, options);
  const decisions = planProjects({
    projects,
    at: options.at,
    eventName: options.eventName,
    lastGood,
  });
  for (const d of decisions) {
    const when = d.schedule_text ? ` (${d.schedule_text})` : '';
    options.logger.info(`${d.project}${when}: ${d.due ? 'due' : 'not due'}: ${d.reason}`);
  }
  return { decisions, ...matrixOf(decisions) };
}

type LookupOptions = Pick<
  PlanOptions,
  'github' | 'outDir' | 'logger' | 'workDir' | 'signal' | 'env'
>;

/**
 * The start of each project's newest good set, over every place its sets go that can be read
 * from here, and the local output directory; undefined = none.
 */
export async function lastGoodSets(
  projects: readonly ProjectConfig[],
  options: LookupOptions,
): Promise<Map<string, Date | undefined>> {
  const destinations = new Destinations({ ...options, env: options.env ?? process.env });
  const out = new Map<string, Date | undefined>();
  for (const project of projects) {
    const found: Date[] = [];
    // The output directory is always looked at (a CLI run's sets are there whatever the config says).
    for (const destination of destinations.reachable(
      project,
      withOutputDirectory(project.destinations),
    )) {
      try {
        const sets = await destination.list(project.name);
        found.push(...sets.filter((s) => s.status === 'ok').map((s) => s.time));
      } catch (err) {
        options.logger.warning(
          `${project.name}: cannot read the sets in ${destination.where} (${errorMessage(err)}); planning without them`,
        );
      }
    }
    out.set(project.name, newest(found));
  }
  return out;
}

function newest(dates: Date[]): Date | undefined {
  const valid = dates.filter((d) => !Number.isNaN(d.getTime()));
  return valid.length === 0 ? undefined : new Date(Math.max(...valid.map((d) => d.getTime())));
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
  const outcome = await plan({ ...options, at: options.at ?? new Date() });
  return outcome.decisions.filter((d) => d.due).map((d) => d.project);
}
