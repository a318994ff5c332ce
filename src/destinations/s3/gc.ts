/**
 * Storage objects in a bucket that no remaining set of the project references, after prune
 * removed sets: the same rule as on the branch (src/storage/object-gc.ts, a project with an unreadable
 * set keeps its whole area), every version deleted by its version id.
 */
import { SET_MARKER } from '../../catalog/naming.js';
import type { Logger } from '../../log.js';
import { OBJECTS_DIR } from '../../storage/incremental.js';
import { branchObjectGarbage } from '../../storage/object-gc.js';
import { getText, listKeys, type CatalogPlace } from './catalog.js';
import { deleteVersion, versionsOrKeys } from './remove.js';
import { keyOf } from './url.js';

export async function collectS3Objects(
  place: CatalogPlace,
  project: string,
  removed: ReadonlySet<string>,
  logger: Logger,
): Promise<number> {
  const root = keyOf(place.prefix);
  const cut = root ? root.length + 1 : 0;
  const keys = await listKeys(place, `${keyOf(place.prefix, project)}/`);
  if (!keys.some((k) => k.slice(cut).startsWith(`${project}/${OBJECTS_DIR}/`))) return 0;
  const tree = keys.map((k) => ({ path: k.slice(cut), oid: k }));
  const sets = new Map<string, string>();
  for (const { path, oid } of tree) {
    const m = /^([^/]+\/[^/]+)\/backup\.json$/.exec(path);
    if (!m || !path.endsWith(`/${SET_MARKER}`)) continue;
    const got = await getText(place, oid);
    // A marker that cannot be read: the area stays whole (branchObjectGarbage sees no list).
    sets.set(m[1]!, got?.text ?? '');
  }
  const garbage = await branchObjectGarbage(tree, sets, removed, async (oids) => {
    const out = new Map<string, string>();
    for (const oid of oids) out.set(oid, (await getText(place, oid))?.text ?? '');
    return out;
  });
  if (garbage.length === 0) return 0;
  const doomed = new Set(garbage.map((p) => (root ? `${root}/${p}` : p)));
  const area = `${keyOf(place.prefix, project, OBJECTS_DIR)}/`;
  const versions = await versionsOrKeys(place, area, () => Promise.resolve([...doomed]));
  for (const v of versions.filter((x) => doomed.has(x.key))) await deleteVersion(place, v);
  logger.info(`${project}: removed ${doomed.size} stored object file(s) no kept set references`);
  return doomed.size;
}
