/**
 * Each action command: its inputs -> the handler's options, the handler's result -> outputs,
 * annotations, the job summary, and a failed step when the result says so (errors thrown go
 * to main.ts).
 */
import * as core from '@actions/core';
import { planCommand } from '../commands/plan.js';
import type { Ports } from '../commands/ports.js';
import { prune } from '../commands/prune.js';
import { validate } from '../commands/validate.js';
import { verify } from '../commands/verify.js';
import { loadConfigFile } from '../config/load.js';
import { renderPlanSummary } from '../schedule/render.js';
import { baseRevision } from './base-revision.js';
import type { Command, Inputs } from './inputs.js';
import { restoreFromAction } from './restore-inputs.js';
import { writeSummary } from './ports.js';
import type { TriggerContext } from './trigger.js';
import { backupAction } from './backup.js';
import { checkAction } from './check.js';

export type ActionCommand = (
  inputs: Inputs,
  ports: Ports,
  trigger: TriggerContext,
) => Promise<void>;

const validateAction: ActionCommand = async (inputs, ports, trigger) => {
  const sha = baseRevision(trigger);
  const { summary, review } = await validate(
    {
      configPath: inputs.config,
      base: sha ? { kind: 'ref', ref: sha } : undefined,
      workflowsDir: '.github/workflows',
      token: inputs.githubToken,
      baseOptional: true,
    },
    ports,
  );
  for (const line of summary) ports.logger.info(line);
  if (review.baseProblem) ports.logger.warning(`no plan against the base: ${review.baseProblem}`);
  for (const i of review.wiring.issues) {
    core.warning(i.message, { file: inputs.config, startLine: i.line, startColumn: i.column });
  }
  await writeSummary(review.markdown, ports.redact);
};

const verifyAction: ActionCommand = async (inputs, ports) => {
  const outcome = await verify({ from: inputs.outDir }, ports);
  if (outcome.problems > 0)
    core.setFailed(`${outcome.problems} problem(s) found in the backup sets`);
};

const pruneAction: ActionCommand = async (inputs, ports) => {
  const outcome = await prune(
    {
      configPath: inputs.config,
      projects: inputs.projects,
      outDir: inputs.outDir,
      dryRun: inputs.dryRun,
    },
    ports,
  );
  core.setOutput('pruned', JSON.stringify(outcome.results));
  if (outcome.failures.length > 0)
    core.setFailed(
      ports.redact(`prune failed for ${outcome.failures.map((f) => f.project).join(', ')}`),
    );
};

const restoreAction: ActionCommand = async (inputs, ports) => {
  const config = await loadConfigFile(inputs.config);
  const outcome = await restoreFromAction(
    config,
    inputs.projects,
    inputs.parts,
    { ...inputs.restore, dryRun: inputs.dryRun, pgBinDir: inputs.pgBinDir },
    ports.github,
    ports.logger,
    ports.signal,
  );
  const set = `${outcome.manifest.project}/${outcome.manifest.set_id}`;
  core.setOutput('restored', JSON.stringify({ set, applied: outcome.applied }));
};

const planAction: ActionCommand = async (inputs, ports) => {
  const at = inputs.at ?? ports.now();
  const outcome = await planCommand(
    {
      configPath: inputs.config,
      projects: inputs.projects,
      at,
      maxJobs: inputs.maxJobs,
      outDir: inputs.outDir,
    },
    ports,
  );
  core.setOutput('projects', outcome.projects);
  core.setOutput('matrix', JSON.stringify(outcome.matrix));
  await writeSummary(renderPlanSummary(outcome.decisions, at, outcome.jobs), ports.redact);
};

export const ACTION_COMMANDS: Record<Command, ActionCommand> = {
  validate: validateAction,
  verify: verifyAction,
  prune: pruneAction,
  restore: restoreAction,
  plan: planAction,
  backup: backupAction,
  check: checkAction,
};
