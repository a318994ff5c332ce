/** What a destination is handed: a finished, verified set on local disk. */
import type { BackupManifest } from '../catalog/backup-json.js';
import type { GitHubContext } from '../github/context.js';
import type { SetObjects } from '../storage/set-objects.js';

export type { GitHubContext };

export interface FinishedSet {
  project: string;
  setId: string;
  /** The local set directory (<out>/<project>/<set-id>), complete with backup.json. */
  dir: string;
  manifest: BackupManifest;
  /** A storage part's objects (they live in the object area, outside the set directory). */
  objects?: SetObjects;
}

/** Where an artifact upload ended up (recorded in outputs and the catalog). */
export interface ArtifactRecord {
  id: number;
  name: string;
  size: number;
  /** sha256 of the uploaded zip as the artifact service reports it ("sha256:<hex>"). */
  digest: string;
  url: string | null;
}

/** Where a set went on the branch. */
export interface BranchRecord {
  repository: string;
  branch: string;
  commit: string;
  path: string;
  url: string;
}

/** Where a set went in a bucket. */
export interface S3Record {
  bucket: string;
  /** The set's key prefix, `<prefix>/<project>/<set-id>`. */
  key: string;
  /** `s3://bucket/key`: what restore --from takes. */
  url: string;
  objects: number;
  bytes: number;
}

/** What each destination records about a stored set (local records nothing: the set is there). */
export interface Receipts {
  artifact: ArtifactRecord;
  branch: BranchRecord;
  s3: S3Record;
  local: null;
}
