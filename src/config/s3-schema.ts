/**
 * `s3:` — the S3-compatible bucket the `s3` destination stores sets in (AWS S3, Cloudflare R2,
 * Backblaze B2, MinIO, ...). Not the `storage:` mapping, which is where the `storage` part READS
 * the project's own Storage objects (docs/config.md says why the endpoint keys differ).
 */
import { z } from 'zod';
import { ENV_NAME_RE, describeValue, looksLikeUrl, matching, whole } from './schema-helpers.js';

/** AWS keys (AKIA..., 40-character secrets) and long hex keys (R2, Supabase) are not names. */
const looksLikeKey = (v: string) =>
  looksLikeUrl(v) ||
  /^(AKIA|ASIA)[A-Z0-9]{12,}$/.test(v) ||
  /^[0-9a-f]{32,}$/i.test(v) ||
  /[/+]/.test(v);

const secretName = (key: string, example: string) => {
  const pasted =
    `s3.${key} must NAME an environment variable, not hold the key itself: put the key in a ` +
    `repository secret, pass it to the step as env, and write \`${key}: ${example}\` here. ` +
    'If this file was committed with the key, revoke the key.';
  // The value may be a real key: messages never quote it.
  return matching(key, 'an environment variable name', ENV_NAME_RE, (v) =>
    typeof v === 'string' && looksLikeKey(v)
      ? pasted
      : `s3.${key} must be an environment variable name (letters, digits and "_"), e.g. ${example}`,
  ).refine((v) => !looksLikeKey(v), { error: pasted });
};

/** S3's bucket naming rules (3-63 lowercase letters, digits, "." and "-"). */
export const S3_BUCKET_RE = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** Key segments safe everywhere: no empty segment, no "." or "..", no leading or trailing "/". */
export const S3_PREFIX_RE =
  /^(?:(?!\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._-]+)*)?$/;
export const DEFAULT_S3_PREFIX = 'supabase-backups';

const s3Schema = z
  .strictObject(
    {
      bucket: matching('bucket', 'a bucket name', S3_BUCKET_RE, (v) =>
        typeof v === 'string' && v.startsWith('s3://')
          ? `s3.bucket is the bucket's name alone, e.g. "${v.slice(5).split('/')[0]}"; put a path in s3.prefix`
          : `invalid s3.bucket ${JSON.stringify(v)}; S3 bucket names are 3-63 lowercase letters, digits, "." and "-"`,
      ).describe('The bucket sets are stored in (it must exist).'),
      prefix: z
        .string({ error: (iss) => `s3.prefix must be a string, got ${describeValue(iss.input)}` })
        .regex(S3_PREFIX_RE, {
          error: (iss) =>
            `invalid s3.prefix ${JSON.stringify(iss.input)}; use "/"-separated segments of letters, digits, ".", "_" and "-" (no leading or trailing "/", no "." or ".." segment), or "" for none`,
        })
        .optional()
        .describe(
          `Key prefix of the sets: <prefix>/<project>/<set-id>/ and <prefix>/manifest.json. "" for none. Default: "${DEFAULT_S3_PREFIX}".`,
        ),
      endpoint: z
        .url({
          protocol: /^https?$/,
          error: (iss) =>
            `s3.endpoint must be an http(s) URL such as https://<account>.r2.cloudflarestorage.com, got ${describeValue(iss.input)}`,
        })
        .refine((u) => !/\/\/[^/]*@/.test(u), {
          error: 's3.endpoint must not hold credentials; use access_key_id_secret',
        })
        .optional()
        .describe('The S3 API endpoint. Default: AWS S3 (from the region).'),
      region: z
        .string({ error: 's3.region must be a string such as "us-east-1" or "auto"' })
        .regex(/^[a-z0-9-]{2,32}$/, {
          error: 's3.region must be a region such as "us-east-1" or "auto"',
        })
        .optional()
        .describe(
          'Region to sign requests for ("auto" for R2). Default: AWS_REGION, else us-east-1.',
        ),
      force_path_style: z
        .boolean({ error: 's3.force_path_style must be true or false' })
        .optional()
        .describe(
          'Address the bucket as <endpoint>/<bucket> (MinIO, most self-hosted servers). Default false.',
        ),
      access_key_id_secret: secretName('access_key_id_secret', 'S3_ACCESS_KEY_ID')
        .optional()
        .describe(
          'NAME of the variable holding the access key id. Left out: the AWS SDK default chain.',
        ),
      secret_access_key_secret: secretName('secret_access_key_secret', 'S3_SECRET_ACCESS_KEY')
        .optional()
        .describe('NAME of the variable holding the secret access key.'),
      session_token_secret: secretName('session_token_secret', 'S3_SESSION_TOKEN')
        .optional()
        .describe('NAME of the variable holding a session token (temporary credentials).'),
      storage_class: z
        .string({ error: 's3.storage_class must be a string such as STANDARD_IA' })
        .regex(/^[A-Z_]{2,40}$/, {
          error: 's3.storage_class must be a class such as STANDARD, STANDARD_IA or GLACIER_IR',
        })
        .optional()
        .describe("Storage class of the stored objects. Default: the bucket's (STANDARD)."),
      sse: z
        .enum(['AES256', 'aws:kms'], { error: 's3.sse must be AES256 or aws:kms' })
        .optional()
        .describe("Server-side encryption requested per object. Default: the bucket's."),
      kms_key_id: z
        .string({ error: 's3.kms_key_id must be a string (a KMS key id or ARN)' })
        .min(1)
        .optional()
        .describe("The KMS key for sse: aws:kms. Default: the account's aws/s3 key."),
      object_lock: z
        .strictObject(
          {
            mode: z
              .enum(['governance', 'compliance'], {
                error: 's3.object_lock.mode must be governance or compliance',
              })
              .describe('S3 Object Lock retention mode.'),
            retain_days: whole(
              'retain_days',
              'a whole number of days from 1 to 36500',
              1,
              36500,
            ).describe('Days each stored object is locked against deletion.'),
          },
          {
            error: (iss) =>
              iss.code === 'unrecognized_keys'
                ? undefined
                : 's3.object_lock must be a mapping with mode and retain_days',
          },
        )
        .optional()
        .describe('Lock every stored object (needs a bucket created with Object Lock).'),
      write_only: z
        .boolean({ error: 's3.write_only must be true or false' })
        .optional()
        .describe(
          'Never delete (keys without delete permission): prune only reports. Default false.',
        ),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? undefined
          : `s3 must be a mapping with at least bucket, got ${describeValue(iss.input)}`,
    },
  )
  .superRefine((v, ctx) => {
    if ((v.access_key_id_secret === undefined) !== (v.secret_access_key_secret === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [
          v.access_key_id_secret === undefined
            ? 'access_key_id_secret'
            : 'secret_access_key_secret',
        ],
        message:
          's3 needs both access_key_id_secret and secret_access_key_secret, or neither (the AWS SDK default chain)',
      });
    if (v.session_token_secret !== undefined && v.access_key_id_secret === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['session_token_secret'],
        message:
          's3.session_token_secret goes with access_key_id_secret and secret_access_key_secret',
      });
    if (v.kms_key_id !== undefined && v.sse !== 'aws:kms')
      ctx.addIssue({
        code: 'custom',
        path: ['kms_key_id'],
        message: 's3.kms_key_id needs sse: aws:kms',
      });
  })
  .describe('The S3-compatible bucket of the s3 destination (docs/s3.md).');

export const s3Shape = {
  s3: s3Schema
    .nullable()
    .optional()
    .describe(
      'Where the s3 destination stores sets (docs/s3.md). null in a project: none despite `defaults`.',
    ),
};
