/** The runner as the command handlers see it: logger, GitHub context, trigger, environment. */
import * as core from '@actions/core';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Ports } from '../commands/ports.js';
import { pgClientInstaller } from '../dump/pg-client-install.js';
import type { GitHubContext } from '../github/context.js';
import { inertCommands, type Logger, type Redactor } from '../log.js';
import { run as runProcess } from '../proc/run.js';
import type { Inputs } from './inputs.js';
import { fitSummary } from './summary-limit.js';
import type { TriggerContext } from './trigger.js';

export function actionsLogger(redactor: Redactor): Logger {
  const r = (m: string) => redactor.redact(m);
  return {
    // Only info reaches the log as raw lines: the others are workflow commands, escaped by core.
    info: (m) => core.info(inertCommands(r(m))),
    notice: (m) => core.notice(r(m)),
    warning: (m) => core.warning(r(m)),
    error: (m) => core.error(r(m)),
    debug: (m) => core.debug(r(m)),
    mask: (s) => {
      redactor.add(s);
      core.setSecret(s);
    },
    group: (title, fn) => core.group(title, fn),
  };
}

function githubContext(inputs: Inputs): GitHubContext {
  const env = process.env;
  return {
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    gitServerUrl: inputs.gitServerUrl,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    repository: env.GITHUB_REPOSITORY || undefined,
    runId: env.GITHUB_RUN_ID || undefined,
    token: inputs.githubToken,
  };
}

/** The workflow's trigger: GITHUB_EVENT_NAME, the GITHUB_EVENT_PATH payload, GITHUB_REPOSITORY. */
export function triggerContext(): TriggerContext {
  const path = process.env.GITHUB_EVENT_PATH;
  let event: unknown;
  try {
    event = path ? (JSON.parse(readFileSync(path, 'utf8')) as unknown) : undefined;
  } catch {
    event = undefined; // unreadable: a pull request whose origin is unknown is refused
  }
  return {
    eventName: process.env.GITHUB_EVENT_NAME ?? '',
    event,
    repository: process.env.GITHUB_REPOSITORY || undefined,
  };
}

export function actionPorts(
  inputs: Inputs,
  logger: Logger,
  redactor: Redactor,
  signal: AbortSignal,
): Ports {
  return {
    logger,
    env: process.env,
    github: githubContext(inputs),
    eventName: process.env.GITHUB_EVENT_NAME || undefined,
    workDir: process.env.RUNNER_TEMP || tmpdir(),
    signal,
    redact: (t) => redactor.redact(t),
    now: () => new Date(),
  };
}

/** install-pg-client on this runner: the real commands, their output in the log. */
export function runnerPgClientInstaller(logger: Logger): (major: number) => Promise<void> {
  let osRelease = '';
  try {
    osRelease = readFileSync('/etc/os-release', 'utf8');
  } catch {
    // not Linux, or no os-release: the installer says it cannot install here
  }
  return pgClientInstaller({
    osRelease,
    isRoot: process.getuid?.() === 0,
    logger,
    run: async (command, args) => {
      const { stdout } = await runProcess(command, args, {
        // Only what apt and sudo need: no secret of the run reaches them.
        env: {
          PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
          HOME: process.env.HOME ?? '/root',
          DEBIAN_FRONTEND: 'noninteractive',
        },
      });
      if (stdout.trim()) logger.debug(stdout.trim());
    },
  });
}

/** The step's job summary, when the runner has one: cut to GitHub's limit, secrets blanked. */
export async function writeSummary(markdown: string, redact: (t: string) => string) {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(fitSummary(redact(markdown))).write();
}
