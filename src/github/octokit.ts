/** The GitHub REST client every caller shares (artifact retention, issue alerts). */
import type { Octokit } from '@octokit/rest';
import { TOOL_VERSION } from '../version.js';

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
