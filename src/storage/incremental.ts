/**
 * What earlier runs already stored, for the incremental plan: the object list of the newest good
 * set of the project that has a storage part, plus the resume journal that an interrupted run
 * left in the object area (objects it stored before it stopped). Both are plain text, so a run
 * with only public keys reads them.
 */
import { appendFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBackupJson } from '../catalog/backup-json.js';
import { SET_MARKER } from '../catalog/naming.js';
import { findSetDirs } from '../set/verify-set.js';
import { formatObjectLines, objectPath, parseObjectLines, type ObjectLine } from './index-file.js';
import type { Seen } from './reuse.js';

export const OBJECTS_DIR = 'objects';
export const JOURNAL_FILE = 'journal';

/**
 * The object list of every good set of the project with a storage part, newest first. A set
 * whose files cannot be read is skipped, or with `strict` (garbage collection) an error.
 */
export async function setObjectLists(
  projectDir: string,
  options: { strict?: boolean } = {},
): Promise<{ setId: string; lines: ObjectLine[]; names: string[] }[]> {
  const out: { setId: string; lines: ObjectLine[]; names: string[] }[] = [];
  for (const dir of (await findSetDirs(projectDir).catch(() => [])).reverse()) {
    const text = await readFile(join(dir, SET_MARKER), 'utf8').catch(() => null);
    if (text === null) continue; // debris: no set, nothing it needs
    try {
      const manifest = parseBackupJson(text);
      const part = manifest.parts.find((p) => p.part === 'storage');
      if (!part?.storage) continue;
      const lines = parseObjectLines(
        await readFile(join(dir, part.storage.objects_file.file), 'utf8'),
      );
      const names = lines.map((l) => objectPath(l.sha256, part.encryption !== null));
      out.push({ setId: manifest.set_id, lines, names });
    } catch (err) {
      if (options.strict) throw new Error(`${dir} cannot be read: ${(err as Error).message}`);
      // an unreadable set is never a base: its objects are downloaded again
    }
  }
  return out;
}

/** Fingerprint -> what is stored for it, from an object list. */
export function addLines(seen: Map<string, Seen>, lines: ObjectLine[]): void {
  for (const { fingerprint: key, ...stored } of lines) seen.set(key, stored);
}

/** Fingerprint -> stored object, from the newest good set and the resume journal. */
export async function loadSeen(projectDir: string): Promise<Map<string, Seen>> {
  const seen = new Map<string, Seen>();
  const [newest] = await setObjectLists(projectDir);
  if (newest) addLines(seen, newest.lines);
  const journal = await readFile(join(projectDir, OBJECTS_DIR, JOURNAL_FILE), 'utf8').catch(
    () => '',
  );
  // A line cut short by a crash is ignored; every whole line before it counts.
  const whole = journal.slice(0, journal.lastIndexOf('\n') + 1);
  try {
    addLines(seen, parseObjectLines(whole));
  } catch {
    // a damaged journal only costs downloads
  }
  return seen;
}

/** Appends to the resume journal: objects stored by a run that has not committed its set yet. */
export class Journal {
  private pending = Promise.resolve();
  constructor(private readonly path: string) {}

  static in(projectDir: string): Journal {
    return new Journal(join(projectDir, OBJECTS_DIR, JOURNAL_FILE));
  }

  add(line: ObjectLine): Promise<void> {
    this.pending = this.pending.then(() => appendFile(this.path, formatObjectLines([line])));
    return this.pending;
  }

  /** After the set is committed its object list says it all. */
  async clear(): Promise<void> {
    await this.pending.catch(() => undefined);
    await rm(this.path, { force: true });
  }
}

/** An incremental base found elsewhere (the backup branch), beside the local object area. */
export interface RemoteBase {
  /** Where it came from, for the log. */
  label: string;
  seen: Map<string, Seen>;
  /** `ab/<sha256>[.age]` names the remote object area holds. */
  present: Set<string>;
}
