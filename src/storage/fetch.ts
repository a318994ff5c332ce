/**
 * Downloads the objects a plan says to fetch, a few at a time, each streamed into the object
 * area (never held in memory) with its sha256 computed on the way, its size checked (and its
 * MD5 against a simple upload's etag); every stored object goes into the resume journal at once.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { mapLimit } from '../concurrency.js';
import { StorageError } from '../errors.js';
import { formatBytes } from '../format.js';
import type { Logger } from '../log.js';
import type { ObjectArea } from './area.js';
import type { Journal } from './incremental.js';
import { fingerprint, type IndexedObject, type ListedObject } from './index-file.js';
import { s3Failure, s3Sdk } from './s3-endpoint.js';

export interface FetchOptions {
  client: S3Client;
  area: ObjectArea;
  journal: Journal;
  recipients?: string[];
  maxFileBytes: number;
  concurrency: number;
  logger: Logger;
  signal?: AbortSignal;
  progressIntervalMs?: number;
}

export interface FetchResult {
  objects: IndexedObject[];
  bytes: number;
}

/** Counts and MD5s what passes, to hold it against Content-Length and a simple upload's etag. */
class Md5Counter extends Transform {
  bytes = 0;
  readonly hash = createHash('md5');
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    done(null, chunk);
  }
}

const bare = (etag: string) => etag.replace(/^W\//, '').replace(/"/g, '');

export async function fetchObjects(
  wanted: ListedObject[],
  options: FetchOptions,
): Promise<FetchResult> {
  const total = wanted.reduce((n, o) => n + o.size, 0);
  let done = 0;
  let bytes = 0;
  const started = Date.now();
  const timer = setInterval(() => {
    const rate = (bytes * 1000) / Math.max(1, Date.now() - started);
    options.logger.info(
      `storage: ${done}/${wanted.length} objects, ${formatBytes(bytes)} of ${formatBytes(total)} downloaded (${formatBytes(rate)}/s)`,
    );
  }, options.progressIntervalMs ?? 5000);
  // The first failure stops the other downloads too (and cancelling the run stops them all).
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let unchecked = 0;
  try {
    const objects = await mapLimit(wanted, options.concurrency, async (o) => {
      signal.throwIfAborted();
      const got = await fetchOne(o, { ...options, signal });
      done++;
      bytes += got.entry.size;
      if (!got.md5Checked) unchecked++;
      return got.entry;
    });
    if (unchecked > 0)
      options.logger.info(
        `storage: ${unchecked} object(s) have etags that are not the MD5 of their content ` +
          '(multipart uploads, or a server that encrypts or computes etags otherwise): their ' +
          'sizes were checked and their sha256 recorded',
      );
    return { objects, bytes };
  } catch (err) {
    stop.abort(err);
    throw err;
  } finally {
    clearInterval(timer);
  }
}

async function fetchOne(
  o: ListedObject,
  options: FetchOptions,
): Promise<{ entry: IndexedObject; md5Checked: boolean }> {
  const what = `${o.bucket}/${o.key}`;
  const { GetObjectCommand } = await s3Sdk();
  const res = await options.client
    .send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key }), {
      abortSignal: options.signal,
    })
    .catch((err: unknown) => {
      throw s3Failure(`downloading ${what}`, err);
    });
  const counter = new Md5Counter();
  const body = res.Body as Readable;
  body.on('error', (err) => counter.destroy(err));
  const stored = await options.area
    .store(body.pipe(counter), {
      recipients: options.recipients,
      maxFileBytes: options.maxFileBytes,
      signal: options.signal,
    })
    .catch((err: unknown) => {
      body.destroy();
      if (options.signal?.aborted) throw err;
      throw new StorageError(`downloading ${what} failed midway: ${(err as Error).message}`, {
        cause: err,
      });
    });
  const etag = res.ETag ?? o.etag;
  if (res.ContentLength !== undefined && counter.bytes !== res.ContentLength)
    throw new StorageError(
      `${what}: got ${counter.bytes} bytes, the server announced ${res.ContentLength}`,
    );
  // A simple upload's etag is usually the MD5 of its content; multipart etags ("…-N") and
  // server-side encrypted objects' are not, so a difference is no proof of damage.
  const md5Checked = counter.hash.digest('hex') === bare(etag);
  // The listing's version when the object did not change since; else what was downloaded (the
  // next run then sees a different fingerprint and downloads it again, never the reverse).
  const entry: ListedObject =
    bare(etag) === bare(o.etag)
      ? o
      : {
          ...o,
          etag,
          size: counter.bytes,
          last_modified: (res.LastModified ?? new Date(0)).toISOString(),
        };
  const headers = {
    content_type: res.ContentType ?? 'application/octet-stream',
    ...(res.CacheControl !== undefined && { cache_control: res.CacheControl }),
  };
  await options.journal.add({ sha256: stored.sha256, fingerprint: fingerprint(entry), ...headers });
  return { entry: { ...entry, sha256: stored.sha256, ...headers }, md5Checked };
}
