/**
 * How the backup branch changes: fetch its tip, build the change and a regenerated catalog on
 * top of it, push as a plain fast-forward; when another run moved the branch first, the change
 * is rebuilt on the new tip and pushed again, with backoff (see docs/branch.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MANIFEST_FILE,
  parseManifest,
  rebuildManifest,
  setsInTree,
  serializeManifest,
  type Manifest,
  type ManifestEntry,
} from '../../catalog/manifest.js';
import { README_FILE, readmeOptionsFor, renderBranchReadme } from '../../catalog/readme.js';
import { StorageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { describeRemote, GitFailure, GitRepo, type TreeEntry } from '../../git/repo.js';
import { abortableSleep } from '../../retry.js';

export interface BranchTarget {
  /** e.g. `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}.git`; never with credentials in it. */
  remoteUrl: string;
  branch: string;
  /** Sent only as an http.extraheader through the child's environment. */
  token: string | undefined;
  author: { name: string; email: string };
}

export const DEFAULT_BRANCH_AUTHOR = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
};

export interface BranchOptions {
  /** A private temporary repository is made (and removed) under it. */
  workDir: string;
  logger: Logger;
  /** Recorded in the commit message and the catalog, e.g. "workflow_dispatch: before migration". */
  reason?: string | null;
  /** Push attempts before giving up when the branch keeps moving (default 5). */
  maxAttempts?: number;
  /** First retry delay; doubles each time, jittered (default 1000 ms). */
  retryBaseMs?: number;
  /** Largest file a set may hold (default DEFAULT_MAX_FILE_BYTES). */
  maxFileBytes?: number;
  /** Leave the work repository in place (for inspection). */
  keepWorkClone?: boolean;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface PushResult {
  /** The branch tip after the call ('' when there is no branch and nothing was done). */
  commit: string;
  /** Push: the catalog entries of the sets given. Remove: the entries removed. */
  entries: ManifestEntry[];
  /** Push attempts made (0 when the branch already had everything). */
  attempts: number;
}

export interface BranchState {
  repo: GitRepo;
  tip: string | null;
  tree: TreeEntry[];
  previous: Manifest | null;
  /** The backup.json of every set folder on the branch, by set path. */
  sets: Map<string, string>;
}

export interface Change {
  /** Set files to add or remove, committed before the catalog (null: nothing to commit). */
  files: { path: string; oid: string | null }[];
  message: string;
  /** Whether the files go in a commit of their own (added sets: its id becomes their `commit`). */
  ownCommit: boolean;
  /** Local backup.json texts of the sets this change adds, by set path. */
  added: Map<string, string>;
  removed: Set<string>;
}

/** The branch's tip, tree, catalog and (withSets) every set's backup.json, in one blob fetch. */
export async function loadState(
  repo: GitRepo,
  target: BranchTarget,
  withSets: boolean,
): Promise<BranchState> {
  const tip = await repo.fetchTip(target.branch);
  const tree = tip ? await repo.listTree(tip) : [];
  const entry = tree.find((e) => e.path === MANIFEST_FILE);
  const setOids = withSets ? setsInTree(tree.map((e) => [e.path, e.oid])) : new Map();
  const blobs = await repo.readBlobs(tip, [...(entry ? [entry.oid] : []), ...setOids.values()]);
  const sets = new Map([...setOids].map(([path, oid]) => [path, blobs.get(oid)!]));
  if (!entry) return { repo, tip, tree, previous: null, sets };
  try {
    return { repo, tip, tree, previous: parseManifest(blobs.get(entry.oid)!), sets };
  } catch (err) {
    throw new StorageError(
      `${MANIFEST_FILE} on branch ${target.branch} of ${describeRemote(target.remoteUrl)} is ` +
        `corrupt: ${(err as Error).message}. It was left as it is and nothing was pushed; repair ` +
        'or delete it (the catalog is then rebuilt from the backup.json of every set).',
    );
  }
}

/** Commits the change and a regenerated catalog on top of the state; null when nothing changes. */
async function commitChange(
  state: BranchState,
  change: Change,
  target: BranchTarget,
  options: BranchOptions,
): Promise<{ commit: string; manifest: Manifest } | null> {
  const { repo, tip } = state;
  // Never create the branch just to write an empty catalog.
  if (!tip && change.files.length === 0) return null;
  let parent = tip;
  let setsCommit: string | null = null;
  if (change.ownCommit && change.files.length > 0) {
    setsCommit = await repo.commitTree(
      await repo.writeTree(tip, change.files),
      tip,
      change.message,
    );
    parent = setsCommit;
  }
  const sets = [...state.sets]
    .filter(([path]) => !change.removed.has(path))
    .map(([path, backupJson]) => ({ path, backupJson }));
  for (const [path, backupJson] of change.added) sets.push({ path, backupJson });
  const meta = { commit: setsCommit, reason: options.reason ?? null };
  const rebuilt = rebuildManifest({
    sets,
    previous: state.previous,
    added: new Map([...change.added.keys()].map((path) => [path, meta])),
    updatedAt: (options.now ?? (() => new Date()))().toISOString(),
  });
  for (const s of rebuilt.skipped)
    options.logger.warning(
      `${s.path} on branch ${target.branch} is left out of the catalog: ${s.problem}`,
    );
  const manifest = rebuilt.manifest;
  const same = (m: Manifest) => serializeManifest({ ...m, updated_at: '' });
  if (change.files.length === 0 && state.previous && same(manifest) === same(state.previous))
    return null;
  const readme = renderBranchReadme(manifest, readmeOptionsFor(target.remoteUrl, target.branch));
  const catalog = [
    { path: MANIFEST_FILE, oid: await repo.hashText(serializeManifest(manifest)) },
    { path: README_FILE, oid: await repo.hashText(readme) },
  ];
  const tree = await repo.writeTree(parent, [...(setsCommit ? [] : change.files), ...catalog]);
  const message = setsCommit
    ? `Update the backup catalog (${manifest.sets.length} set${manifest.sets.length === 1 ? '' : 's'})\n`
    : change.files.length > 0
      ? change.message
      : 'Rebuild the backup catalog\n';
  return { commit: await repo.commitTree(tree, parent, message), manifest };
}

/** Fetch, rebuild, push; again on a moved branch, with backoff; cleans up the work repository. */
export async function updateBranch(
  target: BranchTarget,
  options: BranchOptions,
  prepare: (state: BranchState) => Promise<Change>,
  pick: (manifest: Manifest | null, state: BranchState) => ManifestEntry[],
): Promise<PushResult> {
  const { logger } = options;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const dir = await mkdtemp(join(options.workDir, 'backup-branch-'));
  const where = `branch ${target.branch} of ${describeRemote(target.remoteUrl)}`;
  try {
    const repo = await GitRepo.init(dir, target, options);
    await repo.checkBranchName(target.branch);
    for (let attempt = 1; ; attempt++) {
      try {
        const state = await loadState(repo, target, true);
        const built = await commitChange(state, await prepare(state), target, options);
        if (!built) {
          logger.info(`${where} already has everything; nothing to push`);
          const entries = pick(state.previous, state);
          return { commit: state.tip ?? '', entries, attempts: attempt - 1 };
        }
        logger.info(`Pushing to ${where} (attempt ${attempt}/${maxAttempts})`);
        await repo.push(built.commit, target.branch);
        return { commit: built.commit, entries: pick(built.manifest, state), attempts: attempt };
      } catch (err) {
        // Only a moved branch or a failing server is worth another try; auth, a corrupt
        // catalog or a conflicting set are not.
        if (!(err instanceof GitFailure) || (err.reason !== 'moved' && err.reason !== 'transient'))
          throw err;
        if (attempt >= maxAttempts)
          throw new StorageError(
            `the push to ${where} was rejected ${attempt} time(s) because the branch kept ` +
              'moving (other runs pushing at the same time) or the server kept failing; nothing ' +
              `was pushed. Last error: ${err.message}`,
          );
        const delay = (options.retryBaseMs ?? 1000) * 2 ** (attempt - 1) * (0.5 + Math.random());
        const why = err.reason === 'moved' ? 'the branch moved' : 'the server failed';
        logger.warning(`push refused (${why}); retrying on a fresh tip in ${Math.round(delay)} ms`);
        await abortableSleep(delay, options.signal);
      }
    }
  } finally {
    if (!options.keepWorkClone) await rm(dir, { recursive: true, force: true });
  }
}
