/** backup.json: the set's own description, written last. Parsing is strict: a set is trusted only if it reads. */
import { z } from 'zod';
import { COMPRESSIONS, ENGINES, PARTS } from '../config/types.js';
import type { Compression, Engine, Part } from '../config/types.js';
import { PROJECT_NAME_RE } from '../config/schema-helpers.js';
import { isSetId } from './naming.js';

export const FORMAT = 'supabase-backup-set';
export const FORMAT_VERSION = 1;

export interface PartRecord {
  part: Part;
  file: string;
  /** Stored bytes and digest (what SHA256SUMS lists). */
  bytes: number;
  sha256: string;
  /** The SQL before compression. */
  raw_bytes: number;
  raw_sha256: string;
  compression: Compression;
  /** null: stored as compressed SQL; age: the stored bytes are age ciphertext of that. */
  encryption: Encryption | null;
  duration_ms: number;
  /** Present when the stored file was split into numbered chunks (file.000, file.001, ...). */
  chunks?: StoredFile[];
  /** The storage part only: its plain object list and what the run listed, downloaded, reused. */
  storage?: StorageRecord;
  /** The functions part only: each function's version and source digest. */
  functions?: FunctionsRecord;
  /** The settings part only: each section's digest and which values were withheld. */
  settings?: SettingsRecord;
}

/** See docs/backup-set.md: what the functions part holds, per function. */
export interface FunctionsRecord {
  ref: string;
  functions: {
    slug: string;
    version: number;
    /** files: the deployed source files; eszip: the bundle (the multipart form was refused). */
    form: 'files' | 'eszip';
    files: number;
    bytes: number;
    /** Digest of the source (docs/backup-set.md); a drill and a restore check it. */
    sha256: string;
  }[];
}

/** See docs/backup-set.md: the settings part, per section. */
export interface SettingsRecord {
  ref: string;
  sections: {
    section: string;
    /** sha256 of the section's canonical JSON as stored. */
    sha256: string;
    /** Secret-valued fields replaced by a marker (a plain set); empty in an encrypted one. */
    withheld: string[];
  }[];
  /** Function secrets: names only (their values are not exportable). */
  secrets: number;
}

/** One surface of a Supabase project and what this set holds of it (docs/management-api.md). */
export interface CoverageEntry {
  surface: string;
  state: 'backed-up' | 'not-configured' | 'not-exportable' | 'partial';
  note: string;
}

/** See docs/storage.md. Objects live in the project's object area, not in the set. */
export interface StorageRecord {
  /** storage.objects: `<sha256> <fingerprint> <content-type>` per object (plain text). */
  objects_file: StoredFile;
  objects: number;
  bytes: number;
  buckets: { bucket: string; objects: number; bytes: number }[];
  downloaded: number;
  downloaded_bytes: number;
  reused: number;
  reused_bytes: number;
}

export interface Encryption {
  format: 'age';
  /** The public keys it was encrypted to (any one matching identity decrypts). */
  recipients: string[];
}

export interface StoredFile {
  file: string;
  bytes: number;
  sha256: string;
}

export interface TableRecord {
  schema: string;
  name: string;
  rows: number;
  /** The columns of the dump's COPY, in its order (absent in older sets). */
  columns?: string[];
  /** Order-independent digest of the table's COPY rows (docs/backup-set.md); absent likewise. */
  digest?: string;
}

/** The restore drill run before the set was committed (docs/restore.md). */
export interface DrillRecord {
  /** Always true in a stored set: a set whose drill fails is not stored. */
  ok: boolean;
  started_at: string;
  duration_ms: number;
  /** PostgreSQL versions of the source (pg_dump's server) and of the drill's cluster. */
  source_server: string;
  drill_server: string;
  /** The drill ran on a server older than the source's major version. */
  older_server: boolean;
  /** Tables whose row counts (and digests, where recorded) matched. */
  tables: number;
  rows: number;
  /** Tables whose content digest matched. */
  digests: number;
  error: string | null;
}

export interface BackupManifest {
  format: typeof FORMAT;
  format_version: typeof FORMAT_VERSION;
  project: string;
  ref: string | null;
  set_id: string;
  started_at: string;
  finished_at: string;
  engine: Engine;
  tools: Record<string, string>;
  server: { version: string; major: number };
  parts: PartRecord[];
  tables: TableRecord[];
  /** Materialized views refreshed at the end of data.sql, in order. */
  materialized_views: string[];
  warnings: string[];
  /** Present when the set was drilled before it was committed (`drill: true`, `backup --drill`). */
  drill?: DrillRecord;
  /** What of the project the set covers and what it cannot (absent in older sets). */
  coverage?: CoverageEntry[];
}

/**
 * A set's text is printed (plans, verify, the job summary): anything that is a name or a version
 * must be one line without control characters, so that a set cannot forge log lines or
 * workflow commands. Free text (warnings, table names) is escaped where it is printed.
 */
export const oneLine = z
  .string()
  .max(1000)
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  .regex(/^[^\x00-\x1f\x7f]*$/, { error: 'must be one line without control characters' });
export const projectName = z
  .string()
  .regex(PROJECT_NAME_RE, { error: 'must be a project name (a-z, 0-9, _ and -)' });
export const setId = z
  .string()
  .refine(isSetId, { error: 'must be a set id (a UTC time like 2026-11-22T031500Z)' });
const time = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, {
  error: 'must be a UTC time (ISO 8601)',
});
const sha = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().nonnegative();
/** backup.json `drill`, also copied into the branch catalog's entries. */
export const drillSchema = z.object({
  ok: z.boolean(),
  started_at: time,
  duration_ms: count,
  source_server: oneLine,
  drill_server: oneLine,
  older_server: z.boolean(),
  tables: count,
  rows: count,
  digests: count,
  error: z.string().nullable(),
});
const schema = z.object({
  format: z.literal(FORMAT),
  format_version: z.literal(FORMAT_VERSION),
  project: projectName,
  ref: oneLine.nullable(),
  set_id: setId,
  started_at: time,
  finished_at: time,
  engine: z.enum(ENGINES),
  tools: z.record(oneLine, oneLine),
  server: z.object({ version: oneLine, major: count }),
  parts: z.array(
    z.object({
      part: z.enum(PARTS),
      file: z.string().regex(/^[a-z]+\.(sql|index\.json|json)(\.zst|\.gz)?(\.age)?$/),
      bytes: count,
      sha256: sha,
      raw_bytes: count,
      raw_sha256: sha,
      compression: z.enum(COMPRESSIONS),
      encryption: z
        .object({ format: z.literal('age'), recipients: z.array(oneLine).min(1) })
        .nullable(),
      duration_ms: count,
      chunks: z
        .array(
          z.object({
            file: z.string().regex(/^[a-z]+\.(sql|index\.json|json)(\.zst|\.gz)?(\.age)?\.\d{3}$/),
            bytes: count,
            sha256: sha,
          }),
        )
        .min(2)
        .optional(),
      storage: z
        .object({
          objects_file: z.object({ file: z.literal('storage.objects'), bytes: count, sha256: sha }),
          objects: count,
          bytes: count,
          buckets: z.array(z.object({ bucket: oneLine, objects: count, bytes: count })),
          downloaded: count,
          downloaded_bytes: count,
          reused: count,
          reused_bytes: count,
        })
        .optional(),
      functions: z
        .object({
          ref: oneLine,
          functions: z.array(
            z.object({
              slug: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/),
              version: count,
              form: z.enum(['files', 'eszip']),
              files: count,
              bytes: count,
              sha256: sha,
            }),
          ),
        })
        .optional(),
      settings: z
        .object({
          ref: oneLine,
          sections: z.array(
            z.object({
              section: z.string().regex(/^[a-z_]{1,40}$/),
              sha256: sha,
              withheld: z.array(oneLine),
            }),
          ),
          secrets: count,
        })
        .optional(),
    }),
  ),
  tables: z.array(
    z.object({
      schema: z.string(),
      name: z.string(),
      rows: count,
      columns: z.array(z.string().min(1)).optional(),
      digest: z
        .string()
        .regex(/^[0-9a-f]{32}$/)
        .optional(),
    }),
  ),
  materialized_views: z.array(z.string()),
  warnings: z.array(z.string()),
  drill: drillSchema.optional(),
  coverage: z
    .array(
      z.object({
        surface: oneLine,
        state: z.enum(['backed-up', 'not-configured', 'not-exportable', 'partial']),
        note: oneLine,
      }),
    )
    .optional(),
});

/** Where JSON.parse stopped, without the text around it (a set's bytes are not echoed). */
export function jsonErrorAt(err: unknown): string {
  const m = /position (\d+)/.exec((err as Error).message);
  return m ? ` (at byte ${m[1]})` : '';
}

/** Throws with the first problem when the text is not a backup.json this version understands. */
export function parseBackupJson(text: string): BackupManifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`backup.json is not valid JSON${jsonErrorAt(err)}`);
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(
      `backup.json is not a valid backup set description: ${issue.path.join('.')}: ${issue.message}`,
    );
  }
  return result.data as BackupManifest;
}

/** The files a part is stored as: its one file, or its chunks in order. */
export function storedFiles(part: PartRecord): StoredFile[] {
  return part.chunks ?? [{ file: part.file, bytes: part.bytes, sha256: part.sha256 }];
}

/** Every file of a part in the set: its stored file(s) and, for storage, the object list. */
export function partFiles(part: PartRecord): StoredFile[] {
  return [...storedFiles(part), ...(part.storage ? [part.storage.objects_file] : [])];
}

export function serializeBackupJson(manifest: BackupManifest): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}
