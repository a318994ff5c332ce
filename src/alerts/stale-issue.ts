/**
 * The alert issue when `check` finds a project stale: the same issue a failed backup opens
 * (issues.ts; one per project, found by its marker), opened or commented on. `check` closes
 * only an issue it opened itself (a second marker says so): an issue a failed backup opened
 * stays open until a backup succeeds, even while an older set is still fresh enough.
 */
import type { Octokit } from '@octokit/rest';
import { ALERT_LABEL, issueTitle, marker, openAlertIssue, type IssueTarget } from './issue.js';

const CHECK_MARKER = '<!-- supabase-backup-check -->';

export interface StaleDetails {
  project: string;
  /** One line per stale destination, no secrets. */
  lines: string[];
  runUrl: string | null;
}

function staleText(d: StaleDetails): string {
  return [
    `No recent backup of **${d.project}**${d.runUrl ? ` ([check run](${d.runUrl}))` : ''}:`,
    '',
    ...d.lines.map((l) => `- ${l.replace(/[\r\n]+/g, ' ')}`),
  ].join('\n');
}

/** Opens the project's alert issue, or comments on the open one. */
export async function reportStale(
  octokit: Octokit,
  target: IssueTarget,
  d: StaleDetails,
): Promise<{ issue: number; opened: boolean }> {
  const open = await openAlertIssue(octokit, target, d.project);
  if (open !== undefined) {
    await octokit.rest.issues.createComment({
      ...target,
      issue_number: open.number,
      body: `Still no recent backup.\n\n${staleText(d)}`,
    });
    return { issue: open.number, opened: false };
  }
  const { data } = await octokit.rest.issues.create({
    ...target,
    title: issueTitle(d.project),
    labels: [ALERT_LABEL],
    body:
      `${marker(d.project)}\n${CHECK_MARKER}\n${staleText(d)}\n\nThis issue was opened by ` +
      "supabase-backup-action's `check`; it is closed when a backup succeeds or a later " +
      '`check` finds every destination fresh again. Backups stopping is often a disabled ' +
      'schedule, a paused project or an expired secret: see docs/monitoring.md.',
  });
  return { issue: data.number, opened: true };
}

/** Closes the project's alert issue if `check` opened it; the number closed, or undefined. */
export async function reportFresh(
  octokit: Octokit,
  target: IssueTarget,
  d: { project: string; newest: string; runUrl: string | null },
): Promise<number | undefined> {
  const open = await openAlertIssue(octokit, target, d.project);
  if (open === undefined || !open.body.includes(CHECK_MARKER)) return undefined;
  await octokit.rest.issues.createComment({
    ...target,
    issue_number: open.number,
    body: `Fresh again: every destination of **${d.project}** holds a recent set (newest: ${d.newest})${d.runUrl ? ` ([check run](${d.runUrl}))` : ''}.`,
  });
  await octokit.rest.issues.update({
    ...target,
    issue_number: open.number,
    state: 'closed',
    state_reason: 'completed',
  });
  return open.number;
}
