/**
 * A real S3-compatible server for tests: s3rver (Koa, objects on disk, SigV4 checked against
 * the S3RVER/S3RVER key pair), with a counter of object GETs in front of its router so tests can
 * say how many objects a run really downloaded.
 */
import type { Server } from 'node:http';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { awsEmulation, type EmulatedStore, type EmulationState } from './s3-emulation.js';

export const S3_KEY_ID = 'S3RVER';
export const S3_SECRET = 'S3RVER';

export interface S3Server {
  endpoint: string;
  client: S3Client;
  /** Object GETs served (downloads), by "bucket/key". */
  gets: string[];
  /** Object PUTs received, by "bucket/key". */
  puts: string[];
  /** The next `count` object GETs are answered 503 SlowDown, as S3 throttles. */
  throttle(count: number): void;
  /** GETs answered SlowDown so far. */
  throttled: number;
  /** What the AWS-behaviour EMULATION in front of s3rver saw and holds (s3-emulation.ts). */
  emulation: EmulationState;
  /** Writes an object through s3rver's own store (what a PUT does, minus HTTP): fast seeding. */
  seed(
    bucket: string,
    key: string,
    body: Buffer,
    contentType: string,
    cacheControl?: string,
  ): Promise<void>;
  /** An object's bytes and headers as the server holds them (read from its store). */
  stored(
    bucket: string,
    key: string,
  ): Promise<{ body: Buffer; contentType: string; cacheControl: string | undefined }>;
  close(): Promise<void>;
}

interface Store {
  putObject(object: unknown): Promise<unknown>;
  getObject(
    bucket: string,
    key: string,
  ): Promise<{ content: NodeJS.ReadableStream; metadata: Record<string, string> }>;
}
/** The parts of s3rver's FilesystemStore that writeBeforeAnswering replaces and uses. */
interface WritableStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: object, md5: string): Promise<void>;
  putObject(object: {
    bucket: string;
    key: string;
    content: Buffer | NodeJS.ReadableStream;
    metadata: object;
  }): Promise<{ size: number; md5: string }>;
  putPart(
    bucket: string,
    uploadId: string,
    partNumber: number,
    content: NodeJS.ReadableStream,
  ): Promise<{ size: number; md5: string }>;
}
const require = createRequire(import.meta.url);
const { default: S3Object } = { default: require('s3rver/lib/models/object.js') } as {
  default: new (bucket: string, key: string, content: Buffer, meta: object) => unknown;
};

type Ctx = {
  method: string;
  path: string;
  querystring: string;
  status: number;
  type: string;
  body: unknown;
};

/**
 * s3rver seals its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17+) no
 * longer has: every listing of more than 1000 keys fails with a 500. A token only has to be
 * opaque to the client, so s3rver gets a pass-through stand-in for 'des' (nothing else changes).
 */
function letS3rverPaginate(): void {
  const passThrough = () => ({
    update: (data: string | Buffer, enc?: BufferEncoding) => Buffer.from(data as string, enc),
    final: () => Buffer.alloc(0),
  });
  const wrap = <F extends (...args: never[]) => unknown>(real: F) =>
    ((algorithm: string, ...rest: unknown[]) =>
      algorithm === 'des'
        ? passThrough()
        : (real as unknown as (...a: unknown[]) => unknown)(algorithm, ...rest)) as unknown as F;
  if (!(crypto.createCipheriv as { s3rver?: true }).s3rver) {
    crypto.createCipheriv = Object.assign(wrap(crypto.createCipheriv), { s3rver: true as const });
    crypto.createDecipheriv = wrap(crypto.createDecipheriv);
  }
}

/**
 * s3rver answers a PUT (object or part) when its hashing stream has ended, before the file
 * stream has written the bytes: a GET right after the answer may read a short object, and a
 * completed multipart upload may concatenate short parts. S3 is read-after-write consistent, so
 * the store's two writers are replaced by ones that finish the file (into a temporary name,
 * renamed into place) before they return.
 */
function writeBeforeAnswering(store: WritableStore): void {
  const write = async (path: string, content: Buffer | NodeJS.ReadableStream) => {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${crypto.randomUUID()}.partial`;
    const md5 = crypto.createHash('md5');
    let size = 0;
    await pipeline(
      Buffer.isBuffer(content) ? Readable.from([content]) : Readable.from(content),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          md5.update(chunk);
          size += chunk.length;
          yield chunk;
        }
      },
      createWriteStream(tmp),
    );
    await rename(tmp, path);
    return { size, md5: md5.digest('hex') };
  };
  store.putObject = async (object) => {
    const written = await write(
      store.getResourcePath(object.bucket, object.key, 'object'),
      object.content,
    );
    await store.putMetadata(object.bucket, object.key, object.metadata, written.md5);
    return written;
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const path = join(
      store.getResourcePath(bucket, undefined, 'uploads'),
      uploadId,
      String(partNumber),
    );
    const written = await write(path, content);
    await writeFile(`${path}.md5`, written.md5);
    return written;
  };
}

export async function startS3Server(): Promise<S3Server> {
  letS3rverPaginate();
  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true });
  writeBeforeAnswering((server as unknown as { store: WritableStore }).store);
  const gets: string[] = [];
  const puts: string[] = [];
  const state = { throttle: 0, throttled: 0 };
  // Before s3rver's own middleware: every request is seen, whatever the router does with it.
  (server as unknown as { middleware: unknown[] }).middleware.unshift(
    async (ctx: Ctx, next: () => Promise<void>) => {
      const parts = ctx.path.split('/').filter(Boolean);
      const key = parts.slice(1).map(decodeURIComponent).join('/');
      const objectCall = parts.length >= 2 && !ctx.querystring.includes('uploadId');
      if (objectCall && ctx.method === 'GET' && state.throttle > 0) {
        state.throttle--;
        state.throttled++;
        ctx.status = 503;
        ctx.type = 'application/xml';
        ctx.body =
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>' +
          '<Message>Please reduce your request rate.</Message></Error>';
        return;
      }
      if (objectCall && ctx.method === 'GET') gets.push(`${parts[0]}/${key}`);
      if (objectCall && ctx.method === 'PUT') puts.push(`${parts[0]}/${key}`);
      await next();
    },
  );
  const emulation: EmulationState = {
    withoutMd5: [],
    parts: [],
    preconditionFailed: 0,
    locks: new Map(),
    throttlePuts: 0,
    throttledPuts: 0,
  };
  // After the counter, before s3rver's router (Koa composes the list when the server starts).
  (server as unknown as { middleware: unknown[] }).middleware.splice(
    1,
    0,
    awsEmulation((server as unknown as { store: EmulatedStore }).store, emulation),
  );
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const store = (server as unknown as { store: Store }).store;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    client,
    gets,
    puts,
    emulation,
    throttle(count) {
      state.throttle = count;
    },
    get throttled() {
      return state.throttled;
    },
    async seed(bucket, key, body, contentType, cacheControl) {
      const meta = {
        'content-type': contentType,
        'last-modified': new Date().toUTCString(),
        ...(cacheControl && { 'cache-control': cacheControl }),
      };
      await store.putObject(new S3Object(bucket, key, body, meta));
    },
    async stored(bucket, key) {
      const object = await store.getObject(bucket, key);
      const chunks: Buffer[] = [];
      for await (const c of object.content) chunks.push(c as Buffer);
      return {
        body: Buffer.concat(chunks),
        contentType: object.metadata['content-type']!,
        cacheControl: object.metadata['cache-control'],
      };
    },
    async close() {
      client.destroy();
      // close() waits for every open connection; a request cut off mid-body (the SIGTERM test)
      // can leave one that never ends, so end them all first.
      (server as unknown as { httpServer?: Server }).httpServer?.closeAllConnections();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
