/** The action: read inputs once, run the command, set outputs. The only place that calls setFailed. */
import * as core from '@actions/core';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { baseRevision } from './action/base.js';
import { readInputs, type Inputs } from './action/inputs.js';
import { fitSummary } from './action/summary.js';
import { manifestEntries, setsOutput, summarySets } from './action/outputs.js';
import { actionIdentities, restoreFromAction } from './action/restore.js';
import { refuseUnsafeTrigger, repositoryIsPublic, type TriggerContext } from './action/trigger.js';
import { checkFromAction } from './action/check.js';
import { sendAlerts } from './commands/alert.js';
import { readHistory } from './commands/history.js';
import { dueForBackup, plan } from './commands/plan.js';
import { prune } from './commands/prune.js';
import { runBackup } from './commands/run-backup.js';
import { pgClientInstaller } from './dump/pg-client-install.js';
import { run as runProcess } from './proc/run.js';
import type { GitHubContext } from './commands/store.js';
import { review, validate } from './commands/validate.js';
import { verify } from './commands/verify.js';
import { selectProjects } from './config/load.js';
import { ConfigError, errorMessage, UsageError } from './errors.js';
import { inertCommands, Redactor, type Logger } from './log.js';
import { renderPlanSummary } from './plan/render.js';
import { renderRunSummary } from './report/run-summary.js';
import { renderSummary } from './report/summary.js';

function actionsLogger(redactor: Redactor): Logger {
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
function triggerContext(): TriggerContext {
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

async function command(
  inputs: Inputs,
  logger: Logger,
  redactor: Redactor,
  signal: AbortSignal,
): Promise<void> {
  if (inputs.githubToken) logger.mask(inputs.githubToken);
  // Before anything uses a secret: pull_request_target and fork PRs may only validate.
  const trigger = triggerContext();
  const refusal = refuseUnsafeTrigger(inputs.command, trigger);
  if (refusal) throw new UsageError(refusal);
  // How plan, prune, the schedule check and the history charts reach the catalog.
  const lookup = {
    github: githubContext(inputs),
    outDir: inputs.outDir,
    logger,
    workDir: process.env.RUNNER_TEMP || tmpdir(),
    signal,
  };
  switch (inputs.command) {
    case 'validate': {
      const { config, summary } = await validate(inputs.config);
      for (const line of summary) logger.info(line);
      const sha = baseRevision(trigger);
      const outcome = await review(config, {
        base: sha ? { kind: 'ref', ref: sha } : undefined,
        workflowsDir: '.github/workflows',
        token: inputs.githubToken,
        signal,
        baseOptional: true,
      });
      if (outcome.baseProblem) logger.warning(`no plan against the base: ${outcome.baseProblem}`);
      for (const i of outcome.wiring.issues) {
        core.warning(i.message, { file: inputs.config, startLine: i.line, startColumn: i.column });
      }
      if (process.env.GITHUB_STEP_SUMMARY) {
        await core.summary.addRaw(fitSummary(redactor.redact(outcome.markdown))).write();
      }
      return;
    }
    case 'verify': {
      const outcome = await verify(inputs.outDir, logger);
      if (outcome.problems > 0)
        core.setFailed(`${outcome.problems} problem(s) found in the backup sets`);
      return;
    }
    case 'prune': {
      const { config } = await validate(inputs.config);
      const outcome = await prune(selectProjects(config, inputs.projects), {
        ...lookup,
        dryRun: inputs.dryRun,
        now: new Date(),
      });
      core.setOutput('pruned', JSON.stringify(outcome.results));
      if (outcome.failures.length > 0)
        core.setFailed(
          redactor.redact(`prune failed for ${outcome.failures.map((f) => f.project).join(', ')}`),
        );
      return;
    }
    case 'restore': {
      const { config } = await validate(inputs.config);
      const outcome = await restoreFromAction(
        config,
        inputs.projects,
        inputs.parts,
        { ...inputs.restore, dryRun: inputs.dryRun, pgBinDir: inputs.pgBinDir },
        githubContext(inputs),
        logger,
        signal,
      );
      core.setOutput(
        'restored',
        JSON.stringify({
          set: `${outcome.manifest.project}/${outcome.manifest.set_id}`,
          applied: outcome.applied,
        }),
      );
      return;
    }
    case 'check': {
      const { config } = await validate(inputs.config);
      await checkFromAction(config, inputs.projects, { ...lookup, env: process.env }, redactor);
      return;
    }
    case 'plan': {
      const { config } = await validate(inputs.config);
      const at = inputs.at ?? new Date();
      const outcome = await plan({
        config,
        projects: inputs.projects,
        at,
        eventName: process.env.GITHUB_EVENT_NAME || undefined,
        maxJobs: inputs.maxJobs,
        ...lookup,
      });
      core.setOutput('projects', outcome.projects);
      core.setOutput('matrix', JSON.stringify(outcome.matrix));
      if (process.env.GITHUB_STEP_SUMMARY) {
        const markdown = renderPlanSummary(outcome.decisions, at, outcome.jobs);
        await core.summary.addRaw(fitSummary(redactor.redact(markdown))).write();
      }
      return;
    }
    case 'backup': {
      const { config } = await validate(inputs.config);
      // On a schedule trigger only the projects whose own schedule is due are backed up.
      const due = await dueForBackup({
        config,
        projects: inputs.projects,
        eventName: process.env.GITHUB_EVENT_NAME || undefined,
        ...lookup,
      });
      if (due.length === 0) {
        logger.info('no project is due (schedules); nothing to back up');
        core.setOutput('sets', '[]');
        core.setOutput('manifest-entry', '[]');
        core.setOutput('out-dir', inputs.outDir);
        if (process.env.GITHUB_STEP_SUMMARY) {
          await core.summary.addRaw(renderSummary({ sets: [], failures: [] })).write();
        }
        return;
      }
      const outcome = await runBackup({
        config,
        projects: due,
        only: inputs.parts,
        outDir: inputs.outDir,
        env: process.env,
        logger,
        signal,
        pgBinDir: inputs.pgBinDir,
        installPgClient: inputs.installPgClient ? runnerPgClientInstaller(logger) : undefined,
        cliDownloadBase: inputs.cliDownloadBase,
        github: githubContext(inputs),
        reason: inputs.reason,
        noPrune: !inputs.prune,
        repositoryPublic: repositoryIsPublic(trigger.event),
        // Drills (drill: true) of encrypted sets decrypt with the identity-secret input's key.
        identities: actionIdentities(inputs.restore.identitySecret, logger),
      });
      core.setOutput('sets', redactor.redact(JSON.stringify(setsOutput(outcome.results))));
      core.setOutput(
        'manifest-entry',
        redactor.redact(JSON.stringify(manifestEntries(outcome.results, inputs.reason))),
      );
      core.setOutput('out-dir', inputs.outDir);
      const failures = outcome.failures.map((f) => ({
        project: f.project,
        message: f.error.message,
      }));
      const attempted = config.projects.filter((p) => due.includes(p.name));
      if (process.env.GITHUB_STEP_SUMMARY) {
        const summary = renderRunSummary(
          { sets: summarySets(outcome.results), failures },
          await readHistory(attempted, lookup),
        );
        await core.summary.addRaw(fitSummary(redactor.redact(summary))).write();
      }
      // Never throws: the backup's own failures below stay what fails the step.
      await sendAlerts({
        ...lookup,
        projects: attempted,
        succeeded: outcome.results,
        failed: failures,
        env: process.env,
        redact: (t) => redactor.redact(t),
      });
      if (failures.length > 0) {
        core.setFailed(
          redactor.redact(
            `backup failed for ${failures.map((f) => `${f.project} (${f.message})`).join('; ')}`,
          ),
        );
      }
      return;
    }
  }
}

export async function run(): Promise<void> {
  const redactor = new Redactor();
  const logger = actionsLogger(redactor);
  // A cancelled job gets SIGINT then SIGTERM: stop the dump and remove partial files.
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    await command(readInputs(), logger, redactor, controller.signal);
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const i of err.issues) {
        core.error(`${i.path ? `${i.path}: ` : ''}${i.message}`, {
          file: i.file,
          startLine: i.line,
          startColumn: i.column,
        });
      }
    }
    core.setFailed(
      controller.signal.aborted
        ? 'cancelled; partial files were removed'
        : redactor.redact(errorMessage(err)),
    );
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

/** install-pg-client on this runner: the real commands, their output in the log. */
function runnerPgClientInstaller(logger: Logger): (major: number) => Promise<void> {
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
