/**
 * Uploads one finished set: its storage objects the bucket lacks first (content-addressed), then
 * its files, backup.json last. Every upload settles before a failure is thrown, and the set's
 * files go again when it fails or is cancelled (debris.ts). Logs progress every few seconds.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { SET_MARKER } from '../../catalog/naming.js';
import { mapLimit } from '../../concurrency.js';
import { UsageError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { ObjectArea } from '../../storage/area.js';
import { OBJECTS_DIR } from '../../storage/incremental.js';
import type { FinishedSet } from '../types.js';
import { listKeys, type CatalogPlace } from './catalog.js';
import type { S3Settings } from './client.js';
import { removeUnfinishedSet } from './debris.js';
import { Progress } from './progress.js';
import { uploadFile, type ObjectHeaders, type Slots } from './upload.js';
import { keyOf, setUrl } from './url.js';

export interface StoreSetOptions {
  config: S3Settings & { prefix: string; write_only?: boolean | undefined };
  slots: Slots;
  headers: ObjectHeaders;
  logger: Logger;
  signal?: AbortSignal | undefined;
  /** How often progress is logged (5 s). */
  progressIntervalMs?: number | undefined;
}

interface Upload {
  local: string;
  key: string;
}

const totalBytes = async (uploads: Upload[]) =>
  (await mapLimit(uploads, 16, async (u) => (await stat(u.local)).size)).reduce((a, b) => a + b, 0);

export async function storeSet(place: CatalogPlace, set: FinishedSet, o: StoreSetOptions) {
  const keyFor = (...path: string[]) => keyOf(o.config.prefix, ...path);
  const { slots, logger } = o;
  const progress = new Progress(
    logger,
    `${set.project}/${set.setId}`,
    'uploaded',
    o.progressIntervalMs,
  );
  const base = {
    client: place.client,
    bucket: place.bucket,
    slots,
    headers: o.headers,
    signal: o.signal,
    onSent: (n: number) => (progress.done += n),
  };
  const files = (await readdir(set.dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(set.dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
  if (!files.includes(SET_MARKER))
    throw new UsageError(`${set.dir} has no ${SET_MARKER}: only complete sets are stored`);
  if (set.manifest.project !== set.project || set.manifest.set_id !== set.setId)
    throw new UsageError(
      `${set.dir}: its ${SET_MARKER} describes ${set.manifest.project}/${set.manifest.set_id}, not ${set.project}/${set.setId}`,
    );

  // Storage objects first (content-addressed: a key already there holds the same bytes).
  const todo: Upload[] = [];
  if (set.objects) {
    const present = new Set(await listKeys(place, keyFor(set.project, OBJECTS_DIR) + '/'));
    const area = new ObjectArea(set.objects.area);
    for (const name of set.objects.names)
      for (const local of await area.files(name)) {
        const key = keyFor(
          set.project,
          OBJECTS_DIR,
          relative(set.objects.area, local).split('\\').join('/'),
        );
        if (!present.has(key)) todo.push({ local, key });
      }
  }
  const sets = keyFor(set.project, set.setId);
  const parts = files
    .filter((f) => f !== SET_MARKER)
    .map((f) => ({ local: join(set.dir, f), key: `${sets}/${f}` }));
  // Every upload settles before a failure is thrown (mapLimit): an upload still running when
  // the run ends could not abort its multipart upload.
  const upload = (pairs: Upload[]) =>
    mapLimit(pairs, slots.size, (t) => uploadFile(t.local, t.key, base));
  const marker = { local: join(set.dir, SET_MARKER), key: `${sets}/${SET_MARKER}` };
  progress.start(await totalBytes([...todo, ...parts, marker]));
  try {
    await upload(todo);
    try {
      await upload(parts);
      // Last: from now on the set exists.
      await uploadFile(marker.local, marker.key, base);
    } catch (err) {
      await removeUnfinishedSet(place, sets, o.config);
      throw err;
    }
  } finally {
    progress.stop();
  }
  logger.info(
    `${set.project}/${set.setId}: stored ${files.length} file(s) in ${setUrl(place.bucket, o.config.prefix, set.project, set.setId)}`,
  );
  return {
    bucket: place.bucket,
    key: sets,
    url: setUrl(place.bucket, o.config.prefix, set.project, set.setId),
    objects: files.length,
    bytes: progress.done,
  };
}
