/** check in the action: the freshness table in the log and job summary, outputs, failure. */
import * as core from '@actions/core';
import { ACTION_ISSUE_ALERTS_NEED } from '../alerts/send.js';
import { checkCommand } from '../commands/check.js';
import type { Ports } from '../commands/ports.js';
import { renderCheckMarkdown, renderCheckText } from '../monitor/check-table.js';
import type { Inputs } from './inputs.js';
import { writeSummary } from './ports.js';

export async function checkAction(inputs: Inputs, ports: Ports): Promise<void> {
  const { outcome } = await checkCommand(
    {
      configPath: inputs.config,
      projects: inputs.projects,
      outDir: inputs.outDir,
      issueAlertsNeed: ACTION_ISSUE_ALERTS_NEED,
    },
    ports,
  );
  ports.logger.info(renderCheckText(outcome));
  core.setOutput('check', ports.redact(JSON.stringify(outcome)));
  core.setOutput('stale', outcome.stale.join(','));
  await writeSummary(renderCheckMarkdown(outcome), ports.redact);
  if (outcome.stale.length > 0)
    core.setFailed(`no recent backup of ${outcome.stale.join(', ')} (see the check table)`);
}
