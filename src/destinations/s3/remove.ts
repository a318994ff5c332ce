/**
 * Removing a set from a bucket: backup.json first (from then on the set no longer exists), then
 * the rest. In a versioned bucket (object lock) a delete without a version id only hides an
 * object behind a delete marker while it stays billed, so every version and delete marker is
 * deleted by version id (servers that cannot list versions get plain deletes). A set whose lock
 * has not expired is kept and reported with its date, whether the lock came from the config or
 * the bucket's default retention.
 */
import { SET_MARKER } from '../../catalog/naming.js';
import { s3Sdk } from '../../storage/s3-endpoint.js';
import { errorCode, httpStatus } from './client.js';
import { listKeys, type CatalogPlace } from './catalog.js';

export interface Version {
  key: string;
  versionId?: string | undefined;
}

async function listVersions(place: CatalogPlace, prefix: string): Promise<Version[]> {
  const { ListObjectVersionsCommand } = await s3Sdk();
  const out: Version[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await place.client.send(
      new ListObjectVersionsCommand({
        Bucket: place.bucket,
        Prefix: prefix,
        KeyMarker: keyMarker,
        VersionIdMarker: versionMarker,
      }),
      { abortSignal: place.signal },
    );
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])])
      if (v.Key !== undefined) out.push({ key: v.Key, versionId: v.VersionId });
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return out;
}

/**
 * Every version and delete marker under `prefix`, or, on a server that cannot list versions
 * (501 NotImplemented), the plain keys `unversioned` gives.
 */
export async function versionsOrKeys(
  place: CatalogPlace,
  prefix: string,
  unversioned: () => Promise<string[]>,
): Promise<Version[]> {
  const versions = await listVersions(place, prefix).catch((err: unknown) => {
    if (errorCode(err) === 'NotImplemented' || httpStatus(err) === 501) return null;
    throw err;
  });
  return versions ?? (await unversioned()).map((key) => ({ key }));
}

/** Deletes one version by its id (a plain delete for an unversioned key). */
export async function deleteVersion(place: CatalogPlace, v: Version): Promise<void> {
  const { DeleteObjectCommand } = await s3Sdk();
  await place.client.send(
    new DeleteObjectCommand({
      Bucket: place.bucket,
      Key: v.key,
      ...(v.versionId !== undefined && { VersionId: v.versionId }),
    }),
    { abortSignal: place.signal },
  );
}

/** "retained until <date> (object lock)" when the version is locked past `now`; null otherwise. */
async function lockedUntil(place: CatalogPlace, v: Version, now: Date): Promise<string | null> {
  const { GetObjectRetentionCommand } = await s3Sdk();
  const out = await place.client
    .send(
      new GetObjectRetentionCommand({ Bucket: place.bucket, Key: v.key, VersionId: v.versionId }),
      {
        abortSignal: place.signal,
      },
    )
    .catch((err: unknown) => {
      // No retention configured on the object is an error reply, not an empty one.
      if (errorCode(err) === 'NoSuchObjectLockConfiguration' || httpStatus(err) === 404)
        return null;
      throw err;
    });
  const until = out?.Retention?.RetainUntilDate;
  return until && until.getTime() > now.getTime()
    ? `retained until ${until.toISOString()} (object lock, ${out.Retention?.Mode ?? 'unknown mode'})`
    : null;
}

const refused = (err: unknown) => errorCode(err) === 'AccessDenied' || httpStatus(err) === 403;

/** Deletes the set under `setKey`; returns why it was kept, or null when it is gone. */
export async function removeSetObjects(
  place: CatalogPlace,
  setKey: string,
  options: { checkLock: boolean; now: Date },
): Promise<string | null> {
  const items = await versionsOrKeys(place, `${setKey}/`, () => listKeys(place, `${setKey}/`));
  const marker = `${setKey}/${SET_MARKER}`;
  if (options.checkLock) {
    for (const v of items.filter((i) => i.key === marker)) {
      const locked = await lockedUntil(place, v, options.now);
      if (locked) return locked;
    }
  }
  items.sort((a, b) => Number(b.key === marker) - Number(a.key === marker));
  for (const v of items) {
    try {
      await deleteVersion(place, v);
    } catch (err) {
      // A lock (the config's or the bucket's default retention) keeps the set; anything else fails.
      const locked = refused(err) ? await lockedUntil(place, v, options.now) : null;
      if (locked) return locked;
      throw err;
    }
  }
  return null;
}
