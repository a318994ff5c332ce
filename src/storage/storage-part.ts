/**
 * The storage part of a set: list the buckets, download what is new or changed into the
 * project's object area, reuse the rest, and write the index and the object list into the set.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { PartRecord } from '../catalog/backup-json.js';
import { storageIndexFileName } from '../catalog/naming.js';
import type { ProjectConfig } from '../config/types.js';
import { DumpError } from '../errors.js';
import { formatBytes, formatDuration } from '../format.js';
import type { Logger } from '../log.js';
import { writeFileAtomically } from '../pipeline/atomic-file.js';
import { writeTextPart, type SetPartTarget } from '../set/text-part.js';
import { ObjectArea } from './area.js';
import { Journal, loadSeen, OBJECTS_DIR } from './incremental.js';
import type { RemoteBase } from './incremental.js';
import { fetchObjects } from './fetch.js';
import {
  fingerprint,
  formatObjectLines,
  INDEX_FORMAT,
  objectPath,
  OBJECTS_FILE,
  serializeIndex,
  type IndexedObject,
} from './index-file.js';
import { bucketTotals, planObjects } from './reuse.js';
import { createS3Client, listObjects, resolveBuckets } from './s3-endpoint.js';

/** Downloads at once: enough to hide latency, few enough not to be throttled. */
const DEFAULT_OBJECT_CONCURRENCY = 8;

/** `setDir`: the set being written (staging directory). */
export interface StoragePartOptions extends SetPartTarget {
  /** <out>/<project>: holds the sets and the object area. */
  projectDir: string;
  env: Record<string, string | undefined>;
  logger: Logger;
  concurrency?: number;
  /** What a destination already holds (the backup branch, on a fresh runner). */
  remoteBase?: () => Promise<RemoteBase | null>;
}

export interface StoragePartResult {
  record: PartRecord;
  /** Object area names (`ab/<sha256>[.age]`) the set references. */
  names: string[];
}

export async function backupStoragePart(
  project: ProjectConfig,
  options: StoragePartOptions,
): Promise<StoragePartResult> {
  const { logger } = options;
  const t0 = Date.now();
  if (!project.storage)
    throw new DumpError(
      `${project.name}: the storage part needs a storage: mapping (s3_endpoint, access_key_id_secret, secret_access_key_secret); see docs/storage.md`,
    );
  const client = await createS3Client(project.storage, options.env, logger, project.name);
  try {
    const buckets = await resolveBuckets(client, project.storage.buckets, options.signal);
    const listed = (
      await Promise.all(buckets.map((b) => listObjects(client, b, options.signal)))
    ).flat();
    const encrypted = options.recipients !== null;
    const area = new ObjectArea(join(options.projectDir, OBJECTS_DIR));
    await area.clearIncoming();
    const seen = await loadSeen(options.projectDir);
    const present = await area.scan();
    const remote = await options.remoteBase?.().catch((err: unknown) => {
      logger.warning(
        `storage: ${(err as Error).message}; every object not stored here is downloaded`,
      );
      return null;
    });
    if (remote) {
      // Local knowledge first: the remote only adds objects this runner does not have.
      for (const [f, s] of remote.seen) if (!seen.has(f)) seen.set(f, s);
      for (const name of remote.present) present.add(name);
      logger.info(`storage: incremental base from ${remote.label}: ${remote.present.size} objects`);
    }
    const plan = planObjects(listed, seen, present, encrypted);
    const toFetch = plan.fetch.reduce((n, o) => n + o.size, 0);
    logger.info(
      `storage: ${listed.length} objects in ${buckets.length} bucket(s); ${plan.reuse.length} unchanged, ` +
        `${plan.fetch.length} to download (${formatBytes(toFetch)})`,
    );
    const fetched = await fetchObjects(plan.fetch, {
      client,
      area,
      journal: Journal.in(options.projectDir),
      recipients: options.recipients ?? undefined,
      maxFileBytes: options.maxFileBytes,
      concurrency: options.concurrency ?? DEFAULT_OBJECT_CONCURRENCY,
      logger,
      signal: options.signal,
    });
    const objects = [...plan.reuse, ...fetched.objects].sort(byBucketKey);
    const result = await writeIndex(objects, buckets, options);
    const totals = bucketTotals(buckets, objects);
    for (const t of totals)
      logger.info(`storage: bucket ${t.bucket}: ${t.objects} objects, ${formatBytes(t.bytes)}`);
    const duration_ms = Date.now() - t0;
    logger.info(
      `storage: ${objects.length} objects; downloaded ${fetched.objects.length} (${formatBytes(fetched.bytes)}), ` +
        `reused ${plan.reuse.length}, in ${formatDuration(duration_ms)}`,
    );
    const bytes = objects.reduce((n, o) => n + o.size, 0);
    return {
      record: {
        ...result.record,
        duration_ms,
        storage: {
          objects_file: result.objectsFile,
          objects: objects.length,
          bytes,
          buckets: totals,
          downloaded: fetched.objects.length,
          downloaded_bytes: fetched.bytes,
          reused: plan.reuse.length,
          reused_bytes: plan.reuse.reduce((n, o) => n + o.size, 0),
        },
      },
      names: [...new Set(objects.map((o) => objectPath(o.sha256, encrypted)))],
    };
  } finally {
    client.destroy();
  }
}

function byBucketKey(a: IndexedObject, b: IndexedObject): number {
  return a.bucket === b.bucket ? (a.key < b.key ? -1 : 1) : a.bucket < b.bucket ? -1 : 1;
}

async function writeIndex(
  objects: IndexedObject[],
  buckets: string[],
  options: StoragePartOptions,
) {
  const file = storageIndexFileName(options.compression, options.recipients !== null);
  const text = serializeIndex({ format: INDEX_FORMAT, format_version: 1, buckets, objects });
  const record = await writeTextPart('storage', file, text, options);
  const lines = formatObjectLines(
    objects.map((o) => ({
      sha256: o.sha256,
      fingerprint: fingerprint(o),
      content_type: o.content_type,
      ...(o.cache_control !== undefined && { cache_control: o.cache_control }),
    })),
  );
  await writeFileAtomically(options.setDir, OBJECTS_FILE, lines);
  const objectsFile = {
    file: OBJECTS_FILE,
    bytes: Buffer.byteLength(lines),
    sha256: createHash('sha256').update(lines).digest('hex'),
  };
  return { record, objectsFile };
}
