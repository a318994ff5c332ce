/**
 * prune: apply each project's retention policy to every place its sets live. The policy is pure
 * (catalog/retention.ts); each destination lists and removes (src/destinations/destination.ts). A set a
 * destination must keep (object lock, write_only) is reported as retained, never as a failure.
 */
import { applyRetention } from '../catalog/retention.js';
import type { Destination, ProjectConfig } from '../config/types.js';
import { BackupError, StorageError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { Destinations } from './registry.js';
import type { GitHubContext } from '../github/context.js';

export interface PruneOptions {
  github: GitHubContext;
  logger: Logger;
  workDir: string;
  /** The local output directory (for the `local` destination). */
  outDir: string;
  dryRun: boolean;
  now: Date;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

export interface PruneResult {
  project: string;
  destination: Destination;
  kept: { id: string; reasons: string[] }[];
  removed: string[];
  /** Sets the policy would remove that the destination keeps, with why ("retained until ..."). */
  retained?: { id: string; reason: string }[];
}

export interface PruneOutcome {
  results: PruneResult[];
  failures: { project: string; error: BackupError }[];
}

export async function prune(
  projects: ProjectConfig[],
  options: PruneOptions,
): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { results: [], failures: [] };
  const destinations = new Destinations({ ...options, now: () => options.now });
  for (const project of projects) {
    const policy = project.retention;
    if (!policy) continue;
    for (const name of project.destinations) {
      try {
        const destination = destinations.get(name, project);
        const sets = await destination.list(project.name);
        const decision = applyRetention(
          sets.map((s) => ({ id: s.setId, time: s.time, status: s.status, drilled: s.drilled })),
          policy,
          options.now,
        );
        const doomed = decision.remove.map((s) => s.id);
        const verb = options.dryRun ? 'would remove' : 'removing';
        options.logger.info(
          `${project.name} (${name}): keeping ${decision.keep.length}, ${verb} ${doomed.length}` +
            (doomed.length ? `: ${doomed.join(', ')}` : ''),
        );
        const report =
          !options.dryRun && doomed.length > 0
            ? await destination.remove(project.name, doomed)
            : { removed: doomed, retained: [] };
        for (const r of report.retained)
          options.logger.notice(`${project.name} (${name}): kept ${r.setId}: ${r.reason}`);
        outcome.results.push({
          project: project.name,
          destination: name,
          kept: decision.keep.map((k) => ({ id: k.set.id, reasons: k.reasons })),
          removed: report.removed,
          ...(report.retained.length > 0 && {
            retained: report.retained.map((r) => ({ id: r.setId, reason: r.reason })),
          }),
        });
      } catch (err) {
        const error =
          err instanceof BackupError ? err : new StorageError(errorMessage(err), { cause: err });
        options.logger.error(`${project.name} (${name}): ${error.message}`);
        outcome.failures.push({ project: project.name, error });
      }
    }
  }
  return outcome;
}
