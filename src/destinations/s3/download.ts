/**
 * Opening a set in a bucket: its keys are downloaded (streamed to disk) into a private directory
 * laid out as on the branch, `<tmp>/<project>/<set-id>/` and, for a storage part, the project's
 * object area beside it. Only a set with backup.json exists; every key must stay inside the set.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseBackupJson, type PartRecord } from '../../catalog/backup-json.js';
import { SET_MARKER } from '../../catalog/naming.js';
import { mapLimit } from '../../concurrency.js';
import { RestoreError } from '../../errors.js';
import { OBJECTS_DIR } from '../../storage/incremental.js';
import { holdsListedObject, parseObjectLines } from '../../storage/index-file.js';
import { s3Sdk } from '../../storage/s3-endpoint.js';
import type { Destination, DestinationContext, OpenedSet } from '../destination.js';
import { getText, listObjects, type CatalogPlace } from './catalog.js';
import { Progress } from './progress.js';
import { keyOf, setUrl } from './url.js';

const SAFE_SEGMENT = /^(?!\.\.?$)[A-Za-z0-9._-]+$/;

/** The key's path below `base`, or null when it would leave it. */
function inside(base: string, key: string): string | null {
  const rest = key.slice(base.length + 1);
  return key.startsWith(`${base}/`) && rest.split('/').every((s) => SAFE_SEGMENT.test(s))
    ? rest
    : null;
}

async function download(
  place: CatalogPlace,
  key: string,
  file: string,
  progress: Progress,
): Promise<void> {
  const { GetObjectCommand } = await s3Sdk();
  const out = await place.client.send(new GetObjectCommand({ Bucket: place.bucket, Key: key }), {
    abortSignal: place.signal,
  });
  await mkdir(dirname(file), { recursive: true });
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      progress.done += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(out.Body as Readable, count, createWriteStream(file), { signal: place.signal });
}

/** Downloads the keys under `base` that `wanted` (their path below it) accepts, a few at once. */
async function downloadAll(
  place: CatalogPlace,
  base: string,
  into: string,
  progress: Progress,
  wanted: (rel: string) => boolean = () => true,
): Promise<number> {
  const chosen: { key: string; rel: string }[] = [];
  for (const { key, size } of await listObjects(place, `${base}/`)) {
    const rel = inside(base, key);
    if (rel === null)
      place.logger.warning(`s3://${place.bucket}/${key}: not a set file name; skipped`);
    else if (wanted(rel)) {
      chosen.push({ key, rel });
      progress.total += size;
    }
  }
  await mapLimit(chosen, 4, (c) => download(place, c.key, join(into, c.rel), progress));
  return chosen.length;
}

/**
 * The object-area files the set's object list names (a large object is chunks `<name>.000`...):
 * the area holds every set's objects, and a restore needs only this one's.
 */
async function listedObjects(dir: string, part: PartRecord): Promise<(rel: string) => boolean> {
  const text = await readFile(join(dir, part.storage!.objects_file.file), 'utf8');
  return holdsListedObject(parseObjectLines(text));
}

export async function downloadSet(
  place: CatalogPlace,
  destination: Pick<Destination, 'list'>,
  project: string,
  setId: string | undefined,
  ctx: Pick<DestinationContext, 'workDir' | 'logger'>,
  progressIntervalMs?: number,
): Promise<OpenedSet> {
  const where = `s3://${keyOf(place.bucket, place.prefix, project)}`;
  const id =
    setId ?? (await destination.list(project)).filter((s) => s.status === 'ok').pop()?.setId;
  if (id === undefined)
    throw new RestoreError(
      `${where}: no complete set (none with ${SET_MARKER}); nothing was changed`,
    );
  const base = keyOf(place.prefix, project, id);
  const marker = await getText(place, `${base}/${SET_MARKER}`);
  if (!marker)
    throw new RestoreError(
      `${setUrl(place.bucket, place.prefix, project, id)}: no such set (no ${SET_MARKER}: never stored, removed, or cut off mid-upload); refusing to restore, nothing was changed`,
    );
  const temp = await mkdtemp(join(ctx.workDir, 'supabase-s3-set-'));
  const cleanup = () => rm(temp, { recursive: true, force: true });
  const label = setUrl(place.bucket, place.prefix, project, id);
  const progress = new Progress(ctx.logger, label, 'downloaded', progressIntervalMs);
  progress.start();
  try {
    const dir = join(temp, project, id);
    const files = await downloadAll(place, base, dir, progress);
    let wanted: ((rel: string) => boolean) | null = null;
    try {
      const part = parseBackupJson(marker.text).parts.find((p) => p.part === 'storage');
      if (part?.storage) wanted = await listedObjects(dir, part);
    } catch {
      wanted = null; // verification says what is wrong with the set
    }
    if (wanted)
      await downloadAll(
        place,
        keyOf(place.prefix, project, OBJECTS_DIR),
        join(temp, project, OBJECTS_DIR),
        progress,
        wanted,
      );
    ctx.logger.info(`downloaded ${files} file(s) of ${label}`);
    return { dir, label, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  } finally {
    progress.stop();
  }
}
