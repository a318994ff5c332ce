/**
 * The branch destination's operations: push finished sets to a backup branch (an orphan branch
 * on first use), remove sets, read its manifest.json. How the branch changes (fetch, rebuild the
 * catalog, fast-forward push, again on a moved branch) is update.ts (see docs/branch.md).
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_MAX_FILE_BYTES, isSetId, SET_MARKER } from '../../catalog/naming.js';
import { setPath, type Manifest } from '../../catalog/manifest.js';
import { StorageError } from '../../errors.js';
import { formatBytes } from '../../format.js';
import type { Logger } from '../../log.js';
import { GitRepo } from '../../git/repo.js';
import type { FinishedSet } from '../types.js';
import { objectFilesForBranch } from '../../storage/set-objects.js';
import { branchObjectGarbage } from '../../storage/object-gc.js';

import {
  loadState,
  updateBranch,
  type BranchOptions,
  type BranchState,
  type BranchTarget,
  type Change,
  type PushResult,
} from './update.js';

export {
  DEFAULT_BRANCH_AUTHOR,
  type BranchOptions,
  type BranchTarget,
  type PushResult,
} from './update.js';

const PROJECT = /^[a-z0-9][a-z0-9_-]{0,62}$/;

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
