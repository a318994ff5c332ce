/** The one place that names things on disk: set ids, part files, the set's marker files. */
import type { Compression, Part } from '../config/types.js';

/** Written last: a set directory without it is debris. */
export const SET_MARKER = 'backup.json';
export const SUMS_FILE = 'SHA256SUMS';

/**
 * The largest file a set holds unless --max-file-size says otherwise: bigger parts and objects
 * are written as numbered chunks, and the branch refuses a bigger file before pushing. One
 * number for both, so that what a backup writes by default is what the branch takes: GitHub
 * refuses files over 100 MiB (104,857,600 bytes); 95,000,000 stays clear of that by 9%.
 */
export const DEFAULT_MAX_FILE_BYTES = 95_000_000;

const SET_ID = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** UTC timestamp to the second, safe in paths and artifact names: 2026-11-22T031500Z. */
export function setIdFor(date: Date): string {
  const iso = date.toISOString(); // 2026-11-22T03:15:00.000Z
  return `${iso.slice(0, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

export function isSetId(name: string): boolean {
  return SET_ID.test(name);
}

export function setIdToDate(setId: string): Date {
  const m = SET_ID.exec(setId);
  if (!m) throw new Error(`not a set id: ${setId}`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

const SUFFIX: Record<Compression, string> = { zstd: '.zst', gzip: '.gz', none: '' };

export function partFileName(part: Part, compression: Compression, encrypted = false): string {
  return `${part}.sql${SUFFIX[compression]}${encrypted ? '.age' : ''}`;
}

/** The storage part's index: storage.index.json[.zst|.gz][.age] (docs/storage.md). */
export function storageIndexFileName(compression: Compression, encrypted = false): string {
  return `storage.index.json${SUFFIX[compression]}${encrypted ? '.age' : ''}`;
}

/** A Management API part (functions, settings): <part>.json[.zst|.gz][.age] (docs/backup-set.md). */
export function jsonPartFileName(part: Part, compression: Compression, encrypted = false): string {
  return `${part}.json${SUFFIX[compression]}${encrypted ? '.age' : ''}`;
}

/** Where a set being written lives until it is complete; never listed as a set. */
export function stagingDirName(setId: string): string {
  return `.${setId}.partial`;
}

export function isStagingDirName(name: string): boolean {
  return /^\.\d{4}-\d{2}-\d{2}T\d{6}Z\.partial(-\d+)?$/.test(name);
}

const PART_FILE = /^[a-z]+\.(sql|index\.json|json)(\.zst|\.gz)?(\.age)?(\.\d{3})?$/;

/** A file name a set may hold: its markers, a part's file or chunk, the storage object list. */
export function isSetFileName(name: string): boolean {
  return (
    name === SET_MARKER || name === SUMS_FILE || name === 'storage.objects' || PART_FILE.test(name)
  );
}
