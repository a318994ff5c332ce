/**
 * What every command handler is given besides its own options: the world it runs in. The
 * action builds these from the runner (src/action/ports.ts), the CLI from the process
 * (src/cli/args.ts), and unit tests from memory. Handlers read nothing else: no process.env,
 * no @actions/*, no clock of their own.
 */
import type { GitHubContext } from '../github/context.js';
import type { Logger } from '../log.js';

export interface Ports {
  logger: Logger;
  /** Where secrets and destination credentials are read, by the names the config gives. */
  env: Record<string, string | undefined>;
  /** The repository and token (GITHUB_* in both entries); token and repository may be absent. */
  github: GitHubContext;
  /** GITHUB_EVENT_NAME: on `schedule` only due projects are backed up; dispatch makes all due. */
  eventName?: string | undefined;
  /** Scratch space for clones and downloads (RUNNER_TEMP in the action). */
  workDir: string;
  signal?: AbortSignal | undefined;
  /** Blanks secrets out of text that leaves the run (issue bodies, webhooks, outputs). */
  redact: (text: string) => string;
  now: () => Date;
}

/** How plan, prune, the schedule gate and the history reach the catalog of each destination. */
export function catalogAccess(ports: Ports, outDir: string | undefined) {
  const { github, logger, workDir, signal, env } = ports;
  return { github, logger, workDir, signal, env, outDir };
}
