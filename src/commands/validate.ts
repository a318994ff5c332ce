/**
 * validate: load and check the config, describe what it will back up, and review it as a pull
 * request would (what changes against a base, which secrets the workflows do not pass). Needs
 * no secrets.
 */
import { loadConfigFile } from '../config/load.js';
import type { Config } from '../config/types.js';
import type { BaseSource } from '../review/base-config.js';
import { review, type Review } from '../review/review.js';
import type { Ports } from './ports.js';

export interface ValidateOptions {
  configPath: string;
  /** What to compare with; undefined = nothing (every project is shown as it is). */
  base?: BaseSource | undefined;
  /** Directory of the workflows whose wiring of secrets is checked. */
  workflowsDir: string;
  /** Fetches the base revision when a shallow clone lacks it. */
  token?: string | undefined;
  /** A base that cannot be read is a note in the plan instead of an error (the action). */
  baseOptional?: boolean;
}

export interface ValidateResult {
  config: Config;
  /** One line per project: its parts, engine, compression and secrets' names. */
  summary: string[];
  review: Review;
}

export async function validate(
  options: ValidateOptions,
  ports: Pick<Ports, 'signal'>,
): Promise<ValidateResult> {
  const config = await loadConfigFile(options.configPath);
  const outcome = await review(config, {
    base: options.base,
    workflowsDir: options.workflowsDir,
    token: options.token,
    signal: ports.signal,
    baseOptional: options.baseOptional,
  });
  return { config, summary: describeProjects(config), review: outcome };
}

function describeProjects(config: Config): string[] {
  return config.projects.map(
    (p) =>
      `${p.name}: ${p.parts.join(', ')} via ${p.engine}, ${p.compression ?? 'zstd (default)'}, connection from $${p.db_url_secret}` +
      (p.schemas ? `, schemas ${p.schemas.join(', ')}` : '') +
      (p.exclude_tables.length ? `, without data of ${p.exclude_tables.join(', ')}` : '') +
      (p.access_token_secret ? `, Management API token from $${p.access_token_secret}` : ''),
  );
}
