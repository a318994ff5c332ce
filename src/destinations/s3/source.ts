/**
 * Restore, verify and drills reading a set from a bucket: `s3://BUCKET/PREFIX/PROJECT/SET_ID`
 * (or `.../PROJECT` with latest). Endpoint and credentials come from the `s3:` settings of the
 * URL's project in a config when one is given, else from the AWS SDK's own environment
 * (AWS_ACCESS_KEY_ID..., AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL).
 */
import { tmpdir } from 'node:os';
import type { Config } from '../../config/types.js';
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

/**
 * The spec, with the `s3:` settings of the URL's project when the config has them; a config
 * without them (given for another reason, e.g. the storage part's target) leaves the AWS SDK
 * environment in charge.
 */
export function s3SourceSpec(url: string, latest: boolean, config?: Config): S3SourceSpec {
  const parsed = parseS3SetUrl(url, latest);
  const settings = config?.projects.find((p) => p.name === parsed.project)?.s3;
  return { kind: 's3', url, latest, ...(settings && { settings }) };
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
