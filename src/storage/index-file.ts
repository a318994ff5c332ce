/**
 * What a set records about Storage (see docs/storage.md):
 * - the storage index (storage.index.json, compressed and encrypted like the dumps): every
 *   object's bucket, key, size, etag, sha256, content type and last-modified time;
 * - the object list (storage.objects, always plain text): one line per object,
 *   `<sha256> <fingerprint> <content-type>`, so that the next run (which holds only public keys)
 *   can tell unchanged objects and the prune step can tell which stored objects are referenced,
 *   without decrypting the index. The fingerprint hides bucket and key (see fingerprint()).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const INDEX_FORMAT = 'supabase-backup-storage-index';
export const OBJECTS_FILE = 'storage.objects';

/** An object as listed by the S3 endpoint (what decides whether it changed). */
export interface ListedObject {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  /** ISO time. */
  last_modified: string;
}

/** What a restore sends back with an object's bytes. */
export interface ObjectHeaders {
  content_type: string;
  /** Absent when the object had none (or the set predates it being recorded). */
  cache_control?: string | undefined;
}

export interface IndexedObject extends ListedObject, ObjectHeaders {
  sha256: string;
}

export interface StorageIndex {
  format: typeof INDEX_FORMAT;
  format_version: 1;
  buckets: string[];
  objects: IndexedObject[];
}

const sha = z.string().regex(/^[0-9a-f]{64}$/);
const indexSchema = z.object({
  format: z.literal(INDEX_FORMAT),
  format_version: z.literal(1),
  buckets: z.array(z.string()),
  objects: z.array(
    z.object({
      bucket: z.string(),
      key: z.string(),
      size: z.number().int().nonnegative(),
      etag: z.string(),
      last_modified: z.string(),
      sha256: sha,
      content_type: z.string(),
      cache_control: z.string().optional(),
    }),
  ),
});

export function serializeIndex(index: StorageIndex): string {
  return JSON.stringify(index) + '\n';
}

export function parseIndex(text: string): StorageIndex {
  const result = indexSchema.safeParse(JSON.parse(text));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`not a storage index: ${issue.path.join('.')}: ${issue.message}`);
  }
  return result.data as StorageIndex;
}

/**
 * sha256 over what identifies one version of one object. Plain in storage.objects: it reveals
 * nothing readable, and confirming a guess needs the bucket, key, etag (the content's MD5 for
 * simple uploads), size and time already.
 */
export function fingerprint(o: ListedObject): string {
  const fields = [o.bucket, o.key, String(o.size), o.etag, o.last_modified];
  return createHash('sha256').update(fields.join('\0')).digest('hex');
}

export interface ObjectLine extends ObjectHeaders {
  sha256: string;
  fingerprint: string;
}

/** `<sha256> <fingerprint> <content-type>[ <cache-control>]`, the headers URI-encoded. */
export function formatObjectLines(lines: ObjectLine[]): string {
  return lines
    .map(
      (l) =>
        `${l.sha256} ${l.fingerprint} ${encodeURIComponent(l.content_type)}${
          l.cache_control === undefined ? '' : ` ${encodeURIComponent(l.cache_control)}`
        }\n`,
    )
    .join('');
}

export function parseObjectLines(text: string): ObjectLine[] {
  const out: ObjectLine[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const m = /^([0-9a-f]{64}) ([0-9a-f]{64}) (\S*)(?: (\S*))?$/.exec(line);
    if (!m)
      throw new Error(
        `${OBJECTS_FILE} line ${i + 1} is not "<sha256> <fingerprint> <type>[ <cache-control>]"`,
      );
    out.push({
      sha256: m[1]!,
      fingerprint: m[2]!,
      content_type: decodeURIComponent(m[3]!),
      ...(m[4] !== undefined && { cache_control: decodeURIComponent(m[4]) }),
    });
  }
  return out;
}

/**
 * Whether a file of the object area (its path below `objects/`: `ab/<sha256>[.age][.000]`) holds
 * one of the listed objects: what a restore of the set needs of an area every set shares.
 */
export function holdsListedObject(lines: ObjectLine[]): (rel: string) => boolean {
  const listed = new Set(lines.map((l) => objectPath(l.sha256, false)));
  return (rel) => listed.has(rel.replace(/\.\d{3}$/, '').replace(/\.age$/, ''));
}

/** Where an object's stored file lives in the object area: objects/ab/abcdef…[.age]. */
export function objectPath(sha256: string, encrypted: boolean): string {
  return `${sha256.slice(0, 2)}/${sha256}${encrypted ? '.age' : ''}`;
}
