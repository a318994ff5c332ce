/**
 * The S3 client of the `storage` part: Supabase Storage's S3-compatible endpoint, path-style,
 * credentials only from the variables the config names (never the AWS_* chain), adaptive retries
 * (exponential backoff with jitter, slower sending on throttling: 503 SlowDown, 429).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { StorageConfig } from '../config/types.js';
import { SecretError, StorageError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { ListedObject } from './index-file.js';

/** Attempts per request (the first and five retries) before a run gives up on an object. */
export const S3_MAX_ATTEMPTS = 6;

/**
 * The SDK, loaded when a storage part or restore runs: ~30 MB at load that database-only runs
 * never need. ncc emits it as a chunk of dist/ (scripts/build.mjs), parsed only on first use.
 */
export const s3Sdk = (): Promise<typeof import('@aws-sdk/client-s3')> =>
  import('@aws-sdk/client-s3');

export async function createS3Client(
  storage: StorageConfig,
  env: Record<string, string | undefined>,
  logger: Logger,
  where: string,
): Promise<S3Client> {
  const { S3Client } = await s3Sdk();
  const read = (key: 'access_key_id_secret' | 'secret_access_key_secret') => {
    const name = storage[key];
    const value = env[name];
    if (!value)
      throw new SecretError(
        `${where}: storage.${key} names ${name}, which is not set; pass it to the step:\n  env:\n    ${name}: \${{ secrets.${name} }}`,
      );
    logger.mask(value);
    return value;
  };
  return new S3Client({
    endpoint: storage.s3_endpoint,
    region: storage.region,
    forcePathStyle: true,
    credentials: {
      accessKeyId: read('access_key_id_secret'),
      secretAccessKey: read('secret_access_key_secret'),
    },
    maxAttempts: S3_MAX_ATTEMPTS,
    retryMode: 'adaptive',
    // Supabase Storage (and most S3 emulations) do not take the SDK's default trailing CRC32
    // checksums on streamed bodies; objects are checked by sha256 (and MD5 etags) instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A failed S3 call as a StorageError naming what was being done (never a credential). */
export function s3Failure(what: string, err: unknown): StorageError {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const hint =
    status === 403 || e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch'
      ? ' (check the S3 access keys and region: dashboard, Storage > S3 connection)'
      : '';
  return new StorageError(
    `${what} failed: ${e.name ?? 'error'}${status ? ` (HTTP ${status})` : ''}: ${errorMessage(err)}${hint}`,
    { cause: err },
  );
}

/** The buckets to back up: the configured list, or every bucket the keys can list. */
export async function resolveBuckets(
  client: S3Client,
  wanted: string[] | 'all',
  signal?: AbortSignal,
): Promise<string[]> {
  if (wanted !== 'all') return [...wanted];
  try {
    const { ListBucketsCommand } = await s3Sdk();
    const out = await client.send(new ListBucketsCommand({}), { abortSignal: signal });
    return (out.Buckets ?? []).map((b) => b.Name!).sort();
  } catch (err) {
    throw s3Failure('listing the buckets', err);
  }
}

/** Every object of a bucket, page by page (1000 keys a request). */
export async function listObjects(
  client: S3Client,
  bucket: string,
  signal?: AbortSignal,
): Promise<ListedObject[]> {
  const { ListObjectsV2Command } = await s3Sdk();
  const out: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await client
      .send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }), {
        abortSignal: signal,
      })
      .catch((err: unknown) => {
        throw s3Failure(`listing bucket ${bucket}`, err);
      });
    for (const o of page.Contents ?? []) {
      // Folder placeholders some tools create hold nothing worth keeping.
      if (o.Key === undefined || (o.Key.endsWith('/') && !o.Size)) continue;
      out.push({
        bucket,
        key: o.Key,
        size: o.Size ?? 0,
        etag: o.ETag ?? '',
        last_modified: (o.LastModified ?? new Date(0)).toISOString(),
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}
