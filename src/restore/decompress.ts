/** Turns stored part files back into plain SQL, checking the raw digest on the way. */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { storedFiles, type PartRecord } from '../catalog/backup-json.js';
import { RestoreError } from '../errors.js';
import { writeStreamAtomically } from '../pipeline/atomic-file.js';
import { createDecompressor } from '../pipeline/compress.js';
import { DigestStream } from '../pipeline/digest.js';

/** The stored files of a part, read back to back (a split part's chunks in order). */
function joinedFiles(paths: string[]): Readable {
  async function* read() {
    for (const path of paths) yield* createReadStream(path, { highWaterMark: 1024 * 1024 });
  }
  return Readable.from(read(), { objectMode: false });
}

/** Writes <dir>/<part>.sql from the stored file; throws if it does not match backup.json. */
export async function decompressPart(
  setDir: string,
  part: PartRecord,
  dir: string,
  signal?: AbortSignal,
): Promise<string> {
  const name = `${part.part}.sql`;
  const digest = new DigestStream();
  const decompressor = createDecompressor(part.compression);
  try {
    await writeStreamAtomically(
      dir,
      name,
      joinedFiles(storedFiles(part).map((f) => join(setDir, f.file))),
      decompressor ? [decompressor, digest] : [digest],
      signal,
    );
  } catch (err) {
    throw new RestoreError(`${part.file} cannot be decompressed: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (digest.bytes !== part.raw_bytes || digest.digest() !== part.raw_sha256) {
    throw new RestoreError(
      `${part.file} decompresses to content that differs from backup.json (sha256 ${digest.digest()}, expected ${part.raw_sha256})`,
    );
  }
  return join(dir, name);
}
