/**
 * One GitHub issue per failing project: opened on the first failure, commented on while the
 * project keeps failing, commented on and closed when it succeeds again. The issue is found
 * again by its label and a marker comment in its body, so renaming the title does not lose it.
 * The token needs `issues: write`.
 */
import type { Octokit } from '@octokit/rest';
import { createOctokit } from '../github/octokit.js';
import { isRetryableStatus, retryAfterMs, withRetries, type RetryOptions } from './http-retry.js';

export const ALERT_LABEL = 'supabase-backup';

export interface IssueTarget {
  owner: string;
  repo: string;
}

export const issueTitle = (project: string) => `Supabase backup failing: ${project}`;
export const marker = (project: string) => `<!-- supabase-backup-alert project=${project} -->`;

/** An Octokit whose every request is retried on 429, 5xx and network errors. */
export async function alertOctokit(
  token: string,
  apiUrl: string,
  retry: RetryOptions = {},
): Promise<Octokit> {
  const octokit = await createOctokit(token, apiUrl);
  octokit.hook.wrap('request', (request, options) =>
    withRetries(
      async () => request(options),
      (err) => {
        const e = err as { status?: number; response?: { headers?: Record<string, string> } };
        // RequestError status 500 without a response is a network failure: worth retrying.
        if (typeof e.status !== 'number') return { retry: false };
        return {
          retry: isRetryableStatus(e.status),
          afterMs: retryAfterMs(e.response?.headers?.['retry-after']),
        };
      },
      retry,
    ),
  );
  return octokit;
}

/** The open alert issue of a project, or undefined. */
async function findAlertIssue(
  octokit: Octokit,
  target: IssueTarget,
  project: string,
): Promise<number | undefined> {
  return (await openAlertIssue(octokit, target, project))?.number;
}

/** The open alert issue of a project with its body (who opened it: a backup or `check`). */
export async function openAlertIssue(
  octokit: Octokit,
  target: IssueTarget,
  project: string,
): Promise<{ number: number; body: string } | undefined> {
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
    ...target,
    state: 'open',
    labels: ALERT_LABEL,
    per_page: 100,
  });
  const found = issues.find((i) => !i.pull_request && (i.body ?? '').includes(marker(project)));
  return found && { number: found.number, body: found.body ?? '' };
}

export interface FailureDetails {
  project: string;
  error: string;
  runUrl: string | null;
  /** Start of the newest good set (ISO), null when none is known. */
  lastGood: string | null;
}

function failureText(d: FailureDetails): string {
  return [
    `The backup of **${d.project}** failed${d.runUrl ? ` in [this run](${d.runUrl})` : ''}:`,
    '',
    '```',
    d.error.replace(/```/g, "'''"),
    '```',
    '',
    `Last good set: ${d.lastGood ? `started ${d.lastGood}` : 'none found in the catalog'}.`,
  ].join('\n');
}

/** Opens the project's issue, or comments on it when one is open. Returns its number. */
export async function reportFailure(
  octokit: Octokit,
  target: IssueTarget,
  d: FailureDetails,
): Promise<{ issue: number; opened: boolean }> {
  const open = await findAlertIssue(octokit, target, d.project);
  if (open !== undefined) {
    await octokit.rest.issues.createComment({
      ...target,
      issue_number: open,
      body: `Still failing.\n\n${failureText(d)}`,
    });
    return { issue: open, opened: false };
  }
  const { data } = await octokit.rest.issues.create({
    ...target,
    title: issueTitle(d.project),
    labels: [ALERT_LABEL],
    body:
      `${marker(d.project)}\n${failureText(d)}\n\nThis issue is updated by ` +
      'supabase-backup-action while the project keeps failing and closed when a backup succeeds.',
  });
  return { issue: data.number, opened: true };
}

/** Comments on and closes the project's open issue; the number closed, or undefined if none. */
export async function reportRecovery(
  octokit: Octokit,
  target: IssueTarget,
  d: { project: string; set: string; runUrl: string | null },
): Promise<number | undefined> {
  const open = await findAlertIssue(octokit, target, d.project);
  if (open === undefined) return undefined;
  await octokit.rest.issues.createComment({
    ...target,
    issue_number: open,
    body: `Recovered: the backup of **${d.project}** succeeded${d.runUrl ? ` in [this run](${d.runUrl})` : ''} (set \`${d.set}\`).`,
  });
  await octokit.rest.issues.update({
    ...target,
    issue_number: open,
    state: 'closed',
    state_reason: 'completed',
  });
  return open;
}
