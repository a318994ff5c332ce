/**
 * A project's sets in a bucket, from one listing of `<prefix>/<project>/`: every set-id folder
 * is a set, `ok` only with a readable backup.json. Sizes, run times and drill results come from
 * the catalog when it lists the set, else from the set's backup.json.
 */
import { parseBackupJson, type BackupManifest } from '../../catalog/backup-json.js';
import { setPath } from '../../catalog/manifest.js';
import { isSetId, SET_MARKER, setIdToDate } from '../../catalog/naming.js';
import type { ListedSet } from '../destination.js';
import { getText, listKeys, readCatalog, type CatalogPlace } from './catalog.js';
import { keyOf } from './url.js';

const duration = (start: string, end: string) =>
  Math.max(0, Date.parse(end) - Date.parse(start)) || 0;

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
        durationMs: duration(entry.started_at, entry.finished_at),
      });
      continue;
    }
    const text = markers.has(setId) ? await getText(place, `${base}/${setId}/${SET_MARKER}`) : null;
    let m: BackupManifest | null = null;
    try {
      m = text ? parseBackupJson(text.text) : null;
    } catch {
      m = null; // an unreadable set is never counted
    }
    out.push({
      project,
      setId,
      time: m ? new Date(m.started_at) : setIdToDate(setId),
      status: m ? 'ok' : 'incomplete',
      drilled: m?.drill?.ok === true,
      ...(m && {
        bytes: m.parts.reduce((n, p) => n + p.bytes, 0),
        durationMs: duration(m.started_at, m.finished_at),
      }),
    });
  }
  return out;
}
