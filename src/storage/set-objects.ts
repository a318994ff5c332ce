/**
 * A set's objects at its destinations (docs/storage.md):
 * - branch: the project's object area at `<project>/objects/` on the branch; a run adds only
 *   the stored files the branch does not hold yet (content-addressed: same path, same object);
 * - artifact: self-sufficient, the set's files plus every object it references under `objects/`
 *   (artifacts expire one by one, so none may depend on another).
 */
import { link, copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ObjectArea } from './area.js';
import { OBJECTS_DIR } from './incremental.js';

/** What a set with a storage part carries to its destinations. */
export interface SetObjects {
  /** The local object area. */
  area: string;
  /** `ab/<sha256>[.age]` names the set references. */
  names: string[];
}

/** Local stored files of the set's objects, as branch paths (`<project>/objects/…`), minus those on the branch. */
export async function objectFilesForBranch(
  project: string,
  objects: SetObjects,
  onBranch: ReadonlySet<string>,
): Promise<{ path: string; local: string }[]> {
  const area = new ObjectArea(objects.area);
  const out: { path: string; local: string }[] = [];
  for (const name of objects.names) {
    const base = `${project}/${OBJECTS_DIR}/${name}`;
    if (onBranch.has(base) || onBranch.has(`${base}.000`)) continue;
    const files = await area.files(name);
    if (files.length === 0)
      throw new Error(`object ${name} is neither in ${objects.area} nor on the branch`);
    for (const local of files)
      out.push({ path: `${project}/${OBJECTS_DIR}/${relative(objects.area, local)}`, local });
  }
  return out;
}

/**
 * A private directory holding the set's files and `objects/` (hard links, copies across file
 * systems), for an artifact upload; the caller removes it.
 */
export async function stageSetWithObjects(
  setDir: string,
  objects: SetObjects,
  workDir: string,
): Promise<{ root: string; paths: string[]; bytes: number }> {
  const root = await mkdtemp(join(workDir, 'artifact-'));
  const place = async (from: string, to: string) => {
    await link(from, to).catch(() => copyFile(from, to));
  };
  try {
    const paths: string[] = [];
    for (const name of (await readdir(setDir)).sort()) {
      await place(join(setDir, name), join(root, name));
      paths.push(join(root, name));
    }
    const area = new ObjectArea(objects.area);
    for (const name of objects.names) {
      const files = await area.files(name);
      if (files.length === 0) throw new Error(`object ${name} is not in ${objects.area}`);
      for (const file of files) {
        const to = join(root, OBJECTS_DIR, relative(objects.area, file));
        await mkdir(join(to, '..'), { recursive: true });
        await place(file, to);
        paths.push(to);
      }
    }
    let bytes = 0;
    for (const p of paths) bytes += (await stat(p)).size;
    return { root, paths, bytes };
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}
