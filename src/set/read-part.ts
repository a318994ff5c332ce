/** Turns stored part files back into plain SQL, checking the raw digest on the way. */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Readable, type Duplex, type Transform } from 'node:stream';
import { storedFiles, type PartRecord } from '../catalog/backup-json.js';
import { HeaderRewriter, dataHeaderRewrite } from '../pipeline/line-rewrite.js';
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

/** A part's stored files read back as plain SQL, and the check of both its digests. */
export interface PartReader {
  source: Readable;
  /** Decryption, decompression, then the readers: pipe source through them. */
  stages: Duplex[];
  /** Throws a RestoreError unless the stored and plain bytes both matched backup.json. */
  check(): void;
}

/**
 * Opens a part for reading: its stored bytes are digested as read (backup.json's `sha256` and
 * `bytes` of the whole part, chunks joined), its plain SQL after decompression (`raw_sha256`).
 * The data part's header is then disarmed as backups now write it (sets of older versions dumped
 * by pg_dump 17+ hold `SET transaction_timeout = 0;`, which a 15 or 16 server refuses; rows and
 * line numbers are unchanged), and `readers` see that SQL on the way, in order (the psql guard;
 * the drill's content digests of the data part); a RestoreError one of them throws is the reason
 * given.
 */
export async function openPart(
  setDir: string,
  part: PartRecord,
  identities: string[],
  readers: Transform[] = [],
): Promise<PartReader> {
  const stored = new DigestStream();
  const raw = new DigestStream();
  const stages: Duplex[] = [stored];
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
  stages.push(raw);
  if (part.part === 'data') stages.push(new HeaderRewriter(dataHeaderRewrite));
  stages.push(...readers);
  return {
    source: joinedFiles(storedFiles(part).map((f) => join(setDir, f.file))),
    stages,
    check() {
      if (stored.bytes !== part.bytes || stored.digest() !== part.sha256)
        throw new RestoreError(
          `${part.file} differs from backup.json (${stored.bytes} bytes, sha256 ${stored.digest()}; expected ${part.bytes} bytes, ${part.sha256})`,
        );
      if (raw.bytes !== part.raw_bytes || raw.digest() !== part.raw_sha256)
        throw new RestoreError(
          `${part.file} decompresses to content that differs from backup.json (sha256 ${raw.digest()}, expected ${part.raw_sha256})`,
        );
    },
  };
}

/** Why a part could not be read back, as a RestoreError (one a reader threw is kept). */
export function readFailure(part: PartRecord, err: unknown): RestoreError {
  if (err instanceof RestoreError) return err;
  return new RestoreError(`${part.file} cannot be read back: ${(err as Error).message}`, {
    cause: err,
  });
}

/** Writes <dir>/<part>.sql from the stored file; throws if it does not match backup.json. */
export async function decompressPart(
  setDir: string,
  part: PartRecord,
  dir: string,
  identities: string[],
  signal?: AbortSignal,
  readers: Transform[] = [],
): Promise<string> {
  const reader = await openPart(setDir, part, identities, readers);
  try {
    await writeStreamAtomically(dir, `${part.part}.sql`, reader.source, reader.stages, signal);
  } catch (err) {
    throw readFailure(part, err);
  }
  reader.check();
  return join(dir, `${part.part}.sql`);
}
