/** command check in the action: the freshness table in the log and job summary, outputs, failure. */
import * as core from '@actions/core';
import { check, renderCheckMarkdown, renderCheckText, reportCheck } from '../commands/check.js';
import type { LookupOptions } from '../commands/plan-catalog.js';
import type { Config } from '../config/types.js';
import { selectProjects } from '../config/load.js';
import type { Redactor } from '../log.js';
import { fitSummary } from './summary.js';

export async function checkFromAction(
  config: Config,
  names: string[],
  lookup: LookupOptions,
  redactor: Redactor,
): Promise<void> {
  const projects = selectProjects(config, names);
  const now = new Date();
  const outcome = await check(projects, { ...lookup, now });
  const redact = (t: string) => redactor.redact(t);
  lookup.logger.info(renderCheckText(outcome));
  core.setOutput('check', redact(JSON.stringify(outcome)));
  core.setOutput('stale', outcome.stale.join(','));
  if (process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(fitSummary(redact(renderCheckMarkdown(outcome)))).write();
  }
  const g = lookup.github;
  const runUrl =
    g?.repository && g.runId
      ? `${g.serverUrl.replace(/\/$/, '')}/${g.repository}/actions/runs/${g.runId}`
      : null;
  await reportCheck(projects, outcome, { ...lookup, now, runUrl, redact });
  if (outcome.stale.length > 0)
    core.setFailed(`no recent backup of ${outcome.stale.join(', ')} (see the check table)`);
}
