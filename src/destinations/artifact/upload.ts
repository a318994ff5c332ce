/**
 * A finished set as a workflow artifact: every file of the set directory at the root of the
 * artifact's zip, stored uncompressed (zip level 0: the parts are compressed already), so that
 * unzipping a download gives a directory that `sha256sum -c SHA256SUMS` accepts.
 *
 * @actions/artifact reads its connection (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL,
 * GITHUB_SERVER_URL, GITHUB_RETENTION_DAYS) from process.env itself; this module reads nothing
 * from the environment and takes the artifact's web URL parts as options.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactClient } from '@actions/artifact';
import { SET_MARKER } from '../../catalog/naming.js';
import { stageSetWithObjects } from '../../storage/set-objects.js';
import { errorMessage, StorageError } from '../../errors.js';
import { formatBytes } from '../../format.js';
import type { Logger } from '../../log.js';
import type { ArtifactRecord, FinishedSet } from '../types.js';

/** Characters GitHub refuses in artifact names (NTFS limits, and no paths). */
const FORBIDDEN: Record<string, string> = {
  '"': 'double quote "',
  ':': 'colon :',
  '<': 'less than <',
  '>': 'greater than >',
  '|': 'vertical bar |',
  '*': 'asterisk *',
  '?': 'question mark ?',
  '\r': 'carriage return',
  '\n': 'line feed',
  '\\': 'backslash \\',
  '/': 'forward slash /',
};

export function artifactName(prefix: string, project: string, setId: string): string {
  const name = `${prefix}-${project}-${setId}`;
  if (!prefix || !project || !setId) {
    throw new StorageError(
      `artifact name ${JSON.stringify(name)} lacks a prefix, project or set id`,
    );
  }
  const bad = Object.keys(FORBIDDEN).filter((c) => name.includes(c));
  if (bad.length > 0) {
    throw new StorageError(
      `artifact name ${JSON.stringify(name)} contains ${bad.map((c) => FORBIDDEN[c]).join(', ')}: ` +
        'GitHub refuses " : < > | * ? \\ / and line breaks in artifact names; change artifact_prefix',
    );
  }
  return name;
}

export interface UploadSetOptions {
  /** artifact_prefix from the config: artifacts are named <prefix>-<project>-<set-id>. */
  prefix: string;
  /** Days GitHub keeps the artifact; the repository's maximum caps it. Default: the repository's. */
  retentionDays?: number;
  logger: Logger;
  /** The run's GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID, for the artifact's web URL. */
  serverUrl?: string;
  repository?: string;
  runId?: string | number;
  /** Where a set with Storage objects is staged for the upload (default: the system's temp dir). */
  workDir?: string;
}

/** The set's files, sorted; a set is flat, so anything but a regular file is refused. */
async function setFiles(dir: string): Promise<{ paths: string[]; bytes: number }> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
    throw new StorageError(`cannot read set directory ${dir}: ${errorMessage(err)}`);
  });
  const odd = entries.filter((e) => !e.isFile()).map((e) => e.name);
  if (odd.length > 0) {
    throw new StorageError(
      `set directory ${dir} holds ${odd.join(', ')}, which are not plain files; a set is flat`,
    );
  }
  const names = entries.map((e) => e.name).sort();
  if (!names.includes(SET_MARKER)) {
    throw new StorageError(
      `${dir} has no ${SET_MARKER}: it is not a finished set, so it is not uploaded`,
    );
  }
  const paths = names.map((n) => join(dir, n));
  let bytes = 0;
  for (const p of paths) bytes += (await stat(p)).size;
  return { paths, bytes };
}

type ArtifactModule = typeof import('@actions/artifact');

/**
 * Loaded only when an upload runs: the SDK (Azure storage, protobuf) costs ~57 MB at load; a
 * chunk of dist/ (scripts/build.mjs), so other runs do not even parse it.
 */
const loadArtifactSdk = (): Promise<ArtifactModule> => import('@actions/artifact');

function uploadError(err: unknown, name: string, sdk: ArtifactModule): StorageError {
  const msg = errorMessage(err);
  const say = (text: string) => new StorageError(text, { cause: err });
  if (/ACTIONS_RUNTIME_TOKEN|ACTIONS_RESULTS_URL|Failed to get backend IDs/.test(msg)) {
    return say(
      'artifact upload needs ACTIONS_RUNTIME_TOKEN: run inside GitHub Actions or choose destinations: [branch] ' +
        `(GitHub gives ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL to actions, not to run: steps; here: ${msg})`,
    );
  }
  if (err instanceof sdk.GHESNotSupportedError) {
    return say(
      'artifact upload is not supported on GitHub Enterprise Server by @actions/artifact v2+: choose destinations: [branch]',
    );
  }
  if (err instanceof sdk.UsageError) {
    return say(
      `artifact storage quota is used up, so "${name}" was not uploaded: delete old artifacts or choose destinations: [branch]`,
    );
  }
  if (/\(409\)|already exists/i.test(msg)) {
    return say(
      `an artifact named "${name}" already exists in this workflow run (names are unique per run): ` +
        'delete it, or give this job a different artifact_prefix',
    );
  }
  if (/\((401|403)\)/.test(msg)) {
    return say(`the artifact service refused this job's runtime token for "${name}": ${msg}`);
  }
  if (err instanceof sdk.FilesNotFoundError) return say(`nothing to upload for "${name}": ${msg}`);
  return say(`uploading artifact "${name}" failed: ${msg}`);
}

export async function uploadSetArtifact(
  set: FinishedSet,
  options: UploadSetOptions,
): Promise<ArtifactRecord> {
  const name = artifactName(options.prefix, set.project, set.setId);
  const days = options.retentionDays;
  if (days !== undefined && !(Number.isInteger(days) && days >= 1)) {
    throw new StorageError(
      `artifact retention days must be a whole number of days, at least 1 (got ${days})`,
    );
  }
  // A storage part's objects go along under objects/: every artifact restores on its own.
  const staged = set.objects
    ? await stageSetWithObjects(set.dir, set.objects, options.workDir ?? tmpdir())
    : null;
  try {
    return await upload(
      set,
      name,
      staged ?? (await setFiles(set.dir)),
      staged?.root ?? set.dir,
      options,
    );
  } finally {
    if (staged) await rm(staged.root, { recursive: true, force: true });
  }
}

async function upload(
  set: FinishedSet,
  name: string,
  { paths, bytes }: { paths: string[]; bytes: number },
  root: string,
  options: UploadSetOptions,
): Promise<ArtifactRecord> {
  const { logger } = options;
  const days = options.retentionDays;
  logger.info(
    `Uploading ${set.project}/${set.setId} as artifact ${name}: ${paths.length} files, ` +
      `${formatBytes(bytes)}, stored in the zip as they are (compression level 0)` +
      (days === undefined ? '' : `, kept ${days} day${days === 1 ? '' : 's'}`),
  );
  const sdk = await loadArtifactSdk();
  const client = new sdk.DefaultArtifactClient();
  let result: Awaited<ReturnType<ArtifactClient['uploadArtifact']>>;
  try {
    result = await client.uploadArtifact(name, paths, root, {
      compressionLevel: 0,
      ...(days !== undefined && { retentionDays: days }),
    });
  } catch (err) {
    throw uploadError(err, name, sdk);
  }
  const { id, size = 0, digest } = result;
  if (id === undefined) throw new StorageError(`the artifact service returned no id for "${name}"`);
  if (!digest || !/^[0-9a-f]{64}$/.test(digest)) {
    throw new StorageError(
      `artifact "${name}" (id ${id}) was uploaded without a sha256 digest (got ${String(digest)})`,
    );
  }
  // A stored zip holds every file's bytes verbatim plus headers: it can't be smaller than the set.
  if (size < bytes) {
    throw new StorageError(
      `artifact "${name}" (id ${id}) holds ${size} bytes, fewer than the set's ${bytes}: ` +
        'the upload is incomplete; delete the artifact and run the backup again',
    );
  }
  const { serverUrl, repository, runId } = options;
  const url =
    serverUrl && repository && runId !== undefined && runId !== ''
      ? `${serverUrl.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}/artifacts/${id}`
      : null;
  const record: ArtifactRecord = { id, name, size, digest: `sha256:${digest}`, url };
  logger.info(
    `Artifact ${name}: id ${id}, ${formatBytes(size)}, ${record.digest}${url ? `, ${url}` : ''}`,
  );
  return record;
}
