/**
 * After backup: hand each finished set to its project's destinations, in the order artifact,
 * branch, s3, local (a project that fails at one goes no further). Projects sharing a
 * destination (one branch, one bucket prefix) are stored there in one call.
 */
import { DESTINATIONS, type ProjectConfig } from '../config/types.js';
import { BackupError, StorageError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Destination } from '../destinations/destination.js';
import { Destinations } from '../destinations/registry.js';
import type { FinishedSet, GitHubContext, Receipts } from '../destinations/types.js';

export { branchTargetFor } from '../destinations/branch/destination.js';

export interface StoreOptions {
  github: GitHubContext;
  logger: Logger;
  workDir: string;
  env?: Record<string, string | undefined>;
  /** The local output directory (the `local` destination). */
  outDir?: string | undefined;
  reason?: string | null;
  signal?: AbortSignal;
}

export type StoredSet = {
  project: string;
  setId: string;
} & { [N in Exclude<keyof Receipts, 'local'>]: Receipts[N] | null };

export interface StoreOutcome {
  stored: StoredSet[];
  failures: { project: string; error: BackupError }[];
}

export async function storeSets(
  sets: FinishedSet[],
  projects: ProjectConfig[],
  options: StoreOptions,
): Promise<StoreOutcome> {
  const byName = new Map(projects.map((p) => [p.name, p]));
  const stored = new Map<string, StoredSet>(
    sets.map((s) => [
      s.project,
      { project: s.project, setId: s.setId, artifact: null, branch: null, s3: null },
    ]),
  );
  const failures: StoreOutcome['failures'] = [];
  const fail = (project: string, err: unknown) => {
    const error =
      err instanceof BackupError ? err : new StorageError(errorMessage(err), { cause: err });
    options.logger.error(`${project}: ${error.message}`);
    failures.push({ project, error });
    stored.delete(project);
  };
  const destinations = new Destinations(options);

  for (const name of DESTINATIONS) {
    const groups = new Map<Destination, FinishedSet[]>();
    for (const set of sets) {
      const project = byName.get(set.project)!;
      if (!project.destinations.includes(name) || !stored.has(set.project)) continue;
      try {
        const d = destinations.get(name, project, 'store');
        groups.set(d, [...(groups.get(d) ?? []), set]);
      } catch (err) {
        fail(set.project, err);
      }
    }
    for (const [d, group] of groups) {
      const results = await d.store(group);
      for (const r of results) {
        if (!r.ok) fail(r.project, r.error);
        else if (r.record !== null) record(stored.get(r.project)!, d.name, r.record);
      }
    }
  }
  return { stored: [...stored.values()], failures };
}

function record<N extends keyof Receipts>(to: StoredSet, name: N, value: Receipts[N]): void {
  (to as unknown as Record<string, unknown>)[name] = value;
}
