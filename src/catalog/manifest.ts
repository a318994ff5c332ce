/**
 * manifest.json: the backup branch's history catalog, one entry per complete set on the branch.
 * It is always rebuilt from the sets' own backup.json files; only `commit` and `reason` (which no
 * backup.json knows) are carried over from the previous manifest. Parsing is strict: a corrupt
 * manifest is an error, never an empty catalog.
 */
import { z } from 'zod';
import {
  drillSchema,
  jsonErrorAt,
  oneLine,
  parseBackupJson,
  projectName,
  setId,
  partFiles,
  type BackupManifest,
  type DrillRecord,
} from './backup-json.js';
import { isSetFileName } from './naming.js';

export const MANIFEST_FILE = 'manifest.json';
const MANIFEST_FORMAT = 'supabase-backup-manifest';
const MANIFEST_FORMAT_VERSION = 1;

export interface ManifestPart {
  part: string;
  /** The stored files of the part: one normally, the numbered chunks when it was split. */
  files: string[];
  bytes: number;
  raw_bytes: number;
  sha256: string;
  compression: string;
  encryption: string | null;
}

export interface ManifestEntry {
  project: string;
  set_id: string;
  /** "<project>/<set-id>", the set's folder on the branch. */
  path: string;
  started_at: string;
  finished_at: string;
  /** Only complete sets are ever listed. */
  status: 'ok';
  engine: string;
  server_version: string;
  parts: ManifestPart[];
  bytes: number;
  raw_bytes: number;
  tables: number;
  rows: number;
  warnings: string[];
  /** The restore drill the set passed before it was stored (absent: not drilled). */
  drill?: DrillRecord;
  /** The commit that added the set's files; null when unknown (added by hand). */
  commit: string | null;
  /** Why the run happened, e.g. "workflow_dispatch: before migration". */
  reason: string | null;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  format_version: typeof MANIFEST_FORMAT_VERSION;
  updated_at: string;
  /** Sorted by project, then set time. */
  sets: ManifestEntry[];
}

export function setPath(project: string, setId: string): string {
  return `${project}/${setId}`;
}

export function entryFor(
  path: string,
  backup: BackupManifest,
  extra: { commit: string | null; reason: string | null },
): ManifestEntry {
  const parts: ManifestPart[] = backup.parts.map((p) => ({
    part: p.part,
    files: partFiles(p).map((f) => f.file),
    bytes: p.bytes,
    raw_bytes: p.raw_bytes,
    sha256: p.sha256,
    compression: p.compression,
    encryption: p.encryption?.format ?? null,
  }));
  return {
    project: backup.project,
    set_id: backup.set_id,
    path,
    started_at: backup.started_at,
    finished_at: backup.finished_at,
    status: 'ok',
    engine: backup.engine,
    server_version: backup.server.version,
    parts,
    bytes: parts.reduce((n, p) => n + p.bytes, 0),
    raw_bytes: parts.reduce((n, p) => n + p.raw_bytes, 0),
    tables: backup.tables.length,
    rows: backup.tables.reduce((n, t) => n + t.rows, 0),
    warnings: [...backup.warnings],
    ...(backup.drill && { drill: { ...backup.drill } }),
    commit: extra.commit,
    reason: extra.reason,
  };
}

const count = z.number().int().nonnegative();
const entrySchema = z.object({
  project: projectName,
  set_id: setId,
  /** Checked against project and set_id below: a catalog never points outside its sets. */
  path: z.string(),
  started_at: oneLine,
  finished_at: oneLine,
  status: z.literal('ok'),
  engine: oneLine,
  server_version: oneLine,
  parts: z.array(
    z.object({
      part: oneLine,
      files: z
        .array(z.string().refine(isSetFileName, { error: "must be a set's file name" }))
        .min(1),
      bytes: count,
      raw_bytes: count,
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      compression: oneLine,
      encryption: oneLine.nullable(),
    }),
  ),
  bytes: count,
  raw_bytes: count,
  tables: count,
  rows: count,
  warnings: z.array(z.string()),
  drill: drillSchema.optional(),
  commit: z
    .string()
    .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/)
    .nullable(),
  reason: z.string().nullable(),
});
const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  format_version: z.literal(MANIFEST_FORMAT_VERSION),
  updated_at: z.string(),
  sets: z.array(entrySchema),
});

/** Throws with the first problem when the text is not a manifest.json this version understands. */
export function parseManifest(text: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${MANIFEST_FILE} is not valid JSON${jsonErrorAt(err)}`);
  }
  const result = manifestSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new Error(`${MANIFEST_FILE} is not a valid backup catalog: ${where}${issue.message}`);
  }
  const paths = new Set<string>();
  for (const [i, entry] of result.data.sets.entries()) {
    const path = setPath(entry.project, entry.set_id);
    if (entry.path !== path)
      throw new Error(
        `${MANIFEST_FILE} is not a valid backup catalog: sets.${i}.path: must be ${path} (<project>/<set-id>), not ${JSON.stringify(entry.path)}`,
      );
    if (paths.has(entry.path))
      throw new Error(`${MANIFEST_FILE} is not a valid backup catalog: ${entry.path} listed twice`);
    paths.add(entry.path);
  }
  return result.data as Manifest;
}

function compareEntries(a: ManifestEntry, b: ManifestEntry): number {
  if (a.project !== b.project) return a.project < b.project ? -1 : 1;
  if (a.set_id !== b.set_id) return a.set_id < b.set_id ? -1 : 1;
  return 0;
}

/** Fixed key order and set order, so the same catalog always serializes to the same bytes. */
export function serializeManifest(m: Manifest): string {
  const sets = [...m.sets].sort(compareEntries).map((e) => ({
    project: e.project,
    set_id: e.set_id,
    path: e.path,
    started_at: e.started_at,
    finished_at: e.finished_at,
    status: e.status,
    engine: e.engine,
    server_version: e.server_version,
    parts: e.parts.map((p) => ({
      part: p.part,
      files: p.files,
      bytes: p.bytes,
      raw_bytes: p.raw_bytes,
      sha256: p.sha256,
      compression: p.compression,
      encryption: p.encryption,
    })),
    bytes: e.bytes,
    raw_bytes: e.raw_bytes,
    tables: e.tables,
    rows: e.rows,
    warnings: e.warnings,
    ...(e.drill && { drill: e.drill }),
    commit: e.commit,
    reason: e.reason,
  }));
  const out = {
    format: m.format,
    format_version: m.format_version,
    updated_at: m.updated_at,
    sets,
  };
  return JSON.stringify(out, null, 2) + '\n';
}

const SET_MARKER_PATH = /^([a-z0-9][a-z0-9_-]*)\/(\d{4}-\d{2}-\d{2}T\d{6}Z)\/backup\.json$/;

/** The set folders of a tree, from its file paths: "<project>/<set-id>" -> the backup.json's value. */
export function setsInTree<T>(files: Iterable<[path: string, value: T]>): Map<string, T> {
  const sets = new Map<string, T>();
  for (const [path, value] of files) {
    const m = SET_MARKER_PATH.exec(path);
    if (m) sets.set(setPath(m[1]!, m[2]!), value);
  }
  return sets;
}

/** A set folder found on the branch, with the text of its backup.json. */
export interface TreeSet {
  path: string;
  backupJson: string;
}

export interface RebuiltManifest {
  manifest: Manifest;
  /** Set folders left out of the catalog, with the reason (their backup.json does not read). */
  skipped: { path: string; problem: string }[];
}

/**
 * The catalog of a tree: one entry per set folder whose backup.json reads and matches its path.
 * `added` gives commit and reason of the sets this run added; every other set keeps the values
 * the previous manifest had for it (null when it had none).
 */
export function rebuildManifest(input: {
  sets: TreeSet[];
  previous: Manifest | null;
  added: ReadonlyMap<string, { commit: string | null; reason: string | null }>;
  updatedAt: string;
}): RebuiltManifest {
  const before = new Map((input.previous?.sets ?? []).map((e) => [e.path, e]));
  const entries: ManifestEntry[] = [];
  const skipped: RebuiltManifest['skipped'] = [];
  for (const { path, backupJson } of input.sets) {
    let backup: BackupManifest;
    try {
      backup = parseBackupJson(backupJson);
    } catch (err) {
      skipped.push({ path, problem: (err as Error).message });
      continue;
    }
    if (setPath(backup.project, backup.set_id) !== path) {
      const described = setPath(backup.project, backup.set_id);
      skipped.push({ path, problem: `backup.json describes ${described}, not ${path}` });
      continue;
    }
    const old = before.get(path);
    const extra = input.added.get(path) ?? {
      commit: old?.commit ?? null,
      reason: old?.reason ?? null,
    };
    entries.push(entryFor(path, backup, extra));
  }
  entries.sort(compareEntries);
  return {
    manifest: {
      format: MANIFEST_FORMAT,
      format_version: MANIFEST_FORMAT_VERSION,
      updated_at: input.updatedAt,
      sets: entries,
    },
    skipped,
  };
}
