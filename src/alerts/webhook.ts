/**
 * Posts an alert event as JSON to a webhook. The body carries a Slack-compatible `text` (Slack
 * incoming webhooks, and Mattermost, Discord's /slack endpoint, Teams workflows that read it)
 * plus the event's fields for anything that parses JSON. The URL is a credential: it is never
 * part of a message.
 */
import { postWithRetries, type RetryOptions } from './http-retry.js';

export interface AlertEvent {
  event: 'failure' | 'recovery';
  project: string;
  /** owner/name; null outside GitHub. */
  repository: string | null;
  run_url: string | null;
  /** Failure: what went wrong (no secrets). */
  error: string | null;
  /** Start of the newest good set (ISO), null when none is known. */
  last_good_set: string | null;
  /** Recovery: the set this run wrote, "<project>/<set-id>". */
  set: string | null;
  /** One line for people, Slack mrkdwn. */
  text: string;
}

class WebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookError';
  }
}

export async function postWebhook(
  url: string,
  event: AlertEvent,
  options: RetryOptions = {},
): Promise<void> {
  await postWithRetries(
    'the webhook',
    url,
    { contentType: 'application/json', text: JSON.stringify(event) },
    options,
  ).catch((err: unknown) => {
    throw new WebhookError((err as Error).message);
  });
}
