/**
 * What plan knows of each project's sets, from every place they go that can be read from here
 * (through the one Destination interface) and the local output directory: the start of the newest
 * good set (is it due?) and the duration and size of the newest ones (how heavy is its job?).
 * Reading a place that fails is a warning, never a skipped backup: a project whose sets cannot
 * be found is due. Destinations are shared between projects, so a branch's manifest is read once.
 */
import type { ProjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { LastRun } from '../schedule/pack.js';
import type { ListedSet } from './destination.js';
import { Destinations, withOutputDirectory } from './registry.js';
import type { GitHubContext } from '../github/context.js';

export interface LookupOptions {
  /** Undefined outside GitHub: only the local directory (and s3) is looked at. */
  github?: GitHubContext | undefined;
  /** The local output directory (`--out`, `out-dir`); undefined = not looked at. */
  outDir?: string | undefined;
  logger: Logger;
  workDir: string;
  signal?: AbortSignal | undefined;
  /** Where destinations read their credentials (the s3 destination's variables). */
  env?: Record<string, string | undefined>;
}

export interface ProjectSets {
  /** The start of the newest good set anywhere; undefined = none found. */
  lastGood: Date | undefined;
  /** The duration and size of the newest sets that record them. */
  lastRun: LastRun;
}

/** A reader whose calls share the destinations they opened (one manifest read per branch). */
export function catalogReader(options: LookupOptions) {
  const destinations = new Destinations(options);
  return async (projects: readonly ProjectConfig[]): Promise<Map<string, ProjectSets>> => {
    const out = new Map<string, ProjectSets>();
    for (const project of projects) {
      const found: ListedSet[] = [];
      // The output directory is always looked at (a CLI run's sets are there whatever the config says).
      for (const destination of destinations.reachable(
        project,
        withOutputDirectory(project.destinations),
      )) {
        try {
          const sets = await destination.list(project.name);
          found.push(...sets.filter((s) => s.status === 'ok' && !Number.isNaN(s.time.getTime())));
        } catch (err) {
          options.logger.warning(
            `${project.name}: cannot read the sets in ${destination.where} (${errorMessage(err)}); planning without them`,
          );
        }
      }
      out.set(project.name, summarize(found));
    }
    return out;
  };
}

/** The start of each project's newest good set, over every place its sets go; undefined = none. */
export async function lastGoodSets(
  projects: readonly ProjectConfig[],
  options: LookupOptions,
): Promise<Map<string, Date | undefined>> {
  const sets = await catalogReader(options)(projects);
  return new Map([...sets].map(([name, s]) => [name, s.lastGood]));
}

function summarize(found: ListedSet[]): ProjectSets {
  const newestFirst = [...found].sort((a, b) => b.time.getTime() - a.time.getTime());
  const lastRun: LastRun = {};
  const timed = newestFirst.find((f) => f.durationMs !== undefined);
  const sized = newestFirst.find((f) => f.bytes !== undefined);
  if (timed) lastRun.duration_ms = timed.durationMs;
  if (sized) lastRun.bytes = sized.bytes;
  return { lastGood: newestFirst[0]?.time, lastRun };
}
