/**
 * prune: apply each project's retention policy to where its sets live (branch, artifacts, the
 * local output directory). The policy is pure (catalog/retention.ts); this does the I/O.
 */
import { readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseBackupJson } from '../catalog/backup-json.js';
import { setIdToDate, SET_MARKER } from '../catalog/naming.js';
import { applyRetention, type RetentionSet } from '../catalog/retention.js';
import type { Destination, ProjectConfig } from '../config/types.js';
import { BackupError, StorageError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import {
  createOctokit,
  deleteArtifacts,
  listBackupArtifacts,
  parseArtifactName,
} from '../stores/artifact-retention.js';
import { readBranchManifest, removeSetsFromBranch } from '../stores/branch.js';
import { collectLocalObjects } from '../objects/gc.js';
import { findSetDirs } from '../set/verify.js';
import { branchTargetFor, type GitHubContext } from './store.js';

export interface PruneOptions {
  github: GitHubContext;
  logger: Logger;
  workDir: string;
  /** The local output directory (for the `local` destination). */
  outDir: string;
  dryRun: boolean;
  now: Date;
  signal?: AbortSignal;
}

export interface PruneResult {
  project: string;
  destination: Destination;
  kept: { id: string; reasons: string[] }[];
  removed: string[];
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
  for (const project of projects) {
    const policy = project.retention;
    if (!policy) continue;
    for (const destination of project.destinations) {
      try {
        const list = listers[destination];
        const { sets, remove } = await list(project, options);
        const decision = applyRetention(sets, policy, options.now);
        const removed = decision.remove.map((s) => s.id);
        const verb = options.dryRun ? 'would remove' : 'removing';
        options.logger.info(
          `${project.name} (${destination}): keeping ${decision.keep.length}, ${verb} ${removed.length}` +
            (removed.length ? `: ${removed.join(', ')}` : ''),
        );
        if (!options.dryRun && removed.length > 0) await remove(removed);
        outcome.results.push({
          project: project.name,
          destination,
          kept: decision.keep.map((k) => ({ id: k.set.id, reasons: k.reasons })),
          removed,
        });
      } catch (err) {
        const error =
          err instanceof BackupError ? err : new StorageError(errorMessage(err), { cause: err });
        options.logger.error(`${project.name} (${destination}): ${error.message}`);
        outcome.failures.push({ project: project.name, error });
      }
    }
  }
  return outcome;
}

interface Listing {
  sets: RetentionSet[];
  remove: (ids: string[]) => Promise<void>;
}

const listers: Record<
  Destination,
  (project: ProjectConfig, options: PruneOptions) => Promise<Listing>
> = {
  async branch(project, options) {
    const target = branchTargetFor(project, options.github);
    const manifest = await readBranchManifest(target, options);
    const entries = (manifest?.sets ?? []).filter((e) => e.project === project.name);
    return {
      sets: entries.map((e) => ({
        id: e.set_id,
        time: new Date(e.started_at),
        status: e.status,
        drilled: e.drill?.ok === true,
      })),
      remove: async (ids) => {
        const paths = ids.map((id) => `${project.name}/${id}`);
        await removeSetsFromBranch(paths, target, {
          workDir: options.workDir,
          logger: options.logger,
          signal: options.signal,
        });
      },
    };
  },

  async artifact(project, options) {
    const { repository, token, apiUrl } = options.github;
    if (!repository || !token) {
      throw new StorageError(
        'pruning artifacts needs the repository and a token (github-token, with actions: write)',
      );
    }
    const [owner = '', repo = ''] = repository.split('/');
    const octokit = await createOctokit(token, apiUrl);
    const idsBySet = new Map<string, number[]>();
    for (const a of await listBackupArtifacts(octokit, { owner, repo }, project.artifact_prefix)) {
      const name = parseArtifactName(project.artifact_prefix, a.name);
      if (a.expired || name?.project !== project.name) continue;
      idsBySet.set(name.setId, [...(idsBySet.get(name.setId) ?? []), a.id]);
    }
    return {
      sets: [...idsBySet.keys()].map((id) => ({
        id,
        time: setIdToDate(id),
        status: 'ok' as const,
      })),
      remove: (ids) =>
        deleteArtifacts(
          octokit,
          { owner, repo },
          ids.flatMap((id) => idsBySet.get(id) ?? []),
          options.logger,
        ),
    };
  },

  async local(project, options) {
    const dirs = await findSetDirs(join(options.outDir, project.name)).catch(() => []);
    const sets: RetentionSet[] = [];
    for (const dir of dirs) {
      const text = await readFile(join(dir, SET_MARKER), 'utf8').catch(() => null);
      const manifest =
        text === null
          ? null
          : (() => {
              try {
                return parseBackupJson(text);
              } catch {
                return null; // an unreadable set is not the policy's business: it is never counted
              }
            })();
      sets.push({
        id: basename(dir),
        time: manifest ? new Date(manifest.started_at) : setIdToDate(basename(dir)),
        status: manifest ? 'ok' : 'incomplete',
        drilled: manifest?.drill?.ok === true,
      });
    }
    const root = dirs[0] ? dirname(dirs[0]) : join(options.outDir, project.name);
    return {
      sets,
      remove: async (ids) => {
        for (const id of ids) await rm(join(root, id), { recursive: true, force: true });
        // Storage objects only the removed sets referenced go with them.
        await collectLocalObjects(root, options.logger);
      },
    };
  },
};
