/**
 * Streamed uploads: a file is read part by part (never whole) into buffers, each sent with its
 * Content-MD5 so the server checks what it received, at most `slots` buffers in flight across
 * every upload of a run (memory: slots x PART_BYTES). A multipart upload that does not complete
 * (error, cancel) is aborted, so no unfinished upload is left to bill.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { mapLimit } from '../../concurrency.js';
import { s3Sdk } from '../../storage/s3-endpoint.js';

/** 8 MiB parts: 1,250 parts for 10 GB (S3 allows 10,000; 5 MiB is the smallest but the last). */
export const PART_BYTES = 8 * 1024 * 1024;
/** Parts in flight at once (memory: SLOTS x PART_BYTES = 32 MiB of buffers, allocated once). */
export const UPLOAD_SLOTS = 4;

const md5Base64 = (data: Buffer): string => createHash('md5').update(data).digest('base64');

/**
 * The upload buffers: `size` buffers of `bytes` each, allocated once and lent to one part at a
 * time, so memory stays at size x bytes whatever the file sizes (fresh buffers per part would
 * wait for the garbage collector and pile up).
 */
export class Slots {
  private free: Buffer[] = [];
  private waiting: ((b: Buffer) => void)[] = [];
  constructor(
    readonly size: number,
    readonly bytes: number,
  ) {
    for (let i = 0; i < size; i++) this.free.push(Buffer.allocUnsafe(bytes));
  }
  async run<T>(fn: (buffer: Buffer) => Promise<T>): Promise<T> {
    const buffer =
      this.free.pop() ?? (await new Promise<Buffer>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(buffer);
    } finally {
      // The request that used it has finished (answered or failed): its bytes are not read again.
      const next = this.waiting.shift();
      if (next) next(buffer);
      else this.free.push(buffer);
    }
  }
}

/** What every stored object carries (storage class, encryption, lock). */
export type ObjectHeaders = Pick<
  PutObjectCommandInput,
  | 'StorageClass'
  | 'ServerSideEncryption'
  | 'SSEKMSKeyId'
  | 'ObjectLockMode'
  | 'ObjectLockRetainUntilDate'
>;

export interface UploadOptions {
  client: S3Client;
  bucket: string;
  slots: Slots;
  headers: ObjectHeaders;
  signal?: AbortSignal | undefined;
  /** Told the bytes of each object or part the server has accepted (progress). */
  onSent?: (bytes: number) => void;
}

async function readPart(
  file: string,
  offset: number,
  length: number,
  into: Buffer,
): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = into.subarray(0, length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error(`${file} became shorter while it was uploaded`);
      done += bytesRead;
    }
    return buf;
  } finally {
    await handle.close();
  }
}

/** Uploads `file` to `key`; returns its size. One PUT up to a part's size, multipart above. */
export async function uploadFile(file: string, key: string, o: UploadOptions): Promise<number> {
  const sdk = await s3Sdk();
  const size = (await stat(file)).size;
  const partBytes = o.slots.bytes;
  const send = { abortSignal: o.signal };
  if (size <= partBytes) {
    await o.slots.run(async (buffer) => {
      const body = await readPart(file, 0, size, buffer);
      await o.client.send(
        new sdk.PutObjectCommand({
          Bucket: o.bucket,
          Key: key,
          Body: body,
          ContentLength: size,
          ContentMD5: md5Base64(body),
          ...o.headers,
        }),
        send,
      );
    });
    o.onSent?.(size);
    return size;
  }
  // Not cancellable: a cancel that lands while the server creates the upload would leave an
  // upload whose id this run never learns, so could not abort.
  const created = await o.client.send(
    new sdk.CreateMultipartUploadCommand({ Bucket: o.bucket, Key: key, ...o.headers }),
  );
  const uploadId = created.UploadId!;
  try {
    o.signal?.throwIfAborted();
    const count = Math.ceil(size / partBytes);
    // mapLimit waits for the parts in flight before it throws: S3 may keep a part that finishes
    // after the abort (AbortMultipartUpload's documentation), so the abort comes last.
    const parts = await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      o.slots.size,
      (i) =>
        o.slots.run(async (buffer) => {
          o.signal?.throwIfAborted();
          const offset = i * partBytes;
          const body = await readPart(file, offset, Math.min(partBytes, size - offset), buffer);
          const out = await o.client.send(
            new sdk.UploadPartCommand({
              Bucket: o.bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: i + 1,
              Body: body,
              ContentLength: body.length,
              ContentMD5: md5Base64(body),
            }),
            send,
          );
          o.onSent?.(body.length);
          return { PartNumber: i + 1, ETag: out.ETag! };
        }),
    );
    await o.client.send(
      new sdk.CompleteMultipartUploadCommand({
        Bucket: o.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
      send,
    );
    return size;
  } catch (err) {
    await abortUpload(o.client, o.bucket, key, uploadId);
    throw err;
  }
}

/** Aborts an unfinished upload; not cancellable (it is the cleanup of a cancel). */
export async function abortUpload(
  client: S3Client,
  bucket: string,
  key: string,
  uploadId: string,
): Promise<void> {
  const sdk = await s3Sdk();
  await client
    .send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
    .catch(() => undefined); // already gone; a lifecycle rule (docs/s3.md) is the backstop
}

/** A small object from memory (backup.json, the catalog), with its Content-MD5. */
export async function putBytes(
  client: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  extra: ObjectHeaders & Pick<PutObjectCommandInput, 'IfMatch' | 'IfNoneMatch'>,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const sdk = await s3Sdk();
  const out = await client.send(
    new sdk.PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ContentMD5: md5Base64(body),
      ContentType: key.endsWith('.json') ? 'application/json' : undefined,
      ...extra,
    }),
    { abortSignal: signal },
  );
  return out.ETag;
}
