/** Checks a stored set against its own description: every file, size and digest; nothing extra. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseBackupJson, type BackupManifest } from '../catalog/backup-json.js';
import { isSetId, SET_MARKER, SUMS_FILE } from '../catalog/naming.js';
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

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1024 * 1024 }), hash);
  return hash.digest('hex');
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function verifySet(dir: string): Promise<SetCheck> {
  const problems: SetProblem[] = [];
  const at = (file: string) => join(dir, file);
  const text = await readText(at(SET_MARKER));
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

  const expected = new Map(manifest.parts.map((p) => [p.file, p]));
  const sumsText = await readText(at(SUMS_FILE));
  if (sumsText === null) problems.push({ path: at(SUMS_FILE), message: 'missing' });
  else {
    try {
      const sums = parseSums(sumsText);
      for (const s of sums) {
        const part = expected.get(s.file);
        if (!part)
          problems.push({
            path: at(SUMS_FILE),
            message: `lists ${s.file}, which backup.json does not`,
          });
        else if (part.sha256 !== s.sha256)
          problems.push({
            path: at(SUMS_FILE),
            message: `${s.file}: ${s.sha256} differs from backup.json's ${part.sha256}`,
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
    const path = at(part.file);
    const st = await stat(path).catch(() => null);
    if (!st) {
      problems.push({ path, message: 'missing' });
      continue;
    }
    if (st.size !== part.bytes) {
      const how = st.size < part.bytes ? 'truncated' : 'too long';
      problems.push({ path, message: `${how}: ${st.size} bytes, expected ${part.bytes}` });
    }
    const actual = await sha256File(path);
    if (actual !== part.sha256)
      problems.push({
        path,
        message: `sha256 mismatch: expected ${part.sha256}, actual ${actual}`,
      });
  }

  const known = new Set([SET_MARKER, SUMS_FILE, ...expected.keys()]);
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
