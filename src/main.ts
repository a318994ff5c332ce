/** The action: read inputs once, run the command, set outputs. The only place that calls setFailed. */
import * as core from '@actions/core';
import { readInputs } from './action/inputs.js';
import { backup } from './commands/backup.js';
import { validate } from './commands/validate.js';
import { verify } from './commands/verify.js';
import { ConfigError, errorMessage } from './errors.js';
import { Redactor, type Logger } from './log.js';

function actionsLogger(redactor: Redactor): Logger {
  const r = (m: string) => redactor.redact(m);
  return {
    info: (m) => core.info(r(m)),
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
    switch (inputs.command) {
      case 'validate': {
        const { summary } = await validate(inputs.config);
        for (const line of summary) logger.info(line);
        return;
      }
      case 'verify': {
        const outcome = await verify(inputs.outDir, logger);
        if (outcome.problems > 0)
          core.setFailed(`${outcome.problems} problem(s) found in the backup sets`);
        return;
      }
      case 'backup': {
        const { config } = await validate(inputs.config);
        const outcome = await backup({
          config,
          projects: inputs.projects,
          only: inputs.parts,
          outDir: inputs.outDir,
          env: process.env,
          logger,
          signal: controller.signal,
          pgBinDir: inputs.pgBinDir,
          cliDownloadBase: inputs.cliDownloadBase,
        });
        const sets = outcome.sets.map((s) => ({
          project: s.project,
          set_id: s.set_id,
          dir: s.dir,
          files: s.manifest.parts.map((p) => ({ file: p.file, bytes: p.bytes, sha256: p.sha256 })),
        }));
        core.setOutput('sets', redactor.redact(JSON.stringify(sets)));
        core.setOutput('out-dir', inputs.outDir);
        if (outcome.failures.length > 0) {
          core.setFailed(
            redactor.redact(
              `backup failed for ${outcome.failures.map((f) => `${f.project} (${f.error.message})`).join('; ')}`,
            ),
          );
        }
        return;
      }
    }
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
