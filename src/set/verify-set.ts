/** Checks a stored set against its own description: every file, size and digest; nothing extra. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseBackupJson, partFiles, type BackupManifest } from '../catalog/backup-json.js';
import { entryFor, MANIFEST_FILE, parseManifest, type Manifest } from '../catalog/manifest.js';
import { isSetId, SET_MARKER, SUMS_FILE } from '../catalog/naming.js';
import { errorMessage } from '../errors.js';
import { parseSums } from '../pipeline/sha256sums.js';

export interface SetProblem {
  /** The file (or set directory) the problem is about. */
  path: string;
  message: string;
}

export interface SetCheck {
  dir: string;
  manifest: BackupManifest | null;
  problems: SetProblem[];
}

/** sha256 of the files' contents joined in order. */
export async function sha256Files(paths: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths)
    await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), hash, { end: false });
  return hash.digest('hex');
}

/** A set holds plain files only: a link is never followed (it could point anywhere). */
const NOT_PLAIN = 'not a plain file (a symbolic link, directory or device): refusing to read it';

async function checkFile(
  path: string,
  bytes: number,
  sha256: string,
  contents: boolean,
): Promise<SetProblem | null> {
  const st = await lstat(path).catch(() => null);
  if (!st) return { path, message: 'missing' };
  if (!st.isFile()) return { path, message: NOT_PLAIN };
  if (st.size !== bytes) {
    return {
      path,
      message: `${st.size < bytes ? 'truncated' : 'too long'}: ${st.size} bytes, expected ${bytes}`,
    };
  }
  if (!contents) return null;
  const actual = await sha256Files([path]);
  return actual === sha256
    ? null
    : { path, message: `sha256 mismatch: expected ${sha256}, actual ${actual}` };
}

async function readText(path: string): Promise<string | null> {
  const st = await lstat(path).catch(() => null);
  if (st && !st.isFile()) throw new Error(NOT_PLAIN);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * `contents: false` checks everything but the stored files' digests: for a restore, which digests
 * every part it reads while applying it, in the transaction it commits only if they all matched.
 */
export async function verifySet(dir: string, { contents = true } = {}): Promise<SetCheck> {
  const problems: SetProblem[] = [];
  const at = (file: string) => join(dir, file);
  let text: string | null;
  try {
    text = await readText(at(SET_MARKER));
  } catch (err) {
    return {
      dir,
      manifest: null,
      problems: [{ path: at(SET_MARKER), message: errorMessage(err) }],
    };
  }
  if (text === null) {
    return {
      dir,
      manifest: null,
      problems: [{ path: dir, message: `incomplete set: no ${SET_MARKER}` }],
    };
  }
  let manifest: BackupManifest;
  try {
    manifest = parseBackupJson(text);
  } catch (err) {
    return {
      dir,
      manifest: null,
      problems: [{ path: at(SET_MARKER), message: (err as Error).message }],
    };
  }

  // What SHA256SUMS must list and the directory must hold: each part's file, or its chunks.
  const expected = new Map(
    manifest.parts.flatMap((p) => partFiles(p).map((f) => [f.file, f] as const)),
  );
  const sumsText = await readText(at(SUMS_FILE)).catch((err: unknown) => {
    problems.push({ path: at(SUMS_FILE), message: errorMessage(err) });
    return undefined;
  });
  if (sumsText === null) problems.push({ path: at(SUMS_FILE), message: 'missing' });
  else if (sumsText !== undefined) {
    try {
      const sums = parseSums(sumsText);
      for (const s of sums) {
        const file = expected.get(s.file);
        if (!file)
          problems.push({
            path: at(SUMS_FILE),
            message: `lists ${s.file}, which backup.json does not`,
          });
        else if (file.sha256 !== s.sha256)
          problems.push({
            path: at(SUMS_FILE),
            message: `${s.file}: ${s.sha256} differs from backup.json's ${file.sha256}`,
          });
      }
      for (const file of expected.keys())
        if (!sums.some((s) => s.file === file))
          problems.push({ path: at(SUMS_FILE), message: `does not list ${file}` });
    } catch (err) {
      problems.push({ path: at(SUMS_FILE), message: (err as Error).message });
    }
  }

  for (const part of manifest.parts) {
    let intact = true;
    for (const stored of partFiles(part)) {
      const problem = await checkFile(at(stored.file), stored.bytes, stored.sha256, contents);
      if (problem) {
        problems.push(problem);
        intact = false;
      }
    }
    // The chunks, joined, must be the part's file as backup.json describes it.
    if (intact && part.chunks && contents) {
      const whole = await sha256Files(part.chunks.map((c) => at(c.file)));
      if (whole !== part.sha256) {
        problems.push({
          path: at(part.file),
          message: `chunks join to sha256 ${whole}, expected ${part.sha256}`,
        });
      }
    }
  }

  // An artifact of a set with a storage part carries its objects in objects/ (docs/storage.md).
  const objects = manifest.parts.some((p) => p.storage) ? ['objects'] : [];
  const known = new Set([SET_MARKER, SUMS_FILE, ...expected.keys(), ...objects]);
  for (const entry of await readdir(dir)) {
    if (!known.has(entry))
      problems.push({ path: at(entry), message: 'unexpected file in the set' });
  }
  return { dir, manifest, problems };
}

/** Every set directory under `root` (a set itself, a project directory, or a tree of projects). */
export async function findSetDirs(root: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string, depth: number): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    // A set-named directory without backup.json is listed too, so verify reports it as incomplete.
    if (entries.some((e) => e.isFile() && e.name === SET_MARKER) || isSetId(basename(dir))) {
      found.push(dir);
      return;
    }
    if (depth === 0) return;
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
        await walk(join(dir, e.name), depth - 1);
    }
  }
  await walk(root, 3);
  return found.sort();
}

export function describeProblem(root: string, p: SetProblem): string {
  return `${relative(root, p.path) || p.path}: ${p.message}`;
}

/**
 * A backup branch's catalog against its tree: every manifest.json entry must have its set folder
 * (with the same parts, files and digests as its backup.json), and every set folder an entry.
 * null when `root` has no manifest.json.
 */
export async function checkCatalog(root: string, checks: SetCheck[]): Promise<SetProblem[] | null> {
  const at = join(root, MANIFEST_FILE);
  let text: string | null;
  try {
    text = await readText(at);
  } catch (err) {
    return [{ path: at, message: errorMessage(err) }];
  }
  if (text === null) return null;
  let catalog: Manifest;
  try {
    catalog = parseManifest(text);
  } catch (err) {
    return [{ path: at, message: (err as Error).message }];
  }
  const problems: SetProblem[] = [];
  const byPath = new Map(checks.map((c) => [relative(root, c.dir).split(sep).join('/'), c]));
  for (const entry of catalog.sets) {
    const check = byPath.get(entry.path);
    if (!check) {
      problems.push({ path: at, message: `lists ${entry.path}, which has no files` });
      continue;
    }
    const backup = check.manifest;
    if (!backup) continue; // verifySet reports it
    const expected = entryFor(entry.path, backup, { commit: null, reason: null });
    const fields = ['project', 'set_id', 'started_at', 'finished_at', 'rows'] as const;
    const differs: string[] = fields.filter((k) => expected[k] !== entry[k]);
    if (JSON.stringify(expected.parts) !== JSON.stringify(entry.parts)) differs.push('parts');
    if (differs.length > 0)
      problems.push({
        path: at,
        message: `the entry for ${entry.path} differs from its backup.json (${differs.join(', ')})`,
      });
  }
  const listed = new Set(catalog.sets.map((e) => e.path));
  for (const [path, check] of byPath)
    if (check.manifest && !listed.has(path))
      problems.push({ path: check.dir, message: `set folder not listed in ${MANIFEST_FILE}` });
  return problems;
}
