/**
 * The action: read the inputs once, refuse an unsafe trigger, run the command's mapping
 * (src/action/commands.ts), and fail the step on any error it throws.
 */
import * as core from '@actions/core';
import { ACTION_COMMANDS } from './action/commands.js';
import { readInputs } from './action/inputs.js';
import { actionPorts, actionsLogger, triggerContext } from './action/ports.js';
import { refuseUnsafeTrigger } from './action/trigger.js';
import { ConfigError, errorMessage, UsageError } from './errors.js';
import { Redactor } from './log.js';

export async function run(): Promise<void> {
  const redactor = new Redactor();
  const logger = actionsLogger(redactor);
  // A cancelled job gets SIGINT then SIGTERM: stop the dump and remove partial files.
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    const inputs = readInputs();
    if (inputs.githubToken) logger.mask(inputs.githubToken);
    // Before anything uses a secret: pull_request_target and fork PRs may only validate.
    const trigger = triggerContext();
    const refusal = refuseUnsafeTrigger(inputs.command, trigger);
    if (refusal) throw new UsageError(refusal);
    const ports = actionPorts(inputs, logger, redactor, controller.signal);
    await ACTION_COMMANDS[inputs.command](inputs, ports, trigger);
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
