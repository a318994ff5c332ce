/**
 * Which workflow triggers may run which command (pure: the caller reads GITHUB_EVENT_NAME,
 * GITHUB_EVENT_PATH and GITHUB_REPOSITORY).
 *
 * `backup`, `prune` (and any command that needs the database secrets or a write token) refuse
 * to run where the code or the config may come from someone outside the repository:
 * `pull_request_target` (base repository's secrets and a write token, while the workflow is
 * one checkout away from running the pull request's code) and pull requests from forks. Only
 * `validate` runs there: it needs no secret and writes nothing.
 */

export interface TriggerContext {
  /** GITHUB_EVENT_NAME, e.g. "schedule", "pull_request". */
  eventName: string;
  /** The parsed JSON of GITHUB_EVENT_PATH; undefined when there is none. */
  event: unknown;
  /** GITHUB_REPOSITORY ("owner/name"): the repository the workflow runs in. */
  repository: string | undefined;
}

/** Commands that read no secret and write nowhere: allowed on any trigger. */
const SAFE_ANYWHERE: readonly string[] = ['validate'];

/** Events whose payload carries the pull request that triggered them. */
const PULL_REQUEST_EVENTS: readonly string[] = [
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
];

const WHAT_TO_DO =
  'Run `command: validate` on pull requests (it needs no secrets and writes nothing), and run ' +
  'backups on `schedule`, `workflow_dispatch` or `push` to a protected branch.';

function field(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const sameRepository = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Where a pull request comes from: `{ head, base }` full names, head undefined when the
 * payload does not say (a deleted fork has `head.repo: null`).
 */
function pullRequestRepositories(
  pr: unknown,
  ctx: TriggerContext,
): { head: string | undefined; base: string | undefined } {
  return {
    head: text(field(pr, 'head', 'repo', 'full_name')),
    base:
      text(field(pr, 'base', 'repo', 'full_name')) ??
      text(field(ctx.event, 'repository', 'full_name')) ??
      ctx.repository,
  };
}

function forkRefusal(command: string, trigger: string, head: string | undefined, base: string) {
  const from = head ? `the fork ${head}` : 'a repository that no longer exists or is unknown';
  return (
    `command "${command}" refuses to run on ${trigger} from ${from} into ${base}: its author ` +
    'controls the code and the config of the run, which must never get the database secrets ' +
    `or a write token (GitHub also withholds secrets from fork pull requests). ${WHAT_TO_DO}`
  );
}

/**
 * Returns null when `command` may run on this trigger, else a message that says why not and
 * what to do instead. backup, prune (and restore) must not run on pull_request_target, nor on
 * pull requests (or workflow_run of pull requests) from forks; validate runs anywhere.
 */
export function refuseUnsafeTrigger(command: string, ctx: TriggerContext): string | null {
  if (SAFE_ANYWHERE.includes(command)) return null;
  const event = ctx.eventName;

  if (event === 'pull_request_target') {
    return (
      `command "${command}" refuses to run on pull_request_target: that event gives the ` +
      "workflow this repository's secrets and a write token while the pull request (possibly " +
      `from a fork) decides what is checked out and run. ${WHAT_TO_DO}`
    );
  }

  if (PULL_REQUEST_EVENTS.includes(event)) {
    const { head, base } = pullRequestRepositories(field(ctx.event, 'pull_request'), ctx);
    if (!base) {
      return (
        `command "${command}" refuses to run on ${event}: the event payload does not say ` +
        `which repository the pull request comes from (GITHUB_EVENT_PATH). ${WHAT_TO_DO}`
      );
    }
    if (!head || !sameRepository(head, base)) return forkRefusal(command, event, head, base);
    return null;
  }

  if (event === 'workflow_run') {
    // Runs with the base repository's secrets after a workflow that a fork's pull request ran.
    const run = field(ctx.event, 'workflow_run');
    const runEvent = text(field(run, 'event'));
    if (runEvent === 'pull_request' || runEvent === 'pull_request_target') {
      const head = text(field(run, 'head_repository', 'full_name'));
      const base =
        text(field(run, 'repository', 'full_name')) ??
        text(field(ctx.event, 'repository', 'full_name')) ??
        ctx.repository;
      if (!head || !base || !sameRepository(head, base))
        return forkRefusal(
          command,
          `workflow_run of a ${runEvent}`,
          head,
          base ?? 'this repository',
        );
    }
  }
  return null;
}

/**
 * From the event payload: whether the repository is public (`repository.visibility` is
 * "public", or `repository.private` is false without a visibility). Internal and private
 * repositories are not public. Undefined when the payload does not say.
 */
export function repositoryIsPublic(event: unknown): boolean | undefined {
  const visibility = text(field(event, 'repository', 'visibility'));
  if (visibility !== undefined) return visibility.toLowerCase() === 'public';
  const isPrivate = field(event, 'repository', 'private');
  return typeof isPrivate === 'boolean' ? !isPrivate : undefined;
}
