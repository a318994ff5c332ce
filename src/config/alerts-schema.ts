/**
 * `alerts:` — who hears about a failed backup: a GitHub issue per failing project (opened on
 * failure, commented while it keeps failing, closed on recovery) and/or a webhook (JSON with a
 * Slack-compatible `text`) whose URL comes from an environment variable. See docs/config.md.
 */
import { z } from 'zod';
import { ENV_NAME_RE, describeValue, looksLikeUrl, matching } from './schema-helpers.js';

/** A key naming the variable that holds a credential URL; a URL written there is refused. */
const secretName = (key: string, what: string, example: string) =>
  matching(key, 'an environment variable name', ENV_NAME_RE, (v) =>
    typeof v === 'string' && looksLikeUrl(v)
      ? `${key} must NAME an environment variable holding ${what}, not hold the URL (it is ` +
        `a credential): put it in a repository secret, e.g. ${example}, and pass it to the ` +
        'step as env'
      : `${key} must be an environment variable name, e.g. ${example}`,
  );

const alertsSchema = z.strictObject(
  {
    issues: z
      .boolean({ error: 'alerts.issues must be true or false' })
      .optional()
      .describe(
        'Open a GitHub issue when the project fails, comment on it while it keeps failing, and ' +
          'close it when a backup succeeds again (the job needs `issues: write`). Default false.',
      ),
    webhook_url_secret: secretName('webhook_url_secret', 'the webhook URL', 'BACKUP_WEBHOOK_URL')
      .optional()
      .describe(
        'NAME of the environment variable holding a webhook URL (e.g. a Slack incoming webhook) ' +
          'that gets a JSON event on failure and on recovery.',
      ),
    heartbeat_url_secret: secretName(
      'heartbeat_url_secret',
      'the healthchecks.io ping URL with its ping key (https://hc-ping.com/<ping-key>)',
      'BACKUP_HEARTBEAT_URL',
    )
      .optional()
      .describe(
        'NAME of the environment variable holding a healthchecks.io ping URL with the ping key, ' +
          'https://hc-ping.com/<ping-key>: each backup pings <url>/<project>/start, then ' +
          '<url>/<project> or <url>/<project>/fail (one check per project, created on first ' +
          'ping), so a service outside GitHub notices when backups stop (docs/monitoring.md).',
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
      'Failure alerts: a GitHub issue per failing project (issues: true), a webhook ' +
        '(webhook_url_secret) and/or heartbeats (heartbeat_url_secret). Left out: none; null in a project: none despite `defaults`.',
    ),
};
