/**
 * Where a restore reads its set from: a set directory (or an extracted artifact, which is one),
 * a downloaded artifact zip (extracted into a private temp dir), or a backup branch (a local
 * checkout of it, a local repository, or a remote URL fetched shallowly into a temp dir). Every
 * source ends as a set directory that the caller verifies before anything touches the target.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import {
  MANIFEST_FILE,
  parseManifest,
  type Manifest,
  type ManifestEntry,
} from '../catalog/manifest.js';
import { SET_MARKER } from '../catalog/naming.js';
import { RestoreError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { findSetDirs } from '../set/verify-set.js';
import { DEFAULT_BRANCH_AUTHOR } from '../destinations/branch/commit.js';
import { describeRemote, GitRepo } from '../git/repo.js';
import { openS3Source, type S3SourceSpec } from '../destinations/s3/source.js';
import { extractZip, looksLikeZip } from './unzip.js';

export const DEFAULT_BACKUP_BRANCH = 'supabase-backups';

export type SourceSpec =
  | { kind: 'path'; path: string }
  | {
      kind: 'branch';
      /** A remote URL, a local repository, or a checkout of the branch. */
      repo: string;
      branch: string;
      project?: string;
      /** A set id; undefined: the newest set of the project. */
      setId?: string;
    }
  | S3SourceSpec;

export interface OpenedSource {
  /** The set directory (not yet verified). */
  dir: string;
  /** What the set is, for the plan: "artifact zip …", "branch … at <commit>". */
  label: string;
  /** Removes whatever was extracted or fetched. */
  cleanup(): Promise<void>;
}

interface OpenOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  signal?: AbortSignal;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

async function privateDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'supabase-restore-src-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function openSource(spec: SourceSpec, options: OpenOptions): Promise<OpenedSource> {
  if (spec.kind === 's3') return openS3Source(spec, options);
  return spec.kind === 'path' ? openPath(spec.path, options) : openBranch(spec, options);
}

async function openPath(path: string, options: OpenOptions): Promise<OpenedSource> {
  const st = await stat(path).catch(() => null);
  if (!st) throw new UsageError(`--from ${path}: no such file or directory`);
  if (st.isDirectory()) {
    if (!(await exists(join(path, SET_MARKER))) && (await exists(join(path, MANIFEST_FILE))))
      throw new UsageError(
        `--from ${path} is a checkout of a backup branch, not a set: use --from-branch ${path} --project NAME [--set SET_ID]`,
      );
    return { dir: path, label: path, cleanup: async () => undefined };
  }
  if (!(await looksLikeZip(path)))
    throw new UsageError(`--from ${path}: neither a set directory nor an artifact zip`);
  const temp = await privateDir();
  try {
    await extractZip(path, temp.dir, { signal: options.signal });
    const dir = (await exists(join(temp.dir, SET_MARKER)))
      ? temp.dir
      : await onlySetIn(temp.dir, path);
    return { dir, label: `artifact zip ${path}`, cleanup: temp.cleanup };
  } catch (err) {
    await temp.cleanup();
    throw err;
  }
}

async function onlySetIn(root: string, zip: string): Promise<string> {
  const sets = await findSetDirs(root);
  if (sets.length === 1) return sets[0]!;
  throw new RestoreError(
    sets.length === 0
      ? `${zip} holds no backup set (no ${SET_MARKER}): refusing to restore; nothing was changed`
      : `${zip} holds ${sets.length} backup sets; extract it and pass one set directory to --from`,
  );
}

/** The entry to restore: the given set, or the newest of the project. */
function pickEntry(
  manifest: Manifest,
  project: string | undefined,
  setId: string | undefined,
  where: string,
): ManifestEntry {
  const projects = [...new Set(manifest.sets.map((e) => e.project))].sort();
  if (projects.length === 0) throw new RestoreError(`${where}: ${MANIFEST_FILE} lists no sets`);
  const name = project ?? (projects.length === 1 ? projects[0]! : undefined);
  if (!name)
    throw new UsageError(
      `${where} holds sets of several projects (${projects.join(', ')}): choose one with --project NAME`,
    );
  const sets = manifest.sets.filter((e) => e.project === name);
  if (sets.length === 0)
    throw new UsageError(
      `${where}: no set of project "${name}" in ${MANIFEST_FILE} (projects: ${projects.join(', ')})`,
    );
  sets.sort((a, b) => (a.set_id < b.set_id ? -1 : a.set_id > b.set_id ? 1 : 0));
  if (setId === undefined) return sets[sets.length - 1]!;
  const entry = sets.find((e) => e.set_id === setId);
  if (!entry) {
    const newest = sets
      .slice(-5)
      .reverse()
      .map((e) => e.set_id);
    throw new UsageError(
      `${where}: project "${name}" has no set ${setId} in ${MANIFEST_FILE} (newest: ${newest.join(', ')})`,
    );
  }
  return entry;
}

function isRemoteUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]+@[^/]+:/.test(repo);
}

async function openBranch(
  spec: Extract<SourceSpec, { kind: 'branch' }>,
  options: OpenOptions,
): Promise<OpenedSource> {
  // A checkout of the branch: read its manifest and set folders in place.
  if (!isRemoteUrl(spec.repo) && (await exists(join(spec.repo, MANIFEST_FILE)))) {
    const manifest = await readManifest(join(spec.repo, MANIFEST_FILE));
    const entry = pickEntry(manifest, spec.project, spec.setId, spec.repo);
    // parseManifest confines paths to <project>/<set-id>; checked again where it is used.
    const dir = resolve(spec.repo, entry.path);
    if (!dir.startsWith(resolve(spec.repo) + sep))
      throw new RestoreError(`${spec.repo}: ${MANIFEST_FILE} points outside the checkout`);
    options.logger.info(`using ${entry.path} from the checkout ${spec.repo}`);
    return {
      dir,
      label: `${spec.repo} (checkout), ${entry.path}`,
      cleanup: async () => undefined,
    };
  }
  if (!isRemoteUrl(spec.repo) && !(await exists(spec.repo)))
    throw new UsageError(`--from-branch ${spec.repo}: no such directory, and not a URL`);
  const remoteUrl = isRemoteUrl(spec.repo) ? spec.repo : resolve(spec.repo);
  const http = /^https?:\/\//i.test(remoteUrl);
  const token = http ? options.env.GITHUB_TOKEN || undefined : undefined;
  const where = `${describeRemote(remoteUrl)} branch ${spec.branch}`;
  const temp = await privateDir();
  try {
    const repo = await GitRepo.init(
      temp.dir,
      { remoteUrl, token, author: DEFAULT_BRANCH_AUTHOR },
      { logger: options.logger, signal: options.signal },
    );
    await repo.checkBranchName(spec.branch);
    const tip = await repo.fetchTip(spec.branch);
    if (!tip) throw new RestoreError(`${where}: the branch does not exist`);
    const tree = await repo.listTree(tip);
    const manifestBlob = tree.find((e) => e.path === MANIFEST_FILE);
    if (!manifestBlob) throw new RestoreError(`${where}: the branch has no ${MANIFEST_FILE}`);
    const text = (await repo.readBlobs(tip, [manifestBlob.oid])).get(manifestBlob.oid) ?? '';
    const entry = pickEntry(parseManifestAt(text, where), spec.project, spec.setId, where);
    if (!tree.some((e) => e.path.startsWith(`${entry.path}/`)))
      throw new RestoreError(
        `${where}: ${MANIFEST_FILE} lists ${entry.path}, but the branch holds no files for it: refusing to restore; nothing was changed`,
      );
    // Only this set's files are fetched (the clone is blobless; checkout fetches what it needs),
    // and for a storage part the project's object area beside it (docs/storage.md).
    const area = `${entry.project}/objects/`;
    const withObjects =
      entry.parts.some((p) => p.part === 'storage') && tree.some((e) => e.path.startsWith(area));
    const paths = [`${entry.path}/`, ...(withObjects ? [area] : [])];
    // A checkout would make a link out of a mode 120000 entry: refused before anything is written.
    const odd = tree.find(
      (e) => paths.some((p) => e.path.startsWith(p)) && e.mode !== '100644' && e.mode !== '100755',
    );
    if (odd)
      throw new RestoreError(
        `${where}: ${odd.path} is ${odd.mode === '120000' ? 'a symbolic link' : `not a plain file (mode ${odd.mode})`}; ` +
          'a set holds only plain files: refusing to restore; nothing was changed',
      );
    await repo.git(['checkout', '--quiet', tip, '--', ...paths], 'checkout');
    options.logger.info(`fetched ${entry.path} from ${where} at ${tip.slice(0, 12)}`);
    return {
      dir: join(temp.dir, entry.path),
      label: `${where} at ${tip.slice(0, 12)}, ${entry.path}`,
      cleanup: temp.cleanup,
    };
  } catch (err) {
    await temp.cleanup();
    throw err;
  }
}

async function readManifest(file: string): Promise<Manifest> {
  return parseManifestAt(await readFile(file, 'utf8'), file);
}

function parseManifestAt(text: string, where: string): Manifest {
  try {
    return parseManifest(text);
  } catch (err) {
    throw new RestoreError(`${where}: ${(err as Error).message}`);
  }
}
