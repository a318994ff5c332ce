/**
 * Garbage collection of object areas, run when retention removes sets: a stored object goes only
 * when no remaining set of the project references it. When any remaining set cannot be read,
 * nothing is collected (an unreadable set may still need its objects).
 */
import { join } from 'node:path';
import { parseBackupJson } from '../catalog/backup-json.js';
import type { Logger } from '../log.js';
import { ObjectArea } from './area.js';
import { JOURNAL_FILE, OBJECTS_DIR, setObjectLists } from './incremental.js';
import { objectPath, parseObjectLines } from './index-file.js';

/** Removes the local objects no remaining set of the project references; returns how many. */
export async function collectLocalObjects(projectDir: string, logger: Logger): Promise<number> {
  const area = new ObjectArea(join(projectDir, OBJECTS_DIR));
  const present = await area.scan();
  if (present.size === 0) return 0;
  const lists = await setObjectLists(projectDir, { strict: true }).catch((err: unknown) => {
    logger.warning(`${projectDir}: object area left as it is: ${(err as Error).message}`);
    return null;
  });
  if (!lists) return 0;
  const referenced = new Set(lists.flatMap((l) => l.names));
  const journal = await area.files(JOURNAL_FILE);
  // An interrupted run's objects (in the resume journal) are kept for the run that resumes.
  if (journal.length > 0) return 0;
  let removed = 0;
  for (const name of present) {
    if (referenced.has(name)) continue;
    await area.remove(name);
    removed++;
  }
  if (removed > 0)
    logger.info(`${projectDir}: removed ${removed} object(s) no kept set references`);
  return removed;
}

/**
 * The stored files in the branch's object areas that no set left on the branch references, once
 * `removed` set folders are gone. A project with a set whose backup.json or object list cannot be
 * read keeps its whole area.
 */
export async function branchObjectGarbage(
  tree: { path: string; oid: string }[],
  sets: ReadonlyMap<string, string>,
  removed: ReadonlySet<string>,
  readBlobs: (oids: string[]) => Promise<Map<string, string>>,
): Promise<string[]> {
  const oidOf = new Map(tree.map((e) => [e.path, e.oid]));
  const projects = new Set([...removed].map((p) => p.split('/')[0]!));
  const garbage: string[] = [];
  for (const project of projects) {
    const lists: { oid: string; encrypted: boolean }[] = [];
    let readable = true;
    for (const [path, text] of sets) {
      if (!path.startsWith(`${project}/`) || removed.has(path)) continue;
      try {
        const part = parseBackupJson(text).parts.find((p) => p.part === 'storage');
        if (!part?.storage) continue;
        const oid = oidOf.get(`${path}/${part.storage.objects_file.file}`);
        if (!oid) throw new Error('no object list');
        lists.push({ oid, encrypted: part.encryption !== null });
      } catch {
        readable = false;
      }
    }
    if (!readable) continue;
    const texts = await readBlobs(lists.map((l) => l.oid));
    const referenced = new Set(
      lists.flatMap((l) =>
        parseObjectLines(texts.get(l.oid) ?? '').map((o) => objectPath(o.sha256, l.encrypted)),
      ),
    );
    const area = `${project}/${OBJECTS_DIR}/`;
    for (const { path } of tree) {
      const m = /^([0-9a-f]{2}\/[0-9a-f]{64}(?:\.age)?)(?:\.\d{3})?$/.exec(path.slice(area.length));
      if (path.startsWith(area) && m && !referenced.has(m[1]!)) garbage.push(path);
    }
  }
  return garbage;
}
