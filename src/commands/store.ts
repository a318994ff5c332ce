/**
 * After backup: hand each finished set to its project's destinations (artifact, branch; `local`
 * is the output directory itself), then apply the project's retention policy there.
 */
import type { ProjectConfig } from '../config/types.js';
import { BackupError, StorageError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { uploadSetArtifact } from '../stores/artifact.js';
import { DEFAULT_BRANCH_AUTHOR, pushSetsToBranch, type BranchTarget } from '../stores/branch.js';
import type { ArtifactRecord, FinishedSet } from '../stores/types.js';

/** Where the run is: from the GITHUB_* environment in Actions, or flags and env in the CLI. */
export interface GitHubContext {
  serverUrl: string;
  /** Where the branch destination pushes (default serverUrl): a mirror, another git host, a test server. */
  gitServerUrl?: string;
  apiUrl: string;
  /** owner/name of the workflow's repository. */
  repository: string | undefined;
  runId: string | undefined;
  token: string | undefined;
}

export interface StoreOptions {
  github: GitHubContext;
  logger: Logger;
  workDir: string;
  reason?: string | null;
  signal?: AbortSignal;
}

export interface StoredSet {
  project: string;
  setId: string;
  artifact: ArtifactRecord | null;
  branch: { repository: string; branch: string; commit: string; path: string; url: string } | null;
}

export interface StoreOutcome {
  stored: StoredSet[];
  failures: { project: string; error: BackupError }[];
}

/** The branch target of a project: its own repository or the workflow's. */
export function branchTargetFor(
  project: ProjectConfig,
  github: GitHubContext,
): BranchTarget & { repository: string } {
  const repository = project.repository ?? github.repository;
  if (!repository) {
    throw new StorageError(
      `${project.name}: the branch destination needs a repository: run in GitHub Actions (GITHUB_REPOSITORY) or set repository: owner/name in the config`,
    );
  }
  return {
    repository,
    remoteUrl: `${(github.gitServerUrl || github.serverUrl).replace(/\/$/, '')}/${repository}.git`,
    branch: project.branch,
    token: github.token,
    author: DEFAULT_BRANCH_AUTHOR,
  };
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
      { project: s.project, setId: s.setId, artifact: null, branch: null },
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

  for (const set of sets) {
    const project = byName.get(set.project)!;
    if (!project.destinations.includes('artifact')) continue;
    try {
      const record = await uploadSetArtifact(set, {
        prefix: project.artifact_prefix,
        retentionDays: project.artifact_retention_days,
        logger: options.logger,
        serverUrl: options.github.serverUrl,
        repository: options.github.repository,
        runId: options.github.runId,
        workDir: options.workDir,
      });
      stored.get(set.project)!.artifact = record;
      options.logger.info(
        `${set.project}/${set.setId}: artifact ${record.name} (${record.digest})`,
      );
    } catch (err) {
      fail(set.project, err);
    }
  }

  // One push per branch target, so a run with many projects makes one commit pair per branch.
  const groups = new Map<
    string,
    { target: ReturnType<typeof branchTargetFor>; sets: FinishedSet[] }
  >();
  for (const set of sets) {
    const project = byName.get(set.project)!;
    if (!project.destinations.includes('branch') || !stored.has(set.project)) continue;
    try {
      const target = branchTargetFor(project, options.github);
      const key = `${target.remoteUrl}#${target.branch}`;
      const group = groups.get(key) ?? { target, sets: [] };
      group.sets.push(set);
      groups.set(key, group);
    } catch (err) {
      fail(set.project, err);
    }
  }
  for (const { target, sets: group } of groups.values()) {
    try {
      const result = await pushSetsToBranch(group, target, {
        workDir: options.workDir,
        logger: options.logger,
        reason: options.reason ?? null,
        signal: options.signal,
      });
      for (const set of group) {
        const path = `${set.project}/${set.setId}`;
        const url = `${options.github.serverUrl.replace(/\/$/, '')}/${target.repository}/tree/${target.branch}/${path}`;
        stored.get(set.project)!.branch = {
          repository: target.repository,
          branch: target.branch,
          commit: result.commit,
          path,
          url,
        };
      }
      options.logger.info(
        `pushed ${group.length} set(s) to ${target.repository}@${target.branch} (${result.commit.slice(0, 12)})`,
      );
    } catch (err) {
      for (const set of group) fail(set.project, err);
    }
  }
  return { stored: [...stored.values()], failures };
}
