/**
 * The S3 client of the `s3` destination: endpoint, region and addressing from `s3:`, credentials
 * from the variables it names or, when it names none, the AWS SDK's default chain (env, shared
 * files, an OIDC web identity, instance roles). Retries: the SDK's adaptive mode (exponential
 * backoff with jitter on 5xx, 503 SlowDown and 429; bodies are buffers, so every retry resends
 * the same bytes). Errors name the bucket, the key and the variable, never a secret.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../../config/types.js';
import { BackupError, SecretError, StorageError, errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { S3_MAX_ATTEMPTS, s3Sdk } from '../../storage/s3-endpoint.js';

export type S3Settings = Pick<
  S3Config,
  | 'bucket'
  | 'endpoint'
  | 'region'
  | 'force_path_style'
  | 'access_key_id_secret'
  | 'secret_access_key_secret'
  | 'session_token_secret'
>;

/** Every setting the SDK's own environment gives (restore without --config). */
export function settingsFromEnv(
  bucket: string,
  env: Record<string, string | undefined>,
): S3Settings {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  // A custom endpoint (MinIO, R2, a local server) rarely has per-bucket DNS names.
  return { bucket, endpoint, force_path_style: endpoint !== undefined };
}

export async function createDestinationClient(
  s3: S3Settings,
  env: Record<string, string | undefined>,
  logger: Logger,
  where: string,
): Promise<S3Client> {
  const { S3Client } = await s3Sdk();
  const read = (
    key: 'access_key_id_secret' | 'secret_access_key_secret' | 'session_token_secret',
  ) => {
    const name = s3[key];
    if (name === undefined) return undefined;
    const value = env[name];
    if (!value)
      throw new SecretError(
        `${where}: s3.${key} names ${name}, which is not set; pass it to the step:\n  env:\n    ${name}: \${{ secrets.${name} }}`,
      );
    logger.mask(value);
    return value;
  };
  // Without names in the config, the standard AWS_* variables of the environment given (the
  // process's, or a test's), else the rest of the SDK's chain (profiles, web identity, roles).
  const standard = s3.access_key_id_secret === undefined;
  const accessKeyId = standard ? env.AWS_ACCESS_KEY_ID : read('access_key_id_secret');
  const secretAccessKey = standard ? env.AWS_SECRET_ACCESS_KEY : read('secret_access_key_secret');
  const sessionToken = standard ? env.AWS_SESSION_TOKEN : read('session_token_secret');
  for (const v of [accessKeyId, secretAccessKey, sessionToken]) if (v) logger.mask(v);
  const region = s3.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  return new S3Client({
    ...(s3.endpoint && { endpoint: s3.endpoint }),
    region,
    forcePathStyle: s3.force_path_style ?? false,
    ...(accessKeyId &&
      secretAccessKey && {
        credentials: { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) },
      }),
    maxAttempts: S3_MAX_ATTEMPTS,
    retryMode: 'adaptive',
    // Content-MD5 (sent on every object and part) is what every S3-compatible server checks;
    // the SDK's trailing CRC32 checksums are not (B2, Supabase Storage, older MinIO).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export const errorCode = (err: unknown): string | undefined =>
  (err as SdkError | undefined)?.name ?? (err as SdkError | undefined)?.Code;
export const httpStatus = (err: unknown): number | undefined =>
  (err as SdkError | undefined)?.$metadata?.httpStatusCode;

/** The request was refused because of the keys (not the object): say which variables hold them. */
function credentialHint(s3: S3Settings): string {
  return s3.access_key_id_secret
    ? `check the keys in ${s3.access_key_id_secret} and ${s3.secret_access_key_secret ?? '?'}${
        s3.session_token_secret ? ` and ${s3.session_token_secret}` : ''
      } (and s3.region, s3.endpoint)`
    : 'no s3.access_key_id_secret is configured, so the keys came from the AWS SDK default chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, a role): check those, s3.region and s3.endpoint';
}

/** A failed S3 call as a StorageError that says what was done, where, and what to check. */
export function s3Error(what: string, err: unknown, s3: S3Settings): BackupError {
  if (err instanceof BackupError) return err;
  const code = errorCode(err) ?? 'error';
  const status = httpStatus(err);
  const at = `s3://${s3.bucket}${s3.endpoint ? ` at ${s3.endpoint}` : ''}`;
  // The SDK's messages name the request, never the keys; unknown codes keep theirs.
  let hint = `: ${errorMessage(err)}`;
  if (code === 'NoSuchBucket')
    hint = `: the bucket "${s3.bucket}" does not exist; create it (docs/s3.md) or fix s3.bucket`;
  else if (
    [
      'InvalidAccessKeyId',
      'SignatureDoesNotMatch',
      'InvalidToken',
      'ExpiredToken',
      'CredentialsProviderError',
    ].includes(code) ||
    /credential/i.test(errorMessage(err))
  )
    hint = `: the credentials were refused; ${credentialHint(s3)}`;
  else if (code === 'AccessDenied' || status === 403)
    hint = `: access denied; the keys need s3:GetObject, s3:PutObject, s3:ListBucket${' '}(and s3:DeleteObject unless write_only) on the bucket (docs/s3.md has a policy)`;
  return new StorageError(
    `${what} in ${at} failed: ${code}${status ? ` (HTTP ${status})` : ''}${hint}`,
    { cause: err },
  );
}
