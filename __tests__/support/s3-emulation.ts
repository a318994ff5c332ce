/**
 * EMULATION, not s3rver: the S3 behaviours s3rver lacks, written from AWS's documented requests
 * and error responses (S3 API reference: PutObject conditional writes, ListMultipartUploads,
 * AbortMultipartUpload, ListObjectVersions, GetObjectRetention, Object Lock; "Error responses").
 * A Koa middleware in front of s3rver's router:
 * - conditional PUT: `If-None-Match: *` on an existing key and `If-Match: <etag>` on another
 *   ETag answer 412 PreconditionFailed, `If-Match` on a missing key 404 NoSuchKey; check and write
 *   are serialized per key, as S3 does (a racing writer gets 412 or 409);
 * - Content-MD5: s3rver answers every PUT (object or part) with the MD5 of what it stored as ETag;
 *   a request whose Content-MD5 differs gets 400 BadDigest, and requests without one are recorded;
 * - ListMultipartUploads (GET ?uploads) and AbortMultipartUpload (DELETE ?uploadId) over
 *   s3rver's own upload directories;
 * - Object Lock in a "versioned" bucket with one version per key ("null"): lock headers on PUT
 *   are kept, GET ?retention returns them (404 NoSuchObjectLockConfiguration without), GET
 *   ?versions lists the keys, and DELETE of a version locked until later is 403 AccessDenied.
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

interface Ctx {
  req: { destroyed: boolean };
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  querystring: string;
  status: number;
  type: string;
  body: unknown;
  get(header: string): string;
  set(header: string, value: string): void;
  response: { get(header: string): string };
}

export interface EmulatedStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  getMetadata(
    bucket: string,
    key: string,
  ): Promise<{ etag: string; 'last-modified': string; 'content-length': number }>;
  listObjects(
    bucket: string,
    options: { prefix?: string; maxKeys?: number },
  ): Promise<{ objects: { key: string }[] }>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

export interface EmulationState {
  /** "bucket/key" of every PUT (object or part) that came without Content-MD5. */
  withoutMd5: string[];
  /** "bucket/key" of every UploadPart received (s3rver's counter skips them). */
  parts: string[];
  /** Conditional PUTs refused (412). */
  preconditionFailed: number;
  /** Locks by "bucket/key". */
  locks: Map<string, { mode: string; until: Date }>;
  /** The next `n` PUTs of objects or parts get 503 SlowDown. */
  throttlePuts: number;
  throttledPuts: number;
  /** Awaited before each UploadPart is handled (a test holds uploads here to cancel mid-way). */
  beforePart?: (() => Promise<void>) | undefined;
}

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function fail(ctx: Ctx, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${esc(message)}</Message></Error>`;
}

function xml(ctx: Ctx, body: string): void {
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>${body}`;
}

/** Per-key chains: a conditional check and its write happen with nobody in between. */
const chains = new Map<string, Promise<void>>();
async function exclusive(key: string, fn: () => Promise<void>): Promise<void> {
  const before = chains.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const chain = before.then(() => mine);
  chains.set(key, chain);
  await before;
  try {
    await fn();
  } finally {
    release();
    if (chains.get(key) === chain) chains.delete(key);
  }
}

export function awsEmulation(store: EmulatedStore, state: EmulationState) {
  const etagOf = (bucket: string, key: string) =>
    store.getMetadata(bucket, key).then(
      (m) => m.etag,
      () => null,
    );
  const uploadsDir = (bucket: string) => store.getResourcePath(bucket, '', 'uploads');

  return async (ctx: Ctx, next: () => Promise<void>): Promise<void> => {
    const parts = ctx.path.split('/').filter(Boolean);
    const bucket = parts[0] ?? '';
    const key = parts.slice(1).map(decodeURIComponent).join('/');
    const q = ctx.query;

    // ListMultipartUploads
    if (ctx.method === 'GET' && parts.length === 1 && 'uploads' in q) {
      const prefix = typeof q.prefix === 'string' ? q.prefix : '';
      const ids = await readdir(uploadsDir(bucket)).catch(() => [] as string[]);
      let uploads = '';
      for (const id of ids.sort()) {
        const k = await readFile(join(uploadsDir(bucket), id, 'key'), 'utf8').catch(() => null);
        if (k === null || !k.startsWith(prefix)) continue;
        const initiated = (await stat(join(uploadsDir(bucket), id))).mtime.toISOString();
        uploads += `<Upload><Key>${esc(k)}</Key><UploadId>${esc(id)}</UploadId><Initiated>${initiated}</Initiated></Upload>`;
      }
      return xml(
        ctx,
        `<ListMultipartUploadsResult xmlns="${XMLNS}"><Bucket>${esc(bucket)}</Bucket><Prefix>${esc(prefix)}</Prefix><MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${uploads}</ListMultipartUploadsResult>`,
      );
    }
    // ListObjectVersions: one version ("null") per key
    if (ctx.method === 'GET' && parts.length === 1 && 'versions' in q) {
      const prefix = typeof q.prefix === 'string' ? q.prefix : '';
      const { objects } = await store.listObjects(bucket, { prefix });
      const versions = objects
        .map(
          (o) =>
            `<Version><Key>${esc(o.key)}</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>${new Date().toISOString()}</LastModified></Version>`,
        )
        .join('');
      return xml(
        ctx,
        `<ListVersionsResult xmlns="${XMLNS}"><Name>${esc(bucket)}</Name><Prefix>${esc(prefix)}</Prefix><IsTruncated>false</IsTruncated>${versions}</ListVersionsResult>`,
      );
    }
    if (parts.length < 2) return next();
    const id = `${bucket}/${key}`;

    // AbortMultipartUpload
    if (ctx.method === 'DELETE' && typeof q.uploadId === 'string') {
      const dir = join(uploadsDir(bucket), q.uploadId);
      const known = await readFile(join(dir, 'key'), 'utf8').catch(() => null);
      if (known === null)
        return fail(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      await rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = '';
      return;
    }
    // GetObjectRetention
    if (ctx.method === 'GET' && 'retention' in q) {
      const lock = state.locks.get(id);
      if (!lock || (await etagOf(bucket, key)) === null)
        return fail(
          ctx,
          404,
          'NoSuchObjectLockConfiguration',
          'The specified object does not have a ObjectLock configuration',
        );
      return xml(
        ctx,
        `<Retention xmlns="${XMLNS}"><Mode>${lock.mode}</Mode><RetainUntilDate>${lock.until.toISOString()}</RetainUntilDate></Retention>`,
      );
    }
    // DeleteObject of a locked version
    if (ctx.method === 'DELETE' && 'versionId' in q) {
      const lock = state.locks.get(id);
      const bypass =
        ctx.get('x-amz-bypass-governance-retention') === 'true' && lock?.mode === 'GOVERNANCE';
      if (lock && lock.until.getTime() > Date.now() && !bypass)
        return fail(
          ctx,
          403,
          'AccessDenied',
          'Access Denied because object protected by object lock.',
        );
      await next();
      if (ctx.status < 300) state.locks.delete(id);
      return;
    }
    // CreateMultipartUpload with a lock: the object it completes into is locked (approximation).
    if (ctx.method === 'POST' && 'uploads' in q) {
      const mode = ctx.get('x-amz-object-lock-mode');
      const until = ctx.get('x-amz-object-lock-retain-until-date');
      if (mode && until) state.locks.set(id, { mode, until: new Date(until) });
      return next();
    }
    if (ctx.method !== 'PUT') return next();

    const isPart = typeof q.uploadId === 'string';
    if (state.throttlePuts > 0) {
      state.throttlePuts--;
      state.throttledPuts++;
      return fail(ctx, 503, 'SlowDown', 'Please reduce your request rate.');
    }
    if (isPart) {
      state.parts.push(id);
      await state.beforePart?.();
      // The client gave up while the part was held: nothing to store (s3rver would wait forever
      // for the rest of a body that never comes).
      if (ctx.req.destroyed) return fail(ctx, 400, 'RequestTimeout', 'The client went away.');
    }
    const md5 = ctx.get('content-md5');
    if (!md5 && !ctx.get('x-amz-copy-source')) state.withoutMd5.push(id);
    const checkDigest = async () => {
      if (!md5 || ctx.status >= 300) return;
      const stored = ctx.response.get('ETag').replace(/"/g, '');
      const sent = Buffer.from(md5, 'base64').toString('hex');
      if (stored && stored !== sent) {
        if (!isPart) await store.deleteObject(bucket, key).catch(() => undefined);
        fail(
          ctx,
          400,
          'BadDigest',
          'The Content-MD5 you specified did not match what we received.',
        );
      }
    };
    const ifMatch = ctx.get('if-match');
    const ifNoneMatch = ctx.get('if-none-match');
    const mode = ctx.get('x-amz-object-lock-mode');
    const until = ctx.get('x-amz-object-lock-retain-until-date');
    await exclusive(id, async () => {
      if (!isPart && (ifMatch || ifNoneMatch)) {
        const current = await etagOf(bucket, key);
        if (ifNoneMatch === '*' && current !== null) {
          state.preconditionFailed++;
          return fail(
            ctx,
            412,
            'PreconditionFailed',
            'At least one of the pre-conditions you specified did not hold',
          );
        }
        if (ifMatch && current === null)
          return fail(ctx, 404, 'NoSuchKey', 'The specified key does not exist.');
        if (ifMatch && current !== ifMatch) {
          state.preconditionFailed++;
          return fail(
            ctx,
            412,
            'PreconditionFailed',
            'At least one of the pre-conditions you specified did not hold',
          );
        }
      }
      await next();
      await checkDigest();
      if (!isPart && mode && until && ctx.status < 300)
        state.locks.set(id, { mode, until: new Date(until) });
    });
  };
}
