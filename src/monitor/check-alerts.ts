/** What a check tells people: an error line per stale project, and its alert issue. */
import { alertOctokit } from '../alerts/issue.js';
import { ACTION_ISSUE_ALERTS_NEED } from '../alerts/send.js';
import { reportFresh, reportStale } from '../alerts/stale-issue.js';
import type { ProjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { problemLine, type CheckOptions, type CheckOutcome } from './freshness.js';

export interface CheckAlertOptions extends CheckOptions {
  runUrl: string | null;
  redact: (text: string) => string;
  /** What alerts.issues lacks when the repository or token is missing (the entries differ). */
  issueAlertsNeed?: string;
}

/**
 * One error annotation per stale project, and its alert issue when alerts.issues is set. Never
 * throws for an issue that cannot be written: that is a warning, and the check's own exit code
 * stays what the sets made it.
 */
export async function reportCheck(
  projects: readonly ProjectConfig[],
  outcome: CheckOutcome,
  options: CheckAlertOptions,
): Promise<void> {
  const { logger, redact, github } = options;
  for (const name of outcome.stale) {
    const lines = outcome.rows.filter((r) => r.project === name && r.state !== 'OK');
    logger.error(redact(`${name}: backups are not recent: ${lines.map(problemLine).join('; ')}`));
  }
  const withIssues = projects.filter((p) => p.alerts?.issues);
  if (withIssues.length === 0) return;
  const [owner = '', repo = ''] = (github?.repository ?? '').split('/');
  if (!github?.token || !owner || !repo) {
    const need = options.issueAlertsNeed ?? ACTION_ISSUE_ALERTS_NEED;
    logger.warning(`alerts.issues needs ${need}; no issues are opened or closed`);
    return;
  }
  try {
    const octokit = await alertOctokit(github.token, github.apiUrl, { signal: options.signal });
    for (const p of withIssues) {
      const rows = outcome.rows.filter((r) => r.project === p.name);
      try {
        if (outcome.stale.includes(p.name)) {
          const lines = rows.filter((r) => r.state !== 'OK').map((r) => redact(problemLine(r)));
          const r = await reportStale(
            octokit,
            { owner, repo },
            { project: p.name, lines, runUrl: options.runUrl },
          );
          logger.info(`${p.name}: ${r.opened ? 'opened' : 'commented on'} issue #${r.issue}`);
        } else {
          const newest =
            rows
              .map((r) => r.newest_time ?? '')
              .sort()
              .at(-1) ?? '';
          const closed = await reportFresh(
            octokit,
            { owner, repo },
            { project: p.name, newest, runUrl: options.runUrl },
          );
          if (closed !== undefined) logger.info(`${p.name}: fresh again; closed issue #${closed}`);
        }
      } catch (err) {
        logger.warning(redact(`${p.name}: the alert issue failed: ${errorMessage(err)}`));
      }
    }
  } catch (err) {
    logger.warning(redact(`alert issues could not be written: ${errorMessage(err)}`));
  }
}
