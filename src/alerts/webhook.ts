/**
 * Posts an alert event as JSON to a webhook. The body carries a Slack-compatible `text` (Slack
 * incoming webhooks, and Mattermost, Discord's /slack endpoint, Teams workflows that read it)
 * plus the event's fields for anything that parses JSON. The URL is a credential: it is never
 * part of a message.
 */
import {
  answerAttempt,
  Attempt,
  attemptVerdict,
  withRetries,
  type RetryOptions,
} from './http-retry.js';

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
  const tries = options.attempts ?? 4;
  await withRetries(
    async () => {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event),
          signal: options.signal ?? null,
          redirect: 'error',
        });
      } catch (err) {
        // fetch's own messages can quote the URL: say what failed without it.
        const code = (err as { cause?: { code?: string } }).cause?.code;
        throw new Attempt(`the webhook could not be reached (${code ?? 'network error'})`, true);
      }
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return;
      throw answerAttempt('the webhook', res);
    },
    attemptVerdict,
    options,
  ).catch((err: unknown) => {
    const last = err instanceof Attempt ? err.message : String(err);
    const after = err instanceof Attempt && err.retry ? ` after ${tries} tries` : '';
    throw new WebhookError(`${last}${after}`);
  });
}
