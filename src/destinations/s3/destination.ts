/**
 * The `s3` destination: sets at `<prefix>/<project>/<set-id>/<file>` in a bucket, backup.json
 * uploaded last (a set without it does not exist for any reader), storage objects in
 * `<prefix>/<project>/objects/`, the catalog at `<prefix>/manifest.json` (catalog.ts).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { setPath } from '../../catalog/manifest.js';
import type { S3Config } from '../../config/types.js';
import type {
  Destination,
  DestinationContext,
  ListedSet,
  OpenedSet,
  RemoveReport,
  StoreResult,
} from '../destination.js';
import type { FinishedSet } from '../types.js';
import { updateCatalog, type CatalogPlace } from './catalog.js';
import { createDestinationClient, s3Error, type S3Settings } from './client.js';
import { downloadSet } from './download.js';
import { removeDebris } from './debris.js';
import { collectS3Objects } from './gc.js';
import { listProjectSets } from './listing.js';
import { removeSetObjects } from './remove.js';
import { storeSet } from './store-set.js';
import { PART_BYTES, Slots, UPLOAD_SLOTS, type ObjectHeaders } from './upload.js';
import { keyOf } from './url.js';

export interface S3DestinationOptions {
  /** Smaller parts for tests (S3's minimum is 5 MiB except the last). */
  partBytes?: number;
  slots?: number;
  /** How often a store logs its progress (5 s). */
  progressIntervalMs?: number;
}

export class S3Destination implements Destination<'s3'> {
  readonly name = 's3' as const;
  readonly catalogued = true;
  readonly where: string;
  private client: Promise<S3Client> | undefined;
  private slots: Slots | undefined;

  constructor(
    readonly config: S3Settings & Partial<S3Config> & { prefix: string },
    private readonly ctx: DestinationContext,
    private readonly options: S3DestinationOptions = {},
  ) {
    this.where = `s3://${keyOf(config.bucket, config.prefix)}`;
  }

  private async place(): Promise<CatalogPlace> {
    this.client ??= createDestinationClient(this.config, this.ctx.env, this.ctx.logger, this.where);
    return {
      client: await this.client,
      bucket: this.config.bucket,
      prefix: this.config.prefix,
      logger: this.ctx.logger,
      signal: this.ctx.signal,
    };
  }

  private now(): Date {
    return this.ctx.now?.() ?? new Date();
  }

  /** Storage class, encryption and lock of every stored object of a set. */
  private headers(): ObjectHeaders {
    const c = this.config;
    const lock = c.object_lock;
    return {
      ...(c.storage_class && { StorageClass: c.storage_class as ObjectHeaders['StorageClass'] }),
      ...(c.sse && { ServerSideEncryption: c.sse }),
      ...(c.kms_key_id && { SSEKMSKeyId: c.kms_key_id }),
      ...(lock && {
        ObjectLockMode: lock.mode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE',
        ObjectLockRetainUntilDate: new Date(this.now().getTime() + lock.retain_days * 86_400_000),
      }),
    };
  }

  private key(...path: string[]): string {
    return keyOf(this.config.prefix, ...path);
  }

  async store(sets: FinishedSet[]): Promise<StoreResult<'s3'>[]> {
    const results: StoreResult<'s3'>[] = [];
    const added = new Map<string, { reason: string | null }>();
    let place: CatalogPlace;
    try {
      place = await this.place();
    } catch (err) {
      const error = s3Error('connecting', err, this.config);
      return sets.map((s) => ({ project: s.project, ok: false, error }));
    }
    for (const set of sets) {
      try {
        await this.removeDebris(place, set.project);
        const record = await this.storeOne(place, set);
        added.set(setPath(set.project, set.setId), { reason: this.ctx.reason ?? null });
        results.push({ project: set.project, ok: true, record });
      } catch (err) {
        this.ctx.signal?.throwIfAborted();
        results.push({
          project: set.project,
          ok: false,
          error: s3Error(`storing ${set.project}/${set.setId}`, err, this.config),
        });
      }
    }
    if (added.size > 0) {
      try {
        await updateCatalog(place, { added, now: () => this.now() });
      } catch (err) {
        this.ctx.signal?.throwIfAborted();
        // The sets are stored (their backup.json is there); the next run's rebuild lists them.
        this.ctx.logger.warning(
          `${s3Error('updating manifest.json', err, this.config).message}; the stored sets are complete and the next run adds them to the catalog`,
        );
      }
    }
    return results;
  }

  private storeOne(place: CatalogPlace, set: FinishedSet) {
    return storeSet(place, set, {
      config: this.config,
      // One set of part buffers per destination, whatever the number of sets it stores.
      slots: (this.slots ??= new Slots(
        this.options.slots ?? UPLOAD_SLOTS,
        this.options.partBytes ?? PART_BYTES,
      )),
      headers: this.headers(),
      logger: this.ctx.logger,
      signal: this.ctx.signal,
      progressIntervalMs: this.options.progressIntervalMs,
    });
  }

  /**
   * A killed run's leftovers under the project, older than a day (debris.ts), go first. Only
   * housekeeping: a failure is a warning, never the backup's. write_only keys delete nothing.
   */
  private async removeDebris(place: CatalogPlace, project: string): Promise<void> {
    let found;
    try {
      found = await removeDebris(place, project, this.now(), {
        deleteSets: !this.config.write_only,
      });
    } catch (err) {
      this.ctx.signal?.throwIfAborted();
      this.ctx.logger.warning(
        `${s3Error(`removing what earlier runs left under ${this.key(project)}/`, err, this.config).message}; storing goes on`,
      );
      return;
    }
    const { uploads, sets } = found;
    if (uploads > 0)
      this.ctx.logger.info(`${project}: aborted ${uploads} unfinished upload(s) of an earlier run`);
    if (sets.length > 0)
      this.ctx.logger.info(
        `${project}: removed the files of ${sets.length} unfinished set(s) of earlier runs (no backup.json): ${sets.join(', ')}`,
      );
  }

  async list(project: string): Promise<ListedSet[]> {
    try {
      return await listProjectSets(await this.place(), project);
    } catch (err) {
      throw s3Error(`listing the sets of ${project}`, err, this.config);
    }
  }

  async open(project: string, setId?: string): Promise<OpenedSet> {
    const place = await this.place();
    const interval = this.options.progressIntervalMs;
    return downloadSet(place, this, project, setId, this.ctx, interval).catch((err: unknown) => {
      throw s3Error(`reading ${project}/${setId ?? '(newest)'}`, err, this.config);
    });
  }

  async remove(project: string, setIds: string[]): Promise<RemoveReport> {
    const report: RemoveReport = { removed: [], retained: [] };
    if (this.config.write_only) {
      for (const setId of setIds)
        report.retained.push({
          setId,
          reason:
            'write_only: not deleted (a lifecycle rule on the bucket removes old sets; docs/s3.md)',
        });
      return report;
    }
    const place = await this.place();
    try {
      for (const setId of setIds) {
        const kept = await removeSetObjects(place, this.key(project, setId), {
          checkLock: this.config.object_lock !== undefined,
          now: this.now(),
        });
        if (kept) report.retained.push({ setId, reason: kept });
        else report.removed.push(setId);
      }
      if (report.removed.length > 0) {
        const removed = new Set(report.removed.map((id) => setPath(project, id)));
        await collectS3Objects(place, project, removed, this.ctx.logger);
      }
    } finally {
      if (report.removed.length > 0)
        await updateCatalog(place, { now: () => this.now() }).catch((err: unknown) => {
          throw s3Error('updating manifest.json', err, this.config);
        });
    }
    return report;
  }
}
