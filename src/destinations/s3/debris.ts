/**
 * What killed runs (SIGKILL, a lost runner) leave under a project, removed before the next run
 * stores its set: unfinished multipart uploads, and set folders without backup.json (never a
 * set). Only what is older than a day: younger debris may be another run's, still uploading. A
 * cancelled or failed store cleans up its own at once (destination.ts).
 */
import { isSetId, SET_MARKER } from '../../catalog/naming.js';
import { s3Sdk } from '../../storage/s3-endpoint.js';
import type { CatalogPlace } from './catalog.js';
import { s3Error, type S3Settings } from './client.js';
import { removeSetObjects } from './remove.js';
import { abortUpload } from './upload.js';
import { keyOf } from './url.js';

const DAY_MS = 86_400_000;

export interface Debris {
  uploads: number;
  /** The set folders removed, as `<project>/<set-id>`. */
  sets: string[];
}

/** `deleteSets: false` (write_only keys) leaves the set folders; uploads are still aborted. */
export async function removeDebris(
  place: CatalogPlace,
  project: string,
  now: Date,
  options: { deleteSets: boolean },
): Promise<Debris> {
  const dayAgo = now.getTime() - DAY_MS;
  return {
    uploads: await abortOldUploads(place, project, dayAgo),
    sets: options.deleteSets ? await removeOldUnfinishedSets(place, project, dayAgo) : [],
  };
}

async function abortOldUploads(place: CatalogPlace, project: string, dayAgo: number) {
  const { ListMultipartUploadsCommand } = await s3Sdk();
  const out = await place.client
    .send(
      new ListMultipartUploadsCommand({
        Bucket: place.bucket,
        Prefix: `${keyOf(place.prefix, project)}/`,
      }),
      { abortSignal: place.signal },
    )
    .catch(() => null); // not every server lists uploads; a lifecycle rule is the backstop
  const old = (out?.Uploads ?? []).filter((u) => (u.Initiated?.getTime() ?? 0) < dayAgo);
  for (const u of old) await abortUpload(place.client, place.bucket, u.Key!, u.UploadId!);
  return old.length;
}

/** One listing of the project's set folders (storage objects are under `objects/`, skipped). */
async function removeOldUnfinishedSets(place: CatalogPlace, project: string, dayAgo: number) {
  const { ListObjectsV2Command } = await s3Sdk();
  const base = `${keyOf(place.prefix, project)}/`;
  const folders = new Map<string, { marker: boolean; newest: number }>();
  let token: string | undefined;
  let past = false;
  do {
    const page = await place.client.send(
      new ListObjectsV2Command({ Bucket: place.bucket, Prefix: base, ContinuationToken: token }),
      { abortSignal: place.signal },
    );
    for (const o of page.Contents ?? []) {
      const [id = '', ...rest] = (o.Key ?? '').slice(base.length).split('/');
      // Keys come in order and set ids start with a digit: objects/ (and all after) is no set.
      if ((past = (id[0] ?? '') > '9')) break;
      if (!isSetId(id)) continue;
      const f = folders.get(id) ?? { marker: false, newest: 0 };
      f.marker ||= rest.join('/') === SET_MARKER;
      f.newest = Math.max(f.newest, o.LastModified?.getTime() ?? Infinity);
      folders.set(id, f);
    }
    token = page.IsTruncated && !past ? page.NextContinuationToken : undefined;
  } while (token);
  const removed: string[] = [];
  for (const [id, f] of folders) {
    if (f.marker || f.newest >= dayAgo) continue;
    const kept = await removeSetObjects(place, `${base}${id}`, {
      checkLock: false,
      now: new Date(dayAgo + DAY_MS),
    });
    if (kept) place.logger.warning(`${project}/${id}: an unfinished set's files are kept: ${kept}`);
    else removed.push(`${project}/${id}`);
  }
  return removed;
}

/**
 * The files a failed or cancelled store had uploaded of its set (never its backup.json, so it
 * never counted as a set) are deleted, not left to bill. Not cancellable: it is a cancel's
 * cleanup. write_only keys, a lock or an error leave them, with a warning that says where.
 */
export async function removeUnfinishedSet(
  place: CatalogPlace,
  setKey: string,
  config: S3Settings & { write_only?: boolean },
): Promise<void> {
  const where = `s3://${place.bucket}/${setKey}/`;
  if (config.write_only) {
    place.logger.warning(
      `write_only: the unfinished set's files in ${where} are not deleted (no backup.json, so never a set; a lifecycle rule removes them)`,
    );
    return;
  }
  try {
    const kept = await removeSetObjects({ ...place, signal: undefined }, setKey, {
      checkLock: false,
      now: new Date(),
    });
    if (kept) place.logger.warning(`the unfinished set's files in ${where} are kept: ${kept}`);
  } catch (err) {
    const error = s3Error(`removing the unfinished set's files under ${setKey}/`, err, config);
    place.logger.warning(
      `${error.message}; they are not a set (no backup.json): delete them by hand`,
    );
  }
}
