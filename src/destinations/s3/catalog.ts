/**
 * `<prefix>/manifest.json` in a bucket: the branch's catalog format, kept right under concurrent
 * writers two ways (docs/s3.md):
 * - it is rebuilt on every write from what the bucket holds: every `<project>/<set-id>/backup.json`
 *   listed is a set (entries of sets whose backup.json is gone are dropped, sets missing from it
 *   are read and added), so a lost update is repaired by the next run;
 * - it is written conditionally (If-None-Match: * when new, If-Match: <etag> otherwise); on 412
 *   PreconditionFailed or 409 ConditionalRequestConflict another run wrote first, and the write is
 *   redone on the new version. A server that ignores the headers falls back on the first rule.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import {
  MANIFEST_FILE,
  parseManifest,
  rebuildManifest,
  serializeManifest,
  setsInTree,
  type Manifest,
  type ManifestEntry,
} from '../../catalog/manifest.js';
import { StorageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { s3Sdk } from '../../storage/s3-endpoint.js';
import { errorCode, httpStatus } from './client.js';
import { putBytes, type ObjectHeaders } from './upload.js';
import { keyOf } from './url.js';

export interface CatalogPlace {
  client: S3Client;
  bucket: string;
  prefix: string;
  logger: Logger;
  signal?: AbortSignal | undefined;
}

/** Every object under a prefix, with its size (paged, 1000 a request). */
export async function listObjects(
  place: CatalogPlace,
  under: string,
): Promise<{ key: string; size: number }[]> {
  const { ListObjectsV2Command } = await s3Sdk();
  const objects: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await place.client.send(
      new ListObjectsV2Command({ Bucket: place.bucket, Prefix: under, ContinuationToken: token }),
      { abortSignal: place.signal },
    );
    for (const o of page.Contents ?? [])
      if (o.Key !== undefined) objects.push({ key: o.Key, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** Every key under a prefix. */
export async function listKeys(place: CatalogPlace, under: string): Promise<string[]> {
  return (await listObjects(place, under)).map((o) => o.key);
}

/** An object's text and ETag; null when there is no such key. */
export async function getText(
  place: CatalogPlace,
  key: string,
): Promise<{ text: string; etag: string | undefined } | null> {
  const { GetObjectCommand } = await s3Sdk();
  try {
    const out = await place.client.send(new GetObjectCommand({ Bucket: place.bucket, Key: key }), {
      abortSignal: place.signal,
    });
    return { text: await out.Body!.transformToString('utf8'), etag: out.ETag };
  } catch (err) {
    if (
      errorCode(err) === 'NoSuchKey' ||
      (httpStatus(err) === 404 && errorCode(err) !== 'NoSuchBucket')
    )
      return null;
    throw err;
  }
}

/** The set paths ("<project>/<set-id>") whose backup.json the bucket holds, with their keys. */
async function listSetMarkers(place: CatalogPlace, project?: string): Promise<Map<string, string>> {
  const root = keyOf(place.prefix);
  const under = keyOf(place.prefix, project ?? '') + (root || project ? '/' : '');
  const cut = root ? root.length + 1 : 0;
  const keys = await listKeys(place, under === '/' ? '' : under);
  return setsInTree(keys.map((k) => [k.slice(cut), k] as [string, string]));
}

/** The catalog; null when there is none yet. A corrupt one is an error, never an empty catalog. */
export async function readCatalog(
  place: CatalogPlace,
): Promise<{ manifest: Manifest; etag: string | undefined } | null> {
  const key = keyOf(place.prefix, MANIFEST_FILE);
  const got = await getText(place, key);
  if (!got) return null;
  try {
    return { manifest: parseManifest(got.text), etag: got.etag };
  } catch (err) {
    throw new StorageError(`s3://${place.bucket}/${key}: ${(err as Error).message}`);
  }
}

const CONFLICT = new Set(['PreconditionFailed', 'ConditionalRequestConflict']);
const isConflict = (err: unknown) =>
  CONFLICT.has(errorCode(err) ?? '') || httpStatus(err) === 412 || httpStatus(err) === 409;

/**
 * Rebuilds the catalog from the bucket and writes it conditionally, again on a conflict.
 * `added` gives the reason of sets this run stored (no backup.json knows it).
 */
export async function updateCatalog(
  place: CatalogPlace,
  options: {
    added?: ReadonlyMap<string, { reason: string | null }>;
    headers?: ObjectHeaders;
    now: () => Date;
    maxAttempts?: number;
  },
): Promise<Manifest> {
  const key = keyOf(place.prefix, MANIFEST_FILE);
  const attempts = options.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    const current = await readCatalog(place).catch((err: unknown) => {
      // A corrupt catalog is replaced by the rebuilt one (it only ever repeats the sets).
      if (err instanceof StorageError) {
        place.logger.warning(`${err.message}; rebuilding it from the sets' backup.json`);
        return { manifest: null, etag: undefined, corrupt: true };
      }
      throw err;
    });
    const markers = await listSetMarkers(place);
    const previous = current?.manifest ?? null;
    const known = new Map((previous?.sets ?? []).map((e) => [e.path, e]));
    const keep: ManifestEntry[] = [];
    const read: { path: string; backupJson: string }[] = [];
    for (const [path, markerKey] of markers) {
      const entry = known.get(path);
      if (entry && !options.added?.has(path)) keep.push(entry);
      else {
        const got = await getText(place, markerKey);
        if (got) read.push({ path, backupJson: got.text });
      }
    }
    const rebuilt = rebuildManifest({
      sets: read,
      previous,
      added: new Map(
        [...(options.added ?? [])].map(([p, v]) => [p, { commit: null, reason: v.reason }]),
      ),
      updatedAt: options.now().toISOString(),
    });
    for (const s of rebuilt.skipped)
      place.logger.warning(
        `s3://${place.bucket}/${keyOf(place.prefix, s.path)} left out of ${MANIFEST_FILE}: ${s.problem}`,
      );
    const manifest: Manifest = { ...rebuilt.manifest, sets: [...keep, ...rebuilt.manifest.sets] };
    const body = Buffer.from(serializeManifest(manifest));
    const condition =
      current && 'corrupt' in current
        ? {}
        : current?.etag
          ? { IfMatch: current.etag }
          : current
            ? {}
            : { IfNoneMatch: '*' };
    try {
      await putBytes(
        place.client,
        place.bucket,
        key,
        body,
        { ...options.headers, ...condition },
        place.signal,
      );
      return parseManifest(body.toString('utf8'));
    } catch (err) {
      if (!isConflict(err) || attempt >= attempts) throw err;
      place.logger.info(
        `${MANIFEST_FILE} changed while it was updated (another run); updating again`,
      );
      const delay = Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
