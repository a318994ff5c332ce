/**
 * Garbage collection of object areas, run when retention removes sets: a stored object goes only
 * when no remaining set of the project references it. When any remaining set cannot be read,
 * nothing is collected (an unreadable set may still need its objects).
 */
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { ObjectArea } from './area.js';
import { JOURNAL_FILE, OBJECTS_DIR, setObjectLists } from './base.js';

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
