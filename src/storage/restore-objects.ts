/**
 * Puts a set's Storage objects back through an S3 endpoint: every object the index lists, read
 * from the object area, decrypted, checked against its sha256 (into a private temp file, so a bad
 * object is never uploaded), then uploaded with its content type. Missing buckets are created;
 * objects already there with the same size and etag (or the sha256 this tool records as
 * metadata) are skipped.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { BackupManifest } from '../catalog/backup-json.js';
import { mapLimit } from '../concurrency.js';
import { RestoreError } from '../errors.js';
import { formatBytes } from '../format.js';
import type { Logger } from '../log.js';
import { DigestStream } from '../pipeline/digest.js';
import { createDecryptStage } from '../pipeline/encrypt.js';
import { decompressPart } from '../set/read-part.js';
import { ObjectArea } from './area.js';
import { objectPath, parseIndex, type IndexedObject, type StorageIndex } from './index-file.js';
import { S3_MAX_ATTEMPTS, s3Failure, s3Sdk } from './s3-endpoint.js';
import { abortableSleep } from '../retry.js';

const sleep = abortableSleep;

/** User metadata key holding the object's sha256, so a later restore can tell it is there. */
const SHA256_META = 'backup-sha256';

export interface ObjectRestoreOptions {
  manifest: BackupManifest;
  index: StorageIndex;
  area: ObjectArea;
  client: S3Client;
  identities: string[];
  logger: Logger;
  /** Upload even objects that look present (e.g. rows restored by the data part, files not). */
  overwrite?: boolean;
  concurrency?: number;
  signal?: AbortSignal;
}

export interface BucketRestore {
  bucket: string;
  created: boolean;
  uploaded: number;
  uploaded_bytes: number;
  skipped: number;
}

/** The set's storage index, decrypted and checked against backup.json. */
export async function readStorageIndex(
  setDir: string,
  manifest: BackupManifest,
  identities: string[],
  signal?: AbortSignal,
): Promise<StorageIndex> {
  const part = manifest.parts.find((p) => p.part === 'storage');
  if (!part) throw new RestoreError(`${manifest.project}/${manifest.set_id} has no storage part`);
  const work = await mkdtemp(join(tmpdir(), 'supabase-restore-index-'));
  try {
    const path = await decompressPart(setDir, part, work, identities, signal);
    return parseIndex(await readFile(path, 'utf8'));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function restoreObjects(options: ObjectRestoreOptions): Promise<BucketRestore[]> {
  const { client, logger, index } = options;
  const encrypted = options.manifest.parts.find((p) => p.part === 'storage')!.encryption !== null;
  // Every object must be at hand before the first upload: no half-restored buckets for a gap.
  const present = await options.area.scan();
  const missing = index.objects.filter((o) => !present.has(objectPath(o.sha256, encrypted)));
  if (missing.length > 0)
    throw new RestoreError(
      `${missing.length} object(s) of the set are not in ${options.area.root} (e.g. ${missing
        .slice(0, 3)
        .map((o) => `${o.bucket}/${o.key}`)
        .join(', ')}); restore from where the object area is (--objects DIR); nothing was uploaded`,
    );
  const results = new Map<string, BucketRestore>();
  for (const bucket of index.buckets) {
    const created = await ensureBucket(client, bucket, options.signal);
    if (created)
      logger.warning(
        `created bucket ${bucket} with default settings (private); its public flag, size and type limits come from storage.buckets in the data part (docs/storage.md)`,
      );
    results.set(bucket, { bucket, created, uploaded: 0, uploaded_bytes: 0, skipped: 0 });
  }
  const work = await mkdtemp(join(tmpdir(), 'supabase-restore-objects-'));
  let done = 0;
  const timer = setInterval(
    () => logger.info(`storage: ${done}/${index.objects.length} objects restored or skipped`),
    5000,
  );
  try {
    await mapLimit(index.objects, options.concurrency ?? 8, async (o) => {
      options.signal?.throwIfAborted();
      const r = results.get(o.bucket)!;
      // A bucket created just now holds nothing: no need to ask about each object.
      const check = !options.overwrite && !r.created;
      if (check && (await alreadyThere(client, o, options.signal))) r.skipped++;
      else {
        await uploadOne(o, encrypted, work, options);
        r.uploaded++;
        r.uploaded_bytes += o.size;
      }
      done++;
    });
  } finally {
    clearInterval(timer);
    await rm(work, { recursive: true, force: true });
  }
  for (const r of results.values())
    logger.info(
      `storage: bucket ${r.bucket}${r.created ? ' (created)' : ''}: uploaded ${r.uploaded} (${formatBytes(r.uploaded_bytes)}), skipped ${r.skipped} already there`,
    );
  return [...results.values()];
}

async function ensureBucket(client: S3Client, bucket: string, signal?: AbortSignal) {
  const { CreateBucketCommand, HeadBucketCommand } = await s3Sdk();
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
    return false;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404) throw s3Failure(`checking bucket ${bucket}`, err);
  }
  await client
    .send(new CreateBucketCommand({ Bucket: bucket }), { abortSignal: signal })
    .catch((err: unknown) => {
      throw s3Failure(`creating bucket ${bucket}`, err);
    });
  return true;
}

const bare = (etag: string | undefined) => (etag ?? '').replace(/^W\//, '').replace(/"/g, '');

async function alreadyThere(client: S3Client, o: IndexedObject, signal?: AbortSignal) {
  const { HeadObjectCommand } = await s3Sdk();
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: o.bucket, Key: o.key }), {
      abortSignal: signal,
    });
    if (head.ContentLength !== o.size) return false;
    return bare(head.ETag) === bare(o.etag) || head.Metadata?.[SHA256_META] === o.sha256;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    throw s3Failure(`checking ${o.bucket}/${o.key}`, err);
  }
}

/** Objects up to this size are checked in memory; larger ones through a private temp file. */
const IN_MEMORY_BYTES = 8 * 1024 * 1024;

/** The object's plain bytes, checked against its sha256 and size before anything is uploaded. */
async function checkedBody(
  o: IndexedObject,
  name: string,
  encrypted: boolean,
  work: string,
  options: ObjectRestoreOptions,
): Promise<{ body: () => Buffer | Readable; cleanup: () => Promise<void> }> {
  const digest = new DigestStream();
  const stages: Transform[] = [];
  if (encrypted) stages.push(await createDecryptStage(options.identities, { name }));
  stages.push(digest);
  const temp = join(work, `${o.sha256}.${randomBytes(4).toString('hex')}`);
  const chunks: Buffer[] = [];
  const sink =
    o.size <= IN_MEMORY_BYTES
      ? new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) })
      : createWriteStream(temp, { flags: 'wx', mode: 0o600 });
  const cleanup = () => rm(temp, { force: true });
  try {
    await pipeline([await options.area.read(name), ...stages, sink], { signal: options.signal });
  } catch (err) {
    await cleanup();
    throw new RestoreError(`object ${name} cannot be read back: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (digest.digest() !== o.sha256 || digest.bytes !== o.size) {
    await cleanup();
    throw new RestoreError(
      `object ${name} (${o.bucket}/${o.key}) is damaged: sha256 ${digest.digest()}, ${digest.bytes} bytes; expected ${o.size} bytes`,
    );
  }
  const whole = o.size <= IN_MEMORY_BYTES ? Buffer.concat(chunks) : null;
  return { body: () => whole ?? createReadStream(temp), cleanup };
}

async function uploadOne(
  o: IndexedObject,
  encrypted: boolean,
  work: string,
  options: ObjectRestoreOptions,
): Promise<void> {
  const checked = await checkedBody(o, objectPath(o.sha256, encrypted), encrypted, work, options);
  const { PutObjectCommand } = await s3Sdk();
  try {
    // Retried here, not by the SDK: a streamed body cannot be rewound, a file can be reopened.
    for (let attempt = 1; ; attempt++) {
      try {
        await options.client.send(
          new PutObjectCommand({
            Bucket: o.bucket,
            Key: o.key,
            Body: checked.body(),
            ContentLength: o.size,
            ContentType: o.content_type,
            CacheControl: o.cache_control,
            Metadata: { [SHA256_META]: o.sha256 },
          }),
          { abortSignal: options.signal },
        );
        return;
      } catch (err) {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata
          ?.httpStatusCode;
        const transient = status === undefined || status === 429 || status >= 500;
        if (options.signal?.aborted || !transient || attempt >= S3_MAX_ATTEMPTS)
          throw s3Failure(`uploading ${o.bucket}/${o.key}`, err);
        await sleep(200 * 2 ** attempt * (0.5 + Math.random()), options.signal);
      }
    }
  } finally {
    await checked.cleanup();
  }
}
