/** Buckets to back up, on a real S3 server, and the comparisons the Storage tests make. */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { mapLimit } from '../../src/concurrency.js';
import { parseBackupJson, type BackupManifest } from '../../src/catalog/backup-json.js';
import { S3_KEY_ID, S3_SECRET, type S3Server } from '../support/s3-server.js';

export const UNICODE_KEY = 'dossiers/ünïcödé file ✓ 名前 (1).txt';

export async function put(
  client: S3Client,
  bucket: string,
  key: string,
  body: string | Buffer,
  contentType = 'application/octet-stream',
  cacheControl?: string,
) {
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: contentType,
      CacheControl: cacheControl,
    }),
  );
}

/** Deterministic bytes that do not compress (a large "photo"). */
export function noise(bytes: number, seed: string): Buffer {
  const out = Buffer.alloc(bytes);
  let block = createHash('sha256').update(seed).digest();
  for (let at = 0; at < bytes; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/**
 * `small` small objects in avatars (some with equal content, every other one with a long
 * Cache-Control), large ones and a unicode key (no-cache) in docs.
 */
export async function seedBuckets(s3: S3Server, small: number, large: number[]) {
  const { client } = s3;
  await client.send(new CreateBucketCommand({ Bucket: 'avatars' }));
  await client.send(new CreateBucketCommand({ Bucket: 'docs' }));
  const keys = Array.from({ length: small }, (_, i) => i);
  await mapLimit(keys, 16, (i) =>
    s3.seed(
      'avatars',
      `users/${i % 50}/avatar-${i}.png`,
      Buffer.from(`avatar ${i % 1900}`),
      'image/png',
      i % 2 === 0 ? 'public, max-age=31536000, immutable' : undefined,
    ),
  );
  for (const [i, size] of large.entries())
    await put(client, 'docs', `big/video-${i}.bin`, noise(size, `large ${i}`), 'video/mp4');
  await put(
    client,
    'docs',
    UNICODE_KEY,
    'unicode and spaces',
    'text/plain; charset=utf-8',
    'no-cache',
  );
}

/**
 * Every object of the buckets as "bucket/key size sha256 content-type cache-control" (- for
 * none), sorted: listed through the S3 API, content and headers read from the server's store.
 */
export async function snapshotBuckets(s3: S3Server, buckets: string[]): Promise<string[]> {
  const { client } = s3;
  const out: string[] = [];
  for (const bucket of buckets) {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    out.push(
      ...(await mapLimit(keys, 16, async (key) => {
        const { body, contentType, cacheControl } = await s3.stored(bucket, key);
        const sha = createHash('sha256').update(body).digest('hex');
        return `${bucket}/${key} ${body.length} ${sha} ${contentType} ${cacheControl ?? '-'}`;
      })),
    );
  }
  return out.sort();
}

export async function storageConfig(
  endpoint: string,
  extra = '',
): Promise<{ dir: string; config: string; env: Record<string, string | undefined> }> {
  const dir = await mkdtemp(join(tmpdir(), 'storage-test-'));
  const config = join(dir, 'backups.config.yaml');
  await writeFile(
    config,
    `version: 1
projects:
  - name: app
    db_url_secret: APP_DB_URL
    parts: [storage]
    destinations: [local]
    compression: gzip
    storage:
      s3_endpoint: ${endpoint}
      buckets: [avatars, docs]
      access_key_id_secret: STORAGE_KEY_ID
      secret_access_key_secret: STORAGE_SECRET
${extra}`,
  );
  const env = { PATH: process.env.PATH, STORAGE_KEY_ID: S3_KEY_ID, STORAGE_SECRET: S3_SECRET };
  return { dir, config, env };
}

export async function manifestOf(setDir: string): Promise<BackupManifest> {
  return parseBackupJson(await readFile(join(setDir, 'backup.json'), 'utf8'));
}
