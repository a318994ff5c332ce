/** What a destination is handed: a finished, verified set on local disk. */
import type { BackupManifest } from '../catalog/backup-json.js';
import type { SetObjects } from '../objects/destinations.js';

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
