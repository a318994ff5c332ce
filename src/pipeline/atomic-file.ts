/** Files appear under their final name only when complete and on disk: temp file -> fsync -> rename. */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

function tempName(dir: string, name: string): string {
  return join(dir, `.${name}.tmp-${randomBytes(4).toString('hex')}`);
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Makes a completed rename durable: fsync the directory that holds the entry. */
export async function fsyncDir(dir: string): Promise<void> {
  await fsyncPath(dir);
}

/** Streams `source` through `stages` into dir/name; on any failure the temp file is removed. */
export async function writeStreamAtomically(
  dir: string,
  name: string,
  source: Readable,
  stages: Duplex[],
  signal?: AbortSignal,
): Promise<void> {
  const tmp = tempName(dir, name);
  try {
    const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600, highWaterMark: 1024 * 1024 });
    await pipeline([source, ...stages, out], { signal });
    await fsyncPath(tmp);
    await rename(tmp, join(dir, name));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function writeFileAtomically(
  dir: string,
  name: string,
  content: string,
): Promise<void> {
  const tmp = tempName(dir, name);
  try {
    await writeFile(tmp, content, { flag: 'wx', mode: 0o600 });
    await fsyncPath(tmp);
    await rename(tmp, join(dir, name));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
