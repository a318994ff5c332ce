/**
 * After a backup run: tell people about failures and recoveries, per the projects' `alerts:`.
 * Never throws: an alert that cannot be sent is a warning, and the run's own outcome (its
 * failures, its exit code) stays what the backup made it.
 */
import type { ProjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { alertOctokit, reportFailure, reportRecovery, type IssueTarget } from './issue.js';
import type { RetryOptions } from './http-retry.js';
import { postWebhook, type AlertEvent } from './webhook.js';
import { lastGoodSets } from '../destinations/catalog-reader.js';
import type { GitHubContext } from '../github/context.js';

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
  /** What alerts.issues lacks when the repository or token is missing (the entries differ). */
  issueAlertsNeed?: string;
}

/** The action's wording; the CLI names its environment variables instead. */
export const ACTION_ISSUE_ALERTS_NEED = 'the workflow repository and github-token (issues: write)';

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

/** What happened to one project in this run, as the alerts tell it. */
interface Outcome {
  project: string;
  /** Failure: the (redacted) error; undefined when the project succeeded. */
  error: string | undefined;
  /** The set this run stored, "<project>/<set-id>", or null. */
  set: string | null;
  runUrl: string | null;
  /** Start of the newest good set (ISO, seconds), or null. */
  lastGood: string | null;
}

type AlertOctokit = Awaited<ReturnType<typeof alertOctokit>>;

/** Opens, comments on or closes the project's issue; true when it closed one (a recovery). */
async function issueAlert(octokit: AlertOctokit, target: IssueTarget, o: Outcome, logger: Logger) {
  if (o.error !== undefined) {
    const r = await reportFailure(octokit, target, { ...o, error: o.error });
    logger.info(`${o.project}: ${r.opened ? 'opened' : 'commented on'} issue #${r.issue}`);
    return false;
  }
  const closed = await reportRecovery(octokit, target, { ...o, set: o.set ?? '' });
  if (closed !== undefined) logger.info(`${o.project}: recovered; closed issue #${closed}`);
  return closed !== undefined;
}

function webhookEvent(o: Outcome, repository: string | null): AlertEvent {
  const run = o.runUrl ? ` (<${o.runUrl}|run>)` : '';
  const failed = o.error !== undefined;
  return {
    event: failed ? 'failure' : 'recovery',
    project: o.project,
    repository,
    run_url: o.runUrl,
    error: o.error ?? null,
    last_good_set: failed ? o.lastGood : null,
    set: o.set,
    text: failed
      ? `:x: Supabase backup of *${o.project}* failed: ${o.error}${run}. Last good set: ` +
        `${o.lastGood ? `started ${o.lastGood}` : 'none found'}.`
      : `:white_check_mark: Supabase backup of *${o.project}* succeeded again: ${o.set}${run}.`,
  };
}

async function send(options: AlertOptions): Promise<void> {
  const { github, logger, redact } = options;
  const withAlerts = options.projects.filter(
    (p) => p.alerts && (p.alerts.issues || p.alerts.webhook_url_secret),
  );
  if (withAlerts.length === 0) return;
  const failed = new Map(options.failed.map((f) => [f.project, redact(f.message)]));
  const succeeded = new Map(options.succeeded.map((s) => [s.project, s.set_id]));
  const warn = (project: string, what: string, err: unknown) =>
    logger.warning(redact(`${project}: ${what} failed: ${errorMessage(err)}`));

  const [owner = '', repo = ''] = (github.repository ?? '').split('/');
  let octokit: AlertOctokit | undefined;
  if (withAlerts.some((p) => p.alerts?.issues)) {
    if (github.token && owner && repo) {
      const retry = { ...options.retry, signal: options.signal };
      octokit = await alertOctokit(github.token, github.apiUrl, retry);
    } else {
      const need = options.issueAlertsNeed ?? ACTION_ISSUE_ALERTS_NEED;
      logger.warning(`alerts.issues needs ${need}; no issues are opened or closed`);
    }
  }
  const failing = withAlerts.filter((p) => failed.has(p.name));
  const lastGood = failing.length
    ? await lastGoodSets(failing, options).catch(() => new Map<string, Date | undefined>())
    : new Map<string, Date | undefined>();

  for (const p of withAlerts) {
    const setId = succeeded.get(p.name);
    if (!failed.has(p.name) && setId === undefined) continue;
    const o: Outcome = {
      project: p.name,
      error: failed.get(p.name),
      set: setId !== undefined ? `${p.name}/${setId}` : null,
      runUrl: runUrl(github),
      lastGood:
        lastGood
          .get(p.name)
          ?.toISOString()
          .replace(/\.\d{3}Z$/, 'Z') ?? null,
    };
    let recovered = false;
    if (octokit && p.alerts?.issues) {
      recovered = await issueAlert(octokit, { owner, repo }, o, logger).catch((err: unknown) => {
        warn(p.name, 'the alert issue', err);
        return false;
      });
    }
    const secret = p.alerts?.webhook_url_secret;
    // Without an issue to say the project was failing, a success is not news.
    if (!secret || (o.error === undefined && !recovered)) continue;
    const hook = options.env[secret];
    if (!hook) {
      logger.warning(
        `${p.name}: alerts.webhook_url_secret names ${secret}, which is not set; no webhook sent`,
      );
      continue;
    }
    logger.mask(hook);
    const event = webhookEvent(o, github.repository ?? null);
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
