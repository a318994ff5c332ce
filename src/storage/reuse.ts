/**
 * Which listed objects a run must download (pure). An object is reused, not downloaded, when an
 * earlier good set (or the resume journal of an interrupted run) saw the same version of it —
 * same bucket, key, size, etag and last-modified time, i.e. the same fingerprint — and its
 * stored file is in the object area.
 */
import {
  fingerprint,
  objectPath,
  type IndexedObject,
  type ListedObject,
  type ObjectHeaders,
} from './index-file.js';

export interface Seen extends ObjectHeaders {
  sha256: string;
}

export interface ObjectPlan {
  reuse: IndexedObject[];
  fetch: ListedObject[];
}

export function planObjects(
  listed: ListedObject[],
  seen: ReadonlyMap<string, Seen>,
  present: ReadonlySet<string>,
  encrypted: boolean,
): ObjectPlan {
  const plan: ObjectPlan = { reuse: [], fetch: [] };
  for (const o of listed) {
    const hit = seen.get(fingerprint(o));
    if (hit && present.has(objectPath(hit.sha256, encrypted))) plan.reuse.push({ ...o, ...hit });
    else plan.fetch.push(o);
  }
  return plan;
}

export interface BucketTotals {
  bucket: string;
  objects: number;
  bytes: number;
}

/** Object count and bytes per bucket, in the order given (every bucket, empty ones too). */
export function bucketTotals(buckets: string[], objects: ListedObject[]): BucketTotals[] {
  const totals = new Map(buckets.map((b) => [b, { bucket: b, objects: 0, bytes: 0 }]));
  for (const o of objects) {
    const t = totals.get(o.bucket)!;
    t.objects++;
    t.bytes += o.size;
  }
  return [...totals.values()];
}
