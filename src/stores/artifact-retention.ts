/**
 * Backup artifacts as the REST API sees them, across all runs of a repository: listing (every
 * page, keeping the names artifactName() makes) and deleting. The job's token needs
 * `actions: read` to list and `actions: write` to delete.
 */
import type { Octokit } from '@octokit/rest';
import { isSetId } from '../catalog/naming.js';
import { PROJECT_NAME_RE } from '../config/schema-helpers.js';
import { errorMessage, StorageError } from '../errors.js';
import type { Logger } from '../log.js';
import { TOOL_VERSION } from '../version.js';

export interface RemoteArtifact {
  id: number;
  name: string;
  created_at: string;
  size: number;
  expired: boolean;
}

export interface Repo {
  owner: string;
  repo: string;
}

const quiet = (): void => undefined;

/** baseUrl: the REST API root, e.g. https://api.github.com (the run's GITHUB_API_URL). */
export async function createOctokit(token: string, baseUrl: string): Promise<Octokit> {
  // Loaded on first use (a chunk of dist/), so runs that never call the API don't pay for it.
  const { Octokit } = await import('@octokit/rest');
  return new Octokit({
    auth: token,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    userAgent: `supabase-backup-action/${TOOL_VERSION}`,
    // Failures come back as StorageErrors that say what to do; a 404 on delete is even fine.
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
}

/** The inverse of artifactName(): null for a name this prefix did not make. */
export function parseArtifactName(
  prefix: string,
  name: string,
): { project: string; setId: string } | null {
  if (!prefix || !name.startsWith(`${prefix}-`)) return null;
  const m = /^(.+)-([^-]+-[^-]+-[^-]+)$/.exec(name.slice(prefix.length + 1));
  if (!m) return null;
  const [, project, setId] = m;
  return PROJECT_NAME_RE.test(project!) && isSetId(setId!)
    ? { project: project!, setId: setId! }
    : null;
}

function status(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

function apiError(err: unknown, what: string, repo: Repo): StorageError {
  const where = `${repo.owner}/${repo.repo}`;
  const code = status(err);
  const msg = errorMessage(err);
  if (code === 401) {
    return new StorageError(
      `${what} in ${where}: the GitHub token was refused (401 ${msg}); pass a valid token`,
      {
        cause: err,
      },
    );
  }
  if (code === 403) {
    return new StorageError(
      `${what} in ${where} was refused (403 ${msg}): the job needs \`permissions: actions: write\` ` +
        '(and `actions: read` to list)',
      { cause: err },
    );
  }
  if (code === 404) {
    return new StorageError(
      `${what}: repository ${where} not found, or the token cannot see it (404)`,
      {
        cause: err,
      },
    );
  }
  return new StorageError(`${what} in ${where} failed${code ? ` (HTTP ${code})` : ''}: ${msg}`, {
    cause: err,
  });
}

/**
 * Every artifact of the repository named <prefix>-<project>-<set-id>, expired ones included,
 * newest first (the API's order). The API's `name` filter matches whole names only, so this
 * pages through all artifacts, 100 at a time, and filters here.
 */
export async function listBackupArtifacts(
  octokit: Octokit,
  repo: Repo,
  prefix: string,
): Promise<RemoteArtifact[]> {
  try {
    const all = await octokit.paginate(octokit.rest.actions.listArtifactsForRepo, {
      owner: repo.owner,
      repo: repo.repo,
      per_page: 100,
    });
    return all
      .filter((a) => parseArtifactName(prefix, a.name) !== null)
      .map((a) => ({
        id: a.id,
        name: a.name,
        created_at: a.created_at ?? '',
        size: a.size_in_bytes,
        expired: a.expired,
      }));
  } catch (err) {
    throw apiError(err, 'listing workflow artifacts', repo);
  }
}

/** Deletes one by one; an artifact already gone (404) is fine; a refusal (403) stops at once. */
export async function deleteArtifacts(
  octokit: Octokit,
  repo: Repo,
  ids: number[],
  logger: Logger,
): Promise<void> {
  for (const id of ids) {
    try {
      await octokit.rest.actions.deleteArtifact({
        owner: repo.owner,
        repo: repo.repo,
        artifact_id: id,
      });
      logger.info(`Deleted artifact ${id}`);
    } catch (err) {
      if (status(err) === 404) {
        logger.info(`Artifact ${id} is already gone`);
        continue;
      }
      throw apiError(err, `deleting artifact ${id}`, repo);
    }
  }
}
