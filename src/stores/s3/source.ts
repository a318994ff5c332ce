/**
 * Restore, verify and drills reading a set from a bucket: `s3://BUCKET/PREFIX/PROJECT/SET_ID`
 * (or `.../PROJECT` with latest). Endpoint and credentials come from the `s3:` settings of the
 * URL's project in a config when one is given, else from the AWS SDK's own environment
 * (AWS_ACCESS_KEY_ID..., AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL).
 */
import { tmpdir } from 'node:os';
import type { Config } from '../../config/types.js';
import { UsageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { OpenedSet } from '../destination.js';
import { settingsFromEnv, type S3Settings } from './client.js';
import { S3Destination } from './destination.js';
import { parseS3SetUrl } from './url.js';

export interface S3SourceSpec {
  kind: 's3';
  url: string;
  /** The URL ends at the project: the newest set. */
  latest: boolean;
  /** Endpoint and credentials (variable names) from a config; undefined: the SDK's environment. */
  settings?: Omit<S3Settings, 'bucket'> | undefined;
}

/** The spec, with the settings of the URL's project when a config is given. */
export function s3SourceSpec(url: string, latest: boolean, config?: Config): S3SourceSpec {
  const parsed = parseS3SetUrl(url, latest);
  if (!config) return { kind: 's3', url, latest };
  const project = config.projects.find((p) => p.name === parsed.project);
  if (!project)
    throw new UsageError(
      `--from ${url}: ${config.file} has no project "${parsed.project}" (its s3: settings give the endpoint and keys); leave out --config to use the AWS SDK environment`,
    );
  if (!project.s3)
    throw new UsageError(
      `--from ${url}: project "${parsed.project}" in ${config.file} has no s3: settings`,
    );
  return { kind: 's3', url, latest, settings: project.s3 };
}

export async function openS3Source(
  spec: S3SourceSpec,
  options: {
    env: Record<string, string | undefined>;
    logger: Logger;
    signal?: AbortSignal | undefined;
  },
): Promise<OpenedSet> {
  const { bucket, prefix, project, setId } = parseS3SetUrl(spec.url, spec.latest);
  const settings: S3Settings = spec.settings
    ? { ...spec.settings, bucket }
    : settingsFromEnv(bucket, options.env);
  const destination = new S3Destination(
    { ...settings, bucket, prefix, write_only: true },
    { env: options.env, workDir: tmpdir(), logger: options.logger, signal: options.signal },
  );
  return destination.open(project, setId);
}
