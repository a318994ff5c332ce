/**
 * verify for the storage part: every object the set's object list names must be in the object
 * area; a plain one must hash to its name, an encrypted one must be age ciphertext (its plaintext
 * digest is checked on restore, which holds the identity).
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BackupManifest } from '../catalog/backup-json.js';
import { hasAgeHeader } from '../pipeline/encrypt.js';
import { sha256Files, type SetProblem } from '../set/verify-set.js';
import { ObjectArea } from './area.js';
import { OBJECTS_DIR } from './incremental.js';
import { objectPath, parseObjectLines } from './index-file.js';

/** Results by object path, shared by the sets of one verify run (sets share most objects). */
export type ObjectCache = Map<string, string | null>;

/** The object area of a set: objects/ inside it (an artifact) or beside it (a project dir). */
export async function objectAreaFor(setDir: string): Promise<string> {
  const inside = join(setDir, OBJECTS_DIR);
  const isDir = await stat(inside).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return isDir ? inside : join(dirname(resolve(setDir)), OBJECTS_DIR);
}

export async function verifyObjects(
  setDir: string,
  manifest: BackupManifest,
  cache: ObjectCache = new Map(),
): Promise<{ problems: SetProblem[]; objects: number }> {
  const part = manifest.parts.find((p) => p.part === 'storage');
  if (!part?.storage) return { problems: [], objects: 0 };
  const area = new ObjectArea(await objectAreaFor(setDir));
  const lines = parseObjectLines(
    await readFile(join(setDir, part.storage.objects_file.file), 'utf8'),
  );
  const encrypted = part.encryption !== null;
  const problems: SetProblem[] = [];
  const names = new Map(lines.map((l) => [objectPath(l.sha256, encrypted), l.sha256]));
  for (const [name, sha256] of names) {
    const path = join(area.root, name);
    if (!cache.has(path)) cache.set(path, await checkObject(area, name, sha256, encrypted));
    const message = cache.get(path);
    if (message) problems.push({ path, message });
  }
  return { problems, objects: names.size };
}

async function checkObject(
  area: ObjectArea,
  name: string,
  sha256: string,
  encrypted: boolean,
): Promise<string | null> {
  const files = await area.files(name);
  if (files.length === 0) return 'missing from the object area';
  if (encrypted) return (await hasAgeHeader(files[0]!)) ? null : 'not age ciphertext';
  const actual = await sha256Files(files);
  return actual === sha256 ? null : `sha256 mismatch: the content hashes to ${actual}`;
}
