/**
 * After a backup run: tell people about failures and recoveries, per the projects' `alerts:`.
 * Never throws: an alert that cannot be sent is a warning, and the run's own outcome (its
 * failures, its exit code) stays what the backup made it.
 */
import type { ProjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { alertOctokit, reportFailure, reportRecovery } from '../report/issues.js';
import type { RetryOptions } from '../report/retry.js';
import { postWebhook, type AlertEvent } from '../report/webhook.js';
import { lastGoodSets } from './plan.js';
import type { GitHubContext } from './store.js';

export interface AlertOptions {
  /** The projects this run tried to back up. */
  projects: readonly ProjectConfig[];
  succeeded: readonly { project: string; set_id: string }[];
  /** The error messages, already free of secrets. */
  failed: readonly { project: string; message: string }[];
  github: GitHubContext;
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Blanks secrets out of text that leaves the runner (issue bodies, webhook events). */
  redact: (text: string) => string;
  outDir?: string | undefined;
  workDir: string;
  retry?: RetryOptions;
  signal?: AbortSignal | undefined;
}

function runUrl(github: GitHubContext): string | null {
  if (!github.repository || !github.runId) return null;
  return `${github.serverUrl.replace(/\/$/, '')}/${github.repository}/actions/runs/${github.runId}`;
}

export async function sendAlerts(options: AlertOptions): Promise<void> {
  try {
    await send(options);
  } catch (err) {
    options.logger.warning(options.redact(`alerts could not be sent: ${errorMessage(err)}`));
  }
}

async function send(options: AlertOptions): Promise<void> {
  const { github, logger, redact } = options;
  const withAlerts = options.projects.filter(
    (p) => p.alerts && (p.alerts.issues || p.alerts.webhook_url_secret),
  );
  if (withAlerts.length === 0) return;
  const url = runUrl(github);
  const failed = new Map(options.failed.map((f) => [f.project, redact(f.message)]));
  const succeeded = new Map(options.succeeded.map((s) => [s.project, s.set_id]));
  const warn = (project: string, what: string, err: unknown) =>
    logger.warning(redact(`${project}: ${what} failed: ${errorMessage(err)}`));

  const wantIssues = withAlerts.some((p) => p.alerts?.issues);
  const [owner = '', repo = ''] = (github.repository ?? '').split('/');
  let octokit: Awaited<ReturnType<typeof alertOctokit>> | undefined;
  if (wantIssues && (!github.token || !owner || !repo)) {
    logger.warning(
      'alerts.issues needs the workflow repository and github-token (issues: write); no issues are opened or closed',
    );
  } else if (wantIssues) {
    octokit = await alertOctokit(github.token!, github.apiUrl, {
      ...options.retry,
      signal: options.signal,
    });
  }
  const failing = withAlerts.filter((p) => failed.has(p.name));
  const lastGood = failing.length
    ? await lastGoodSets(failing, { ...options, github }).catch(
        () => new Map<string, Date | undefined>(),
      )
    : new Map<string, Date | undefined>();

  for (const p of withAlerts) {
    const error = failed.get(p.name);
    const setId = succeeded.get(p.name);
    if (error === undefined && setId === undefined) continue;
    const good = lastGood.get(p.name)?.toISOString() ?? null;
    let recovered = false;
    if (octokit && p.alerts?.issues) {
      try {
        if (error !== undefined) {
          const r = await reportFailure(
            octokit,
            { owner, repo },
            { project: p.name, error, runUrl: url, lastGood: good },
          );
          logger.info(`${p.name}: ${r.opened ? 'opened' : 'commented on'} issue #${r.issue}`);
        } else {
          const closed = await reportRecovery(
            octokit,
            { owner, repo },
            { project: p.name, set: `${p.name}/${setId}`, runUrl: url },
          );
          if (closed !== undefined) logger.info(`${p.name}: recovered; closed issue #${closed}`);
          recovered = closed !== undefined;
        }
      } catch (err) {
        warn(p.name, 'the alert issue', err);
      }
    }
    const secret = p.alerts?.webhook_url_secret;
    // Without an issue to say the project was failing, a success is not news.
    if (!secret || (error === undefined && !recovered)) continue;
    const hook = options.env[secret];
    if (!hook) {
      logger.warning(
        `${p.name}: alerts.webhook_url_secret names ${secret}, which is not set; no webhook sent`,
      );
      continue;
    }
    logger.mask(hook);
    const event: AlertEvent = {
      event: error !== undefined ? 'failure' : 'recovery',
      project: p.name,
      repository: github.repository ?? null,
      run_url: url,
      error: error ?? null,
      last_good_set: error !== undefined ? good : null,
      set: setId !== undefined ? `${p.name}/${setId}` : null,
      text:
        error !== undefined
          ? `:x: Supabase backup of *${p.name}* failed: ${error}${url ? ` (<${url}|run>)` : ''}. Last good set: ${good ?? 'none found'}.`
          : `:white_check_mark: Supabase backup of *${p.name}* succeeded again: ${p.name}/${setId}${url ? ` (<${url}|run>)` : ''}.`,
    };
    try {
      await postWebhook(
        hook,
        { ...event, text: redact(event.text) },
        { ...options.retry, signal: options.signal },
      );
      logger.info(`${p.name}: ${event.event} sent to the webhook`);
    } catch (err) {
      warn(p.name, `the ${event.event} webhook`, err);
    }
  }
}
