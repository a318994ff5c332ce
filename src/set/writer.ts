/**
 * A set is written in a hidden staging directory and renamed to <project>/<set-id>/ only after
 * SHA256SUMS and backup.json (the commit marker, last) are on disk. Anything else is debris.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { partFiles, serializeBackupJson, type BackupManifest } from '../catalog/backup-json.js';
import {
  isSetId,
  isStagingDirName,
  SET_MARKER,
  setIdFor,
  stagingDirName,
  SUMS_FILE,
} from '../catalog/naming.js';
import { fsyncDir, writeFileAtomically } from '../pipeline/atomic-file.js';
import { formatSums } from '../pipeline/sha256sums.js';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export class SetWriter {
  private constructor(
    readonly projectDir: string,
    readonly setId: string,
    /** Where part files go while the set is written. */
    readonly dir: string,
  ) {}

  /** Picks a free set id at or after `at` (a second later if a set of that second exists). */
  static async begin(root: string, project: string, at: Date): Promise<SetWriter> {
    // Absolute, so the set's path means the same to every tool a destination runs in another cwd.
    const projectDir = join(resolve(root), project);
    await mkdir(projectDir, { recursive: true });
    let time = at.getTime();
    for (;;) {
      const setId = setIdFor(new Date(time));
      const staging = join(projectDir, stagingDirName(setId));
      if (!(await exists(join(projectDir, setId)))) {
        try {
          await mkdir(staging, { mode: 0o700 });
          return new SetWriter(projectDir, setId, staging);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
      }
      time += 1000;
    }
  }

  get finalDir(): string {
    return join(this.projectDir, this.setId);
  }

  /** Writes SHA256SUMS, then backup.json, then makes the set visible under its final name. */
  async commit(manifest: BackupManifest): Promise<string> {
    const sums = manifest.parts.flatMap((p) => partFiles(p));
    await writeFileAtomically(this.dir, SUMS_FILE, formatSums(sums));
    await writeFileAtomically(this.dir, SET_MARKER, serializeBackupJson(manifest));
    await fsyncDir(this.dir);
    await rename(this.dir, this.finalDir);
    await fsyncDir(this.projectDir);
    return this.finalDir;
  }

  async abort(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Removes what failed or killed runs left in a project's directory: staging directories and
 * set-named directories without backup.json. Returns the names removed.
 */
export async function removeDebris(root: string, project: string): Promise<string[]> {
  const projectDir = join(root, project);
  const entries = await readdir(projectDir, { withFileTypes: true }).catch(() => []);
  const removed: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const path = join(projectDir, e.name);
    const debris =
      isStagingDirName(e.name) || (isSetId(e.name) && !(await exists(join(path, SET_MARKER))));
    if (debris) {
      await rm(path, { recursive: true, force: true });
      removed.push(e.name);
    }
  }
  return removed;
}
