/**
 * `restore --parts storage`: open and verify the set, find its object area, resolve the target
 * S3 endpoint and keys (flags over the config's `storage:` of the set's project), upload.
 */
import { resolve } from 'node:path';
import type { BackupManifest } from '../catalog/backup-json.js';
import {
  verifiedManifest,
  withPorts,
  type RestorePorts,
  type RestoreRunOptions,
} from './restore.js';
import type { Config, StorageConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { formatBytes } from '../format.js';
import { openSource, type SourceSpec } from '../restore/source.js';
import { ObjectArea } from '../storage/area.js';
import {
  readStorageIndex,
  restoreObjects,
  type BucketRestore,
} from '../storage/restore-objects.js';
import { createS3Client } from '../storage/s3-endpoint.js';
import { objectAreaFor } from '../storage/verify-objects.js';

export const STORAGE_RESTORE_CLI_OPTIONS = {
  config: { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-region': { type: 'string' },
  's3-key-id-env': { type: 'string' },
  's3-secret-env': { type: 'string' },
  objects: { type: 'string' },
  'overwrite-objects': { type: 'boolean', default: false },
} as const;

/** The storage flags of `restore`; storage is restored in a run of its own. */
export function storageRestoreFlags(
  values: {
    's3-endpoint'?: string;
    's3-region'?: string;
    's3-key-id-env'?: string;
    's3-secret-env'?: string;
    objects?: string;
    'overwrite-objects'?: boolean;
  },
  parts: string[],
): Pick<StorageRestoreOptions, 'target' | 'objectsDir' | 'overwrite'> {
  if (parts.length > 1)
    throw new UsageError(
      "--parts storage restores Storage objects in a run of its own: restore the database parts first (their storage.buckets rows carry the buckets' settings), then run restore --parts storage",
    );
  return {
    target: {
      endpoint: values['s3-endpoint'],
      region: values['s3-region'],
      keyIdEnv: values['s3-key-id-env'],
      secretEnv: values['s3-secret-env'],
    },
    objectsDir: values.objects,
    overwrite: values['overwrite-objects'] ?? false,
  };
}

export interface StorageTargetFlags {
  endpoint?: string;
  region?: string;
  /** NAMES of the variables holding the target's S3 keys. */
  keyIdEnv?: string;
  secretEnv?: string;
}

export interface StorageRestoreOptions extends RestoreRunOptions {
  from: SourceSpec;
  /** The config whose project (the set's) gives the target's storage settings, if any. */
  config?: Config;
  target: StorageTargetFlags;
  /** The object area; default: objects/ beside the set, or inside it (an artifact). */
  objectsDir?: string;
  overwrite: boolean;
}

export interface StorageRestoreOutcome {
  applied: boolean;
  manifest: BackupManifest;
  buckets: BucketRestore[];
}

/** The target: flags first, then the config's storage settings for the set's project. */
export function storageTarget(
  project: string,
  config: Config | undefined,
  flags: StorageTargetFlags,
): StorageConfig {
  const fromConfig = config?.projects.find((p) => p.name === project)?.storage;
  const endpoint = flags.endpoint ?? fromConfig?.s3_endpoint;
  const keyId = flags.keyIdEnv ?? fromConfig?.access_key_id_secret;
  const secret = flags.secretEnv ?? fromConfig?.secret_access_key_secret;
  if (!endpoint || !keyId || !secret)
    throw new UsageError(
      `restoring storage needs the target S3 endpoint and the NAMES of the variables holding its keys: ` +
        `--s3-endpoint URL --s3-key-id-env NAME --s3-secret-env NAME, or --config FILE whose project ${project} has storage: settings`,
    );
  return {
    buckets: 'all',
    s3_endpoint: endpoint,
    region: flags.region ?? fromConfig?.region ?? 'us-east-1',
    access_key_id_secret: keyId,
    secret_access_key_secret: secret,
  };
}

export async function restoreStorage(
  request: Omit<StorageRestoreOptions, 'env' | 'logger' | 'signal'>,
  ports: RestorePorts,
): Promise<StorageRestoreOutcome> {
  const options: StorageRestoreOptions = { ...request, ...withPorts(ports) };
  const { logger } = options;
  const source = await openSource(options.from, options);
  try {
    const manifest = await verifiedManifest(source.dir, source.label);
    const target = storageTarget(manifest.project, options.config, options.target);
    const areaDir = resolve(options.objectsDir ?? (await objectAreaFor(source.dir)));
    const index = await readStorageIndex(source.dir, manifest, options.identities, options.signal);
    const bytes = index.objects.reduce((n, o) => n + o.size, 0);
    logger.info(
      `restore storage of ${manifest.project}/${manifest.set_id}: ${index.objects.length} objects ` +
        `(${formatBytes(bytes)}) in ${index.buckets.length} bucket(s) from ${areaDir} into ${target.s3_endpoint}`,
    );
    if (options.dryRun) return { applied: false, manifest, buckets: [] };
    if (!options.yes)
      throw new UsageError(
        'restore uploads into the target buckets: run again with --yes to apply (or --dry-run to only see the plan)',
      );
    const client = await createS3Client(target, options.env, logger, 'restore target');
    try {
      const buckets = await restoreObjects({
        manifest,
        index,
        area: new ObjectArea(areaDir),
        client,
        identities: options.identities,
        logger,
        overwrite: options.overwrite,
        signal: options.signal,
      });
      return { applied: true, manifest, buckets };
    } finally {
      client.destroy();
    }
  } finally {
    await source.cleanup();
  }
}
