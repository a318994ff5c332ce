/**
 * The branch destination: sets committed to a backup branch (an orphan branch on first use) whose
 * manifest.json and README.md are regenerated from the sets in its tree on every change. Pushes
 * are plain fast-forwards; when another run moved the branch first, the change is rebuilt on the
 * new tip and pushed again (see docs/branch.md).
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isSetId, SET_MARKER } from '../../catalog/naming.js';
import {
  MANIFEST_FILE,
  parseManifest,
  rebuildManifest,
  setsInTree,
  serializeManifest,
  setPath,
  type Manifest,
  type ManifestEntry,
} from '../../catalog/manifest.js';
import { README_FILE, readmeOptionsFor, renderBranchReadme } from '../../catalog/readme.js';
import { StorageError } from '../../errors.js';
import { formatBytes } from '../../format.js';
import type { Logger } from '../../log.js';
import { describeRemote, GitFailure, GitRepo, type TreeEntry } from '../../git/repo.js';
import type { FinishedSet } from '../types.js';
import { objectFilesForBranch } from '../../storage/set-objects.js';
import { branchObjectGarbage } from '../../storage/object-gc.js';

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
/** GitHub refuses files over 100 MiB; stay clear of it. */
export const DEFAULT_MAX_FILE_BYTES = 99 * 1000 * 1000;

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

interface BranchState {
  repo: GitRepo;
  tip: string | null;
  tree: TreeEntry[];
  previous: Manifest | null;
  /** The backup.json of every set folder on the branch, by set path. */
  sets: Map<string, string>;
}

interface Change {
  /** Set files to add or remove, committed before the catalog (null: nothing to commit). */
  files: { path: string; oid: string | null }[];
  message: string;
  /** Whether the files go in a commit of their own (added sets: its id becomes their `commit`). */
  ownCommit: boolean;
  /** Local backup.json texts of the sets this change adds, by set path. */
  added: Map<string, string>;
  removed: Set<string>;
}

const PROJECT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** The branch's tip, tree, catalog and (withSets) every set's backup.json, in one blob fetch. */
async function loadState(
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

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), {
      once: true,
    });
  });

/** Fetch, rebuild, push; again on a moved branch, with backoff; cleans up the work repository. */
async function updateBranch(
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
        await sleep(delay, options.signal);
      }
    }
  } finally {
    if (!options.keepWorkClone) await rm(dir, { recursive: true, force: true });
  }
}

/** The files of a local set, checked against the branch's limits. */
async function setFiles(set: FinishedSet, maxFileBytes: number) {
  if (!PROJECT.test(set.project) || !isSetId(set.setId))
    throw new StorageError(`not a set that can go on a branch: ${set.project}/${set.setId}`);
  const entries = await readdir(set.dir, { withFileTypes: true });
  const files: { name: string; local: string }[] = [];
  for (const e of entries) {
    const local = join(set.dir, e.name);
    if (!e.isFile()) throw new StorageError(`${local}: a set holds only files`);
    const { size } = await stat(local);
    if (size > maxFileBytes)
      throw new StorageError(
        `${set.project}/${set.setId}/${e.name} is ${formatBytes(size)}; a file over ` +
          `${formatBytes(maxFileBytes)} cannot be pushed to GitHub (it refuses files over 100 MiB). ` +
          'Split large parts into chunks or store this project as an artifact instead.',
      );
    files.push({ name: e.name, local });
  }
  if (!files.some((f) => f.name === SET_MARKER))
    throw new StorageError(`${set.dir} has no ${SET_MARKER}: only complete sets go on the branch`);
  return files.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Adds the sets to the branch (an orphan branch on first use), regenerates the catalog, pushes. */
export async function pushSetsToBranch(
  sets: FinishedSet[],
  target: BranchTarget,
  options: BranchOptions,
): Promise<PushResult> {
  const paths = sets.map((s) => setPath(s.project, s.setId));
  if (new Set(paths).size !== paths.length)
    throw new StorageError(`a set is given twice: ${paths}`);
  const local = await Promise.all(
    sets.map((s) => setFiles(s, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES)),
  );
  let hashed: { path: string; oid: string }[][] | null = null;
  const objectOids = new Map<string, string>();
  const markers = await Promise.all(sets.map((s) => readFile(join(s.dir, SET_MARKER), 'utf8')));

  const prepare = async (state: BranchState): Promise<Change> => {
    hashed ??= await Promise.all(
      local.map(async (files, i) => {
        const oids = await state.repo.hashFiles(files.map((f) => f.local));
        return files.map((f, j) => ({ path: `${paths[i]}/${f.name}`, oid: oids[j]! }));
      }),
    );
    const files: Change['files'] = [];
    const added = new Map<string, string>();
    const have = new Map(state.tree.map((e) => [e.path, e.oid]));
    for (const [i, path] of paths.entries()) {
      const mine = hashed[i]!;
      const theirs = state.tree.filter((e) => e.path.startsWith(`${path}/`));
      if (theirs.length === 0) {
        files.push(...mine);
        added.set(path, markers[i]!);
      } else if (theirs.length !== mine.length || mine.some((f) => have.get(f.path) !== f.oid))
        throw new StorageError(
          `a different set ${path} is already on branch ${target.branch}; refusing to overwrite it`,
        );
      else options.logger.info(`${path} is already on branch ${target.branch}`);
    }
    // Storage objects: only the stored files the branch's object area lacks (docs/storage.md).
    const onBranch = new Set(have.keys());
    for (const set of sets) {
      if (!set.objects) continue;
      const wanted = await objectFilesForBranch(set.project, set.objects, onBranch);
      const fresh = wanted.filter((f) => !objectOids.has(f.path));
      const oids = await state.repo.hashFiles(fresh.map((f) => f.local));
      fresh.forEach((f, j) => objectOids.set(f.path, oids[j]!));
      for (const f of wanted) {
        files.push({ path: f.path, oid: objectOids.get(f.path)! });
        onBranch.add(f.path);
      }
    }
    const reason = options.reason ? `\n\nReason: ${options.reason}` : '';
    const message = `Add backup set${paths.length === 1 ? '' : 's'} ${paths.join(', ')}${reason}\n`;
    return { files, message, ownCommit: true, added, removed: new Set() };
  };
  return updateBranch(target, options, prepare, (m) =>
    (m?.sets ?? []).filter((e) => paths.includes(e.path)),
  );
}

/** Removes set folders (retention) and regenerates the catalog, in one commit; same push rules. */
export async function removeSetsFromBranch(
  paths: string[],
  target: BranchTarget,
  options: BranchOptions,
): Promise<PushResult> {
  for (const p of paths) {
    const [project = '', setId = '', ...rest] = p.split('/');
    if (!PROJECT.test(project) || !isSetId(setId) || rest.length > 0)
      throw new StorageError(`not a set path (<project>/<set-id>): ${JSON.stringify(p)}`);
  }
  const removed = new Set(paths);
  const prepare = async (state: BranchState): Promise<Change> => {
    const files = state.tree
      .filter((e) => removed.has(e.path.split('/').slice(0, 2).join('/')))
      .map((e) => ({ path: e.path, oid: null }));
    // Storage objects no remaining set references go with the sets (docs/storage.md).
    const garbage = await branchObjectGarbage(state.tree, state.sets, removed, (oids) =>
      state.repo.readBlobs(state.tip, oids),
    );
    files.push(...garbage.map((path) => ({ path, oid: null })));
    const list = paths.map((p) => `- ${p}`).join('\n');
    const objects = garbage.length
      ? `\nand ${garbage.length} stored object file(s) no kept set uses\n`
      : '';
    const message = `Remove ${paths.length} backup set(s) (retention)\n\n${list}\n${objects}`;
    return { files, message, ownCommit: false, added: new Map(), removed };
  };
  return updateBranch(target, options, prepare, (_m, state) =>
    (state.previous?.sets ?? []).filter((e) => removed.has(e.path)),
  );
}

/** manifest.json of the branch; null when the branch (or its catalog) does not exist yet. */
export async function readBranchManifest(
  target: BranchTarget,
  options: { workDir: string; logger: Logger; signal?: AbortSignal },
): Promise<Manifest | null> {
  const dir = await mkdtemp(join(options.workDir, 'backup-branch-'));
  try {
    const repo = await GitRepo.init(dir, target, options);
    await repo.checkBranchName(target.branch);
    return (await loadState(repo, target, false)).previous;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
