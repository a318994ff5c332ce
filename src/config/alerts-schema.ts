/**
 * `alerts:` — who hears about a failed backup: a GitHub issue per failing project (opened on
 * failure, commented while it keeps failing, closed on recovery) and/or a webhook (JSON with a
 * Slack-compatible `text`) whose URL comes from an environment variable. See docs/config.md.
 */
import { z } from 'zod';
import { ENV_NAME_RE, describeValue, looksLikeUrl, matching } from './schema-helpers.js';

export const alertsSchema = z.strictObject(
  {
    issues: z
      .boolean({ error: 'alerts.issues must be true or false' })
      .optional()
      .describe(
        'Open a GitHub issue when the project fails, comment on it while it keeps failing, and ' +
          'close it when a backup succeeds again (the job needs `issues: write`). Default false.',
      ),
    webhook_url_secret: matching(
      'webhook_url_secret',
      'an environment variable name',
      ENV_NAME_RE,
      (v) =>
        typeof v === 'string' && looksLikeUrl(v)
          ? 'webhook_url_secret must NAME an environment variable holding the webhook URL, not ' +
            'hold the URL (it is a credential): put it in a repository secret, e.g. ' +
            'BACKUP_WEBHOOK_URL, and pass it to the step as env'
          : 'webhook_url_secret must be an environment variable name, e.g. BACKUP_WEBHOOK_URL',
    )
      .optional()
      .describe(
        'NAME of the environment variable holding a webhook URL (e.g. a Slack incoming webhook) ' +
          'that gets a JSON event on failure and on recovery.',
      ),
  },
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? undefined
        : `alerts must be a mapping such as { issues: true }, got ${describeValue(iss.input)}`,
  },
);

export const alertsShape = {
  alerts: alertsSchema
    .nullable()
    .optional()
    .describe(
      'Failure alerts: a GitHub issue per failing project (issues: true) and/or a webhook ' +
        '(webhook_url_secret). Left out: none; null in a project: none despite `defaults`.',
    ),
};
