/**
 * A project's sets in a bucket, from one listing of `<prefix>/<project>/`: every set-id folder
 * is a set, `ok` only with a readable backup.json. Sizes, run times and drill results come from
 * the catalog when it lists the set, else from the set's backup.json.
 */
import { setPath } from '../../catalog/manifest.js';
import { isSetId, SET_MARKER } from '../../catalog/naming.js';
import { listedFromMarker, runTime, type ListedSet } from '../destination.js';
import { getText, listKeys, readCatalog, type CatalogPlace } from './catalog.js';
import { keyOf } from './url.js';

export async function listProjectSets(place: CatalogPlace, project: string): Promise<ListedSet[]> {
  const base = keyOf(place.prefix, project);
  const ids = new Set<string>();
  const markers = new Set<string>();
  for (const key of await listKeys(place, `${base}/`)) {
    const [id = '', ...rest] = key.slice(base.length + 1).split('/');
    if (!isSetId(id)) continue;
    ids.add(id);
    if (rest.join('/') === SET_MARKER) markers.add(id);
  }
  if (ids.size === 0) return [];
  const catalog = new Map(
    ((await readCatalog(place).catch(() => null))?.manifest.sets ?? []).map((e) => [e.path, e]),
  );
  const out: ListedSet[] = [];
  for (const setId of [...ids].sort()) {
    const entry = markers.has(setId) ? catalog.get(setPath(project, setId)) : undefined;
    if (entry) {
      out.push({
        project,
        setId,
        time: new Date(entry.started_at),
        status: 'ok',
        drilled: entry.drill?.ok === true,
        bytes: entry.bytes,
        durationMs: runTime(entry.started_at, entry.finished_at),
      });
      continue;
    }
    const text = markers.has(setId) ? await getText(place, `${base}/${setId}/${SET_MARKER}`) : null;
    out.push(listedFromMarker(project, setId, text?.text ?? null));
  }
  return out;
}
