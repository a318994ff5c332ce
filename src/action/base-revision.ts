/** The revision a pull request's config is compared with, from the event payload (pure). */
import type { TriggerContext } from './trigger.js';

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * pull_request* events: `pull_request.base.sha`; merge_group: `merge_group.base_sha`.
 * undefined on any other event, or when the payload lacks a commit id.
 */
export function baseRevision(trigger: TriggerContext): string | undefined {
  const event = trigger.event as {
    pull_request?: { base?: { sha?: unknown } };
    merge_group?: { base_sha?: unknown };
  } | null;
  const sha = trigger.eventName.startsWith('pull_request')
    ? event?.pull_request?.base?.sha
    : trigger.eventName === 'merge_group'
      ? event?.merge_group?.base_sha
      : undefined;
  return typeof sha === 'string' && SHA.test(sha) ? sha : undefined;
}
