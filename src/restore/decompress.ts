/** Turns stored part files back into plain SQL, checking the raw digest on the way. */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable, type Duplex, type Transform } from 'node:stream';
import { storedFiles, type PartRecord } from '../catalog/backup-json.js';
import { HeaderRewriter, dataHeaderRewrite } from '../dump/line-rewrite.js';
import { RestoreError } from '../errors.js';
import { writeStreamAtomically } from '../pipeline/atomic-file.js';
import { createDecompressor } from '../pipeline/compress.js';
import { DigestStream } from '../pipeline/digest.js';
import { createDecryptStage } from '../pipeline/encrypt.js';

/** The stored files of a part, read back to back (a split part's chunks in order). */
function joinedFiles(paths: string[]): Readable {
  async function* read() {
    for (const path of paths) yield* createReadStream(path, { highWaterMark: 1024 * 1024 });
  }
  return Readable.from(read(), { objectMode: false });
}

/**
 * Writes <dir>/<part>.sql from the stored file; throws if it does not match backup.json.
 * The data part's header is disarmed as backups now write it (sets of older versions dumped by
 * pg_dump 17+ hold `SET transaction_timeout = 0;`, which a 15 or 16 server refuses); rows and
 * line numbers are unchanged. `readers` then see that SQL on the way, in order (the psql guard;
 * the drill's content digests of the data part); a RestoreError one of them throws is the reason
 * given.
 */
export async function decompressPart(
  setDir: string,
  part: PartRecord,
  dir: string,
  identities: string[],
  signal?: AbortSignal,
  readers: Transform[] = [],
): Promise<string> {
  const name = `${part.part}.sql`;
  const digest = new DigestStream();
  const stages: Duplex[] = [];
  if (part.encryption) {
    if (identities.length === 0) {
      throw new RestoreError(
        `${part.file} is encrypted with age (to ${part.encryption.recipients.join(', ')}): pass --identity-file FILE or --identity-env NAME`,
      );
    }
    stages.push(await createDecryptStage(identities, { name: part.file }));
  }
  const decompressor = await createDecompressor(part.compression);
  if (decompressor) stages.push(decompressor);
  stages.push(digest);
  if (part.part === 'data') stages.push(new HeaderRewriter(dataHeaderRewrite));
  stages.push(...readers);
  try {
    await writeStreamAtomically(
      dir,
      name,
      joinedFiles(storedFiles(part).map((f) => join(setDir, f.file))),
      stages,
      signal,
    );
  } catch (err) {
    if (err instanceof RestoreError) throw err;
    throw new RestoreError(`${part.file} cannot be read back: ${(err as Error).message}`, {
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
