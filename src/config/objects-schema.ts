/**
 * `storage:` — where the `storage` part reads Supabase Storage objects: the project's
 * S3-compatible endpoint, which buckets, and the NAMES of the variables holding the S3 access
 * key (never the keys). Not to be confused with `destinations` (where backup sets go).
 */
import { z } from 'zod';
import { ENV_NAME_RE, describeValue, looksLikeUrl, matching } from './schema-helpers.js';

/** Supabase's S3 keys are long hex strings (32 and 64 characters); names are not. */
const looksLikeKey = (v: string) => looksLikeUrl(v) || /^[0-9a-f]{32,}$/i.test(v);

const secretName = (key: string, example: string) => {
  const pasted =
    `${key} must NAME an environment variable, not hold the key itself: put the key in a ` +
    `repository secret, pass it to the step as env, and write \`${key}: ${example}\` here. ` +
    'If this file was committed with the key, revoke it in the dashboard.';
  // The value may be a real key: messages never quote it.
  return matching(key, 'an environment variable name', ENV_NAME_RE, (v) =>
    typeof v === 'string' && looksLikeKey(v)
      ? pasted
      : `${key} must be an environment variable name (letters, digits and "_"), e.g. ${example}`,
  ).refine((v) => !looksLikeKey(v), { error: pasted });
};

const bucketName = z
  .string({ error: (iss) => `a bucket name must be a string, got ${describeValue(iss.input)}` })
  .regex(/^[^/\0]{1,100}$/, {
    error: (iss) =>
      `invalid bucket name ${JSON.stringify(iss.input)}; 1-100 characters without "/"`,
  });

const objectsSchema = z
  .strictObject(
    {
      buckets: z
        .union([z.literal('all'), z.array(bucketName).min(1)], {
          error: (iss) =>
            `buckets must be "all" or a list of bucket names, got ${describeValue(iss.input)}`,
        })
        .optional()
        .describe('The buckets to back up: a list of names, or "all" (default).'),
      s3_endpoint: z
        .url({
          protocol: /^https?$/,
          error: (iss) =>
            `s3_endpoint must be an http(s) URL such as https://<ref>.supabase.co/storage/v1/s3, got ${describeValue(iss.input)}`,
        })
        .refine((u) => !/\/\/[^/]*@/.test(u), {
          error: 's3_endpoint must not hold credentials; use access_key_id_secret',
        })
        .describe("The project's S3 endpoint: https://<ref>.supabase.co/storage/v1/s3."),
      region: z
        .string({ error: 'region must be a string such as "us-east-1"' })
        .min(1)
        .optional()
        .describe('S3 region of the project (dashboard: Storage > S3). Default: us-east-1.'),
      access_key_id_secret: secretName('access_key_id_secret', 'STORAGE_S3_KEY_ID').describe(
        'NAME of the environment variable holding the S3 access key id.',
      ),
      secret_access_key_secret: secretName(
        'secret_access_key_secret',
        'STORAGE_S3_SECRET',
      ).describe('NAME of the environment variable holding the S3 secret access key.'),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? undefined
          : `storage must be a mapping with s3_endpoint, access_key_id_secret and secret_access_key_secret, got ${describeValue(iss.input)}`,
    },
  )
  .describe('Supabase Storage (S3-compatible endpoint) read by the `storage` part.');

export const objectsShape = {
  storage: objectsSchema
    .nullable()
    .optional()
    .describe(
      'Supabase Storage to back up with the `storage` part (see docs/storage.md). null in a ' +
        'project: none despite `defaults`.',
    ),
};
