/**
 * The pull-request view of a valid config: what changes against the base config, and which
 * secrets the workflows do not pass. Reads files and git objects only.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { errorMessage } from '../errors.js';
import {
  readBaseConfig,
  type BaseConfig,
  type BaseOptions,
  type BaseSource,
} from './base-config.js';
import { diffConfigs } from './diff.js';
import { renderConfigPlan } from './diff-render.js';
import { checkWiring, type WiringReport, type WorkflowFile } from './wiring.js';

export interface ReviewOptions extends BaseOptions {
  /** What to compare with; undefined = nothing (every project is shown as it is). */
  base?: BaseSource | undefined;
  /** Directory of the workflows to check the wiring of secrets in (.github/workflows). */
  workflowsDir: string;
  /** A base that cannot be read is noted in the plan (and returned) instead of thrown. */
  baseOptional?: boolean;
}

export interface Review {
  /** The plan as markdown, for the job summary. */
  markdown: string;
  wiring: WiringReport;
  /** Why the base could not be read (with baseOptional); undefined when it was, or not asked. */
  baseProblem?: string;
}

/** The workflow files in `dir`; a missing directory has none. */
export async function readWorkflows(dir: string): Promise<WorkflowFile[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [] as string[];
    throw err;
  });
  const files = names.filter((n) => /\.ya?ml$/.test(n)).sort();
  return Promise.all(
    files.map(async (n) => ({ file: join(dir, n), text: await readFile(join(dir, n), 'utf8') })),
  );
}

export async function review(config: Config, options: ReviewOptions): Promise<Review> {
  let base: BaseConfig | null = null;
  let baseProblem: string | undefined;
  if (options.base) {
    try {
      base = await readBaseConfig(options.base, config.file, options);
    } catch (err) {
      if (!options.baseOptional) throw err;
      baseProblem = errorMessage(err);
    }
  }
  const wiring = checkWiring(
    await readFile(config.file, 'utf8'),
    await readWorkflows(options.workflowsDir),
  );
  const markdown = renderConfigPlan({
    // Without a base (not a pull request) nothing is compared: every project is as it is.
    diffs: diffConfigs(base ? base.config : config, config),
    base: base?.label ?? null,
    baseNote: base?.note ?? baseProblem,
    wiring:
      wiring.checked.length === 0
        ? [`No workflow in \`${options.workflowsDir}\` runs this action's backup: not checked.`]
        : wiring.issues.length === 0
          ? [
              `Every variable the config names is passed by ${wiring.checked.map((f) => `\`${f}\``).join(', ')}.`,
            ]
          : wiring.issues.map((i) => `- line ${i.line}: ${i.message}`),
  });
  return { markdown, wiring, ...(baseProblem !== undefined && { baseProblem }) };
}
