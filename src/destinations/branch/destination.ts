/**
 * The `branch` destination as a Destination: the push, removal and catalog logic is
 * src/destinations/branch/commit.ts; this adds the set-level view (list from manifest.json, open by fetching
 * only the set's files from a blobless clone).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, parseManifest, setPath } from '../../catalog/manifest.js';
import { RestoreError, StorageError } from '../../errors.js';
import { OBJECTS_DIR } from '../../storage/incremental.js';
import { holdsListedObject, OBJECTS_FILE, parseObjectLines } from '../../storage/index-file.js';
import type { RemoteBase } from '../../storage/incremental.js';
import { branchObjectBase } from './object-base.js';
import {
  DEFAULT_BRANCH_AUTHOR,
  pushSetsToBranch,
  readBranchManifest,
  removeSetsFromBranch,
  type BranchTarget,
} from './commit.js';
import {
  runTime,
  type Destination,
  type DestinationContext,
  type ListedSet,
  type OpenedSet,
  type RemoveReport,
  type StoreResult,
} from '../destination.js';
import { describeRemote, GitRepo } from '../../git/repo.js';
import type { FinishedSet, GitHubContext } from '../types.js';

export type RepositoryTarget = BranchTarget & { repository: string };

/** The branch target of a project: its own repository or the workflow's. */
export function branchTargetFor(
  project: { name: string; repository?: string | undefined; branch: string },
  github: GitHubContext,
): RepositoryTarget {
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

export class BranchDestination implements Destination<'branch'> {
  readonly name = 'branch' as const;
  readonly catalogued = true;
  readonly where: string;

  constructor(
    readonly target: RepositoryTarget,
    private readonly ctx: DestinationContext,
    /** The web URL base of set folders: <server>/<repository>/tree/<branch>/. */
    private readonly serverUrl: string,
  ) {
    this.where = `the backup branch ${target.branch} of ${describeRemote(target.remoteUrl)}`;
  }

  /** The catalog, read once until this instance changes the branch (plan and prune ask per project). */
  private manifest: ReturnType<typeof readBranchManifest> | undefined;

  private opts() {
    return {
      workDir: this.ctx.workDir,
      logger: this.ctx.logger,
      reason: this.ctx.reason ?? null,
      signal: this.ctx.signal,
    };
  }

  async store(sets: FinishedSet[]): Promise<StoreResult<'branch'>[]> {
    this.manifest = undefined;
    try {
      const result = await pushSetsToBranch(sets, this.target, this.opts());
      this.ctx.logger.info(
        `pushed ${sets.length} set(s) to ${this.target.repository}@${this.target.branch} (${result.commit.slice(0, 12)})`,
      );
      return sets.map((set) => {
        const path = setPath(set.project, set.setId);
        return {
          project: set.project,
          ok: true,
          record: {
            repository: this.target.repository,
            branch: this.target.branch,
            commit: result.commit,
            path,
            url: `${this.serverUrl.replace(/\/$/, '')}/${this.target.repository}/tree/${this.target.branch}/${path}`,
          },
        };
      });
    } catch (err) {
      return sets.map((s) => ({ project: s.project, ok: false, error: err }));
    }
  }

  async list(project: string): Promise<ListedSet[]> {
    this.manifest ??= readBranchManifest(this.target, this.opts());
    const manifest = await this.manifest.catch((err: unknown) => {
      this.manifest = undefined;
      throw err;
    });
    return (manifest?.sets ?? [])
      .filter((e) => e.project === project)
      .map((e) => ({
        project,
        setId: e.set_id,
        time: new Date(e.started_at),
        status: 'ok' as const,
        drilled: e.drill?.ok === true,
        bytes: e.bytes,
        durationMs: runTime(e.started_at, e.finished_at),
      }));
  }

  async open(project: string, setId?: string): Promise<OpenedSet> {
    const temp = await mkdtemp(join(this.ctx.workDir, 'branch-set-'));
    const cleanup = () => rm(temp, { recursive: true, force: true });
    try {
      const repo = await GitRepo.init(temp, this.target, {
        logger: this.ctx.logger,
        signal: this.ctx.signal,
      });
      await repo.checkBranchName(this.target.branch);
      const tip = await repo.fetchTip(this.target.branch);
      if (!tip) throw new RestoreError(`${this.where}: the branch does not exist`);
      const tree = await repo.listTree(tip);
      const blob = tree.find((e) => e.path === MANIFEST_FILE);
      if (!blob) throw new RestoreError(`${this.where}: the branch has no ${MANIFEST_FILE}`);
      const text = (await repo.readBlobs(tip, [blob.oid])).get(blob.oid) ?? '';
      const sets = parseManifest(text).sets.filter((e) => e.project === project);
      const entry = setId === undefined ? sets.at(-1) : sets.find((e) => e.set_id === setId);
      if (!entry)
        throw new RestoreError(
          `${this.where}: no set ${project}/${setId ?? '(newest)'} in ${MANIFEST_FILE}; nothing was changed`,
        );
      await repo.git(['checkout', '--quiet', tip, '--', `${entry.path}/`], 'checkout');
      // Of the object area every set shares, only the objects this set's list names.
      const list = tree.find((e) => e.path === `${entry.path}/${OBJECTS_FILE}`);
      if (list) {
        const text = (await repo.readBlobs(tip, [list.oid])).get(list.oid) ?? '';
        const area = `${project}/${OBJECTS_DIR}/`;
        const wanted = holdsListedObject(parseObjectLines(text));
        const paths = tree
          .filter((e) => e.path.startsWith(area) && wanted(e.path.slice(area.length)))
          .map((e) => `${e.path}\n`);
        if (paths.length > 0)
          await repo.git(
            ['checkout', '--quiet', tip, '--pathspec-from-file=-'],
            "checkout of the set's storage objects",
            paths.join(''),
          );
      }
      return {
        dir: join(temp, entry.path),
        label: `${this.where} at ${tip.slice(0, 12)}, ${entry.path}`,
        cleanup,
      };
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  objectBase(project: string): Promise<RemoteBase | null> {
    return branchObjectBase(project, this.target, {
      workDir: this.ctx.workDir,
      logger: this.ctx.logger,
      signal: this.ctx.signal,
    });
  }

  async remove(project: string, setIds: string[]): Promise<RemoveReport> {
    this.manifest = undefined;
    if (setIds.length > 0)
      await removeSetsFromBranch(
        setIds.map((id) => setPath(project, id)),
        this.target,
        this.opts(),
      );
    return { removed: [...setIds], retained: [] };
  }
}
