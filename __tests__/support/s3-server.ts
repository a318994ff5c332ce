/**
 * A real S3-compatible server for tests: s3rver (Koa, objects on disk, SigV4 checked against
 * the S3RVER/S3RVER key pair), with a counter of object GETs in front of its router so tests can
 * say how many objects a run really downloaded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export const S3_KEY_ID = 'S3RVER';
export const S3_SECRET = 'S3RVER';

export interface S3Server {
  endpoint: string;
  client: S3Client;
  /** Object GETs served (downloads), by "bucket/key". */
  gets: string[];
  /** Object PUTs received, by "bucket/key". */
  puts: string[];
  close(): Promise<void>;
}

type Ctx = { method: string; path: string; querystring: string };

export async function startS3Server(): Promise<S3Server> {
  const dir = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true });
  const gets: string[] = [];
  const puts: string[] = [];
  // Before s3rver's own middleware: every request is seen, whatever the router does with it.
  (server as unknown as { middleware: unknown[] }).middleware.unshift(
    async (ctx: Ctx, next: () => Promise<void>) => {
      const parts = ctx.path.split('/').filter(Boolean);
      const key = parts.slice(1).map(decodeURIComponent).join('/');
      const objectCall = parts.length >= 2 && !ctx.querystring.includes('uploadId');
      if (objectCall && ctx.method === 'GET') gets.push(`${parts[0]}/${key}`);
      if (objectCall && ctx.method === 'PUT') puts.push(`${parts[0]}/${key}`);
      await next();
    },
  );
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
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
    async close() {
      client.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
