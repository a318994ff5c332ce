/**
 * One interface for every place a set can live (local directory, workflow artifact, backup
 * branch, S3 bucket), as restic has one Backend and @actions/artifact one ArtifactClient. Commands
 * hold a Destination and never ask which one it is; each implementation is one folder under
 * src/destinations/ and one line in registry.ts, and __tests__/destinations/conformance.test.ts holds them
 * all to the same contract.
 */
import { parseBackupJson, type BackupManifest } from '../catalog/backup-json.js';
import { setIdToDate } from '../catalog/naming.js';
import type { Destination as DestinationName } from '../config/types.js';
import type { Logger } from '../log.js';
import type { RemoteBase } from '../storage/incremental.js';
import type { FinishedSet, GitHubContext, Receipts } from './types.js';

export type { DestinationName };

/** What a destination needs from the run; each takes only what it uses. */
export interface DestinationContext {
  github?: GitHubContext | undefined;
  env: Record<string, string | undefined>;
  /** The local output directory (the `local` destination's root). */
  outDir?: string | undefined;
  /** Temporary files go under it. */
  workDir: string;
  logger: Logger;
  /** Why the run happened, recorded where the destination can (branch commits, catalogs). */
  reason?: string | null | undefined;
  signal?: AbortSignal | undefined;
  now?: () => Date;
}

/** A set as a destination lists it. Only sets with a readable backup.json are `ok`. */
export interface ListedSet {
  project: string;
  setId: string;
  /** The time backup.json records (the set id's time when it cannot be read). */
  time: Date;
  status: 'ok' | 'incomplete';
  drilled: boolean;
  /** Stored bytes and run time, when the destination's catalog says (for the charts). */
  bytes?: number;
  durationMs?: number;
}

/** A set opened for reading: a local directory the caller verifies before trusting it. */
export interface OpenedSet {
  /** The set directory; for an artifact, its downloaded zip (restore extracts it like any --from zip). */
  dir: string;
  /** What it is, for the restore plan: "s3://bucket/prefix/project/set-id". */
  label: string;
  /** Removes whatever was downloaded. */
  cleanup(): Promise<void>;
}

/** What a removal did: sets gone, and sets kept despite the policy (with why, and until when). */
export interface RemoveReport {
  removed: string[];
  retained: { setId: string; reason: string }[];
}

export type StoreResult<N extends DestinationName> =
  | { project: string; ok: true; record: Receipts[N] }
  | { project: string; ok: false; error: unknown };

export interface Destination<N extends DestinationName = DestinationName> {
  readonly name: N;
  /** Where, for messages: "s3://my-backups/supabase-backups", "branch supabase-backups of o/r". */
  readonly where: string;
  /** The listing carries sizes and run times (a catalog), worth reading for the charts. */
  readonly catalogued: boolean;
  /** Stores finished, verified sets; one result per set, in order. Never half a set: a set is only there once its backup.json is. */
  store(sets: FinishedSet[]): Promise<StoreResult<N>[]>;
  /** The project's sets, oldest first. */
  list(project: string): Promise<ListedSet[]>;
  /** One set (undefined: the newest ok set) as a local directory. */
  open(project: string, setId?: string): Promise<OpenedSet>;
  /**
   * What the project's object area there already holds (a storage part then skips downloading
   * those objects); absent: nothing known. Not asked when another destination of the project is
   * `selfContained`.
   */
  objectBase?(project: string): Promise<RemoteBase | null>;
  /** Every set must hold all its objects itself (artifacts expire one by one). */
  readonly selfContained?: boolean;
  /** Removes sets; a set the destination must keep (a lock, no delete permission) is reported, not failed. */
  remove(project: string, setIds: string[]): Promise<RemoveReport>;
}

/** Milliseconds between two ISO times of a set (0 when they make no sense). */
export const runTime = (start: string, end: string): number =>
  Math.max(0, Date.parse(end) - Date.parse(start)) || 0;

/** A set as listed from its backup.json's text (null: none); an unreadable one is never `ok`. */
export function listedFromMarker(project: string, setId: string, text: string | null): ListedSet {
  let m: BackupManifest | null = null;
  try {
    m = text === null ? null : parseBackupJson(text);
  } catch {
    m = null;
  }
  return {
    project,
    setId,
    time: m ? new Date(m.started_at) : setIdToDate(setId),
    status: m ? 'ok' : 'incomplete',
    drilled: m?.drill?.ok === true,
    ...(m && {
      bytes: m.parts.reduce((n, p) => n + p.bytes, 0),
      durationMs: runTime(m.started_at, m.finished_at),
    }),
  };
}
