/**
 * The incremental base a fresh runner finds on the backup branch: the object list of the
 * project's newest set there, and which stored objects the branch's object area holds. Only
 * trees and one small blob are fetched (the clone is blobless), never an object.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isSetId } from '../../catalog/naming.js';
import type { Logger } from '../../log.js';
import type { BranchTarget } from './commit.js';
import { GitRepo } from '../../git/repo.js';
import { addLines, OBJECTS_DIR, type RemoteBase } from '../../storage/incremental.js';
import { OBJECTS_FILE, parseObjectLines } from '../../storage/index-file.js';
import type { Seen } from '../../storage/reuse.js';

export async function branchObjectBase(
  project: string,
  target: BranchTarget,
  options: { workDir: string; logger: Logger; signal?: AbortSignal },
): Promise<RemoteBase | null> {
  const dir = await mkdtemp(join(options.workDir, 'objects-base-'));
  try {
    const repo = await GitRepo.init(dir, target, options);
    await repo.checkBranchName(target.branch);
    const tip = await repo.fetchTip(target.branch);
    if (!tip) return null;
    const tree = await repo.listTree(tip);
    const area = `${project}/${OBJECTS_DIR}/`;
    const present = new Set<string>();
    for (const e of tree) {
      const m = /^([0-9a-f]{2}\/[0-9a-f]{64}(?:\.age)?)(?:\.(\d{3}))?$/.exec(
        e.path.slice(area.length),
      );
      if (e.path.startsWith(area) && m && (m[2] === undefined || m[2] === '000'))
        present.add(m[1]!);
    }
    // The newest set folder with an object list (sets on the branch are complete by design).
    const lists = tree
      .filter((e) => {
        const [p, setId, file, ...rest] = e.path.split('/');
        return p === project && isSetId(setId ?? '') && file === OBJECTS_FILE && !rest.length;
      })
      .sort((a, b) => (a.path < b.path ? 1 : -1));
    const newest = lists[0];
    const seen = new Map<string, Seen>();
    if (newest) {
      const text = (await repo.readBlobs(tip, [newest.oid])).get(newest.oid) ?? '';
      addLines(seen, parseObjectLines(text));
    }
    return { label: `branch ${target.branch} (${newest?.path ?? 'no set'})`, seen, present };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
