/** backup in the action: inputs -> the handler; its result -> outputs, job summary, setFailed. */
import * as core from '@actions/core';
import { ACTION_ISSUE_ALERTS_NEED } from '../alerts/send.js';
import { backupCommand } from '../commands/backup.js';
import { readHistory } from '../commands/history.js';
import { catalogAccess, type Ports } from '../commands/ports.js';
import { renderRunSummary } from '../report/run-summary.js';
import type { Inputs } from './inputs.js';
import { manifestEntries, setsOutput, summarySets } from './outputs.js';
import { runnerPgClientInstaller, writeSummary } from './ports.js';
import { actionIdentities } from './restore-inputs.js';
import { repositoryIsPublic, type TriggerContext } from './trigger.js';

export async function backupAction(inputs: Inputs, ports: Ports, trigger: TriggerContext) {
  const { logger, redact } = ports;
  const result = await backupCommand(
    {
      configPath: inputs.config,
      projects: inputs.projects,
      only: inputs.parts,
      outDir: inputs.outDir,
      pgBinDir: inputs.pgBinDir,
      installPgClient: inputs.installPgClient ? runnerPgClientInstaller(logger) : undefined,
      cliDownloadBase: inputs.cliDownloadBase,
      reason: inputs.reason,
      noPrune: !inputs.prune,
      repositoryPublic: repositoryIsPublic(trigger.event),
      // Drills (drill: true) of encrypted sets decrypt with the identity-secret input's key.
      identities: actionIdentities(inputs.restore.identitySecret, logger),
      issueAlertsNeed: ACTION_ISSUE_ALERTS_NEED,
    },
    ports,
  );
  const { results } = result.outcome;
  core.setOutput('sets', redact(JSON.stringify(setsOutput(results))));
  core.setOutput('manifest-entry', redact(JSON.stringify(manifestEntries(results, inputs.reason))));
  core.setOutput('out-dir', inputs.outDir);
  const sets = summarySets(results);
  const failures = result.failures;
  const history =
    result.due.length === 0 || !process.env.GITHUB_STEP_SUMMARY
      ? new Map()
      : await readHistory(result.attempted, catalogAccess(ports, inputs.outDir));
  await writeSummary(renderRunSummary({ sets, failures }, history), redact);
  if (failures.length > 0) {
    const which = failures.map((f) => `${f.project} (${f.message})`).join('; ');
    core.setFailed(redact(`backup failed for ${which}`));
  }
}
