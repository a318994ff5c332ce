/**
 * The recent sets of each project, for the summary's charts: from every destination whose
 * listing carries sizes and run times (a catalog: the branch's and the bucket's manifest.json,
 * the local output directory), merged by set id. A place that cannot be read is a debug line:
 * the charts are a nicety, never a reason to fail a run.
 */
import type { ProjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { CHART_SETS, type HistoryPoint } from '../report/charts.js';
import { Destinations, withOutputDirectory } from '../destinations/registry.js';
import type { GitHubContext } from '../github/context.js';

export interface HistoryOptions {
  github?: GitHubContext | undefined;
  outDir?: string | undefined;
  env?: Record<string, string | undefined>;
  logger: Logger;
  workDir: string;
  signal?: AbortSignal | undefined;
}

export async function readHistory(
  projects: readonly ProjectConfig[],
  options: HistoryOptions,
): Promise<Map<string, HistoryPoint[]>> {
  const destinations = new Destinations(options);
  const out = new Map<string, HistoryPoint[]>();
  for (const project of projects) {
    const byId = new Map<string, HistoryPoint>();
    for (const d of destinations.reachable(project, withOutputDirectory(project.destinations))) {
      if (!d.catalogued) continue;
      try {
        for (const s of await d.list(project.name)) {
          if (s.status !== 'ok' || s.bytes === undefined) continue;
          byId.set(s.setId, { set_id: s.setId, bytes: s.bytes, duration_ms: s.durationMs ?? 0 });
        }
      } catch (err) {
        options.logger.debug(`${project.name}: no history from ${d.where} (${errorMessage(err)})`);
      }
    }
    const points = [...byId.values()].sort((a, b) => a.set_id.localeCompare(b.set_id));
    out.set(project.name, points.slice(-CHART_SETS));
  }
  return out;
}
