/**
 * `s3://BUCKET/PREFIX/PROJECT/SET_ID`, read from the right: the last segment is the set id, the
 * one before it the project, the first the bucket, and whatever lies between is the prefix
 * (empty or several segments). With `latest`, the URL stops at the project. Pure.
 */
import { isSetId } from '../../catalog/naming.js';
import { PROJECT_NAME_RE } from '../../config/schema-helpers.js';
import { S3_BUCKET_RE, S3_PREFIX_RE } from '../../config/s3-schema.js';
import { UsageError } from '../../errors.js';

export interface S3SetUrl {
  bucket: string;
  prefix: string;
  project: string;
  /** undefined: the newest set. */
  setId?: string;
}

export const isS3Url = (s: string): boolean => /^s3:\/\//i.test(s);

export function parseS3SetUrl(url: string, latest: boolean): S3SetUrl {
  const form = latest ? 's3://BUCKET/PREFIX/PROJECT --latest' : 's3://BUCKET/PREFIX/PROJECT/SET_ID';
  const bad = (why: string) => new UsageError(`--from ${url}: ${why}; write ${form}`);
  if (!isS3Url(url)) throw bad('not an s3:// URL');
  const segments = url.slice(5).replace(/\/+$/, '').split('/');
  const bucket = segments.shift() ?? '';
  if (!S3_BUCKET_RE.test(bucket)) throw bad(`"${bucket}" is not a bucket name`);
  const setId = latest ? undefined : segments.pop();
  if (setId !== undefined && !isSetId(setId))
    throw bad(
      `the last segment "${setId}" is not a set id (like 2026-11-22T031500Z); for the newest set add --latest`,
    );
  const project = segments.pop() ?? '';
  if (!PROJECT_NAME_RE.test(project)) throw bad(`"${project}" is not a project name`);
  const prefix = segments.join('/');
  if (!S3_PREFIX_RE.test(prefix)) throw bad(`"${prefix}" is not a key prefix`);
  return { bucket, prefix, project, ...(setId !== undefined && { setId }) };
}

/** The key of a path under the prefix ("" prefix: the path itself). */
export function keyOf(prefix: string, ...path: string[]): string {
  return [prefix, ...path].filter((s) => s !== '').join('/');
}

export function setUrl(bucket: string, prefix: string, project: string, setId: string): string {
  return `s3://${bucket}/${keyOf(prefix, project, setId)}`;
}
