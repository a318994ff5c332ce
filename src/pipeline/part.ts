/**
 * The one stream pipeline a part goes through:
 *   dump stdout -> 256 KiB chunks -> raw digest (+ COPY row counts, content digests) -> compress
 *   -> [encrypt] -> temp file(s) of at most maxFileBytes, hashed as a whole and per file -> fsync
 *   -> rename
 */
import type { Duplex, Readable } from 'node:stream';
import type { Compression } from '../config/types.js';
import { pipeline } from 'node:stream/promises';
import { Coalescer } from '../proc/coalesce.js';
import { ChunkedFileWriter, type StoredChunk } from './chunked-file.js';
import { createCompressor } from './compress.js';
import { CopyRowCounter, type TableRows } from './copy-rows.js';
import { DigestStream } from './digest.js';
import { createEncryptStage, hasAgeHeader } from './encrypt.js';
import { join } from 'node:path';

export interface PartWriteOptions {
  dir: string;
  file: string;
  compression: Compression;
  /** age public keys: encrypt after compression (the file name carries .age); none = plain. */
  recipients?: string[];
  /** Files above this size are split into numbered chunks (GitHub refuses files over 100 MB); default: never. */
  maxFileBytes?: number;
  /** Parse COPY blocks to count rows per table (the data part). */
  countRows: boolean;
  /** With countRows: also digest each table's rows (copy-rows.ts); costs CPU per byte. */
  digestRows?: boolean;
  signal?: AbortSignal;
  /** Called every `progressIntervalMs` with the raw bytes so far. */
  onProgress?: (rawBytes: number) => void;
  progressIntervalMs?: number;
}

export interface PartWriteResult {
  bytes: number;
  sha256: string;
  raw_bytes: number;
  raw_sha256: string;
  /** The stored files: one, or the numbered chunks of a split part. */
  files: StoredChunk[];
  tables: TableRows[];
}

export async function writePart(
  source: Readable,
  options: PartWriteOptions,
): Promise<PartWriteResult> {
  const raw = new DigestStream();
  const counter = options.countRows
    ? new CopyRowCounter({ digests: options.digestRows ?? false })
    : null;
  const encrypt = options.recipients?.length ? await createEncryptStage(options.recipients) : null;
  // Last of the stages made before the pipeline owns them: it may start a child process.
  const compressor = await createCompressor(options.compression);
  const stages: Duplex[] = [new Coalescer(), raw];
  if (counter) stages.push(counter);
  if (compressor) stages.push(compressor);
  if (encrypt) stages.push(encrypt);

  const timer = options.onProgress
    ? setInterval(() => options.onProgress?.(raw.bytes), options.progressIntervalMs ?? 5000)
    : undefined;
  const sink = new ChunkedFileWriter(
    options.dir,
    options.file,
    options.maxFileBytes ?? Number.MAX_SAFE_INTEGER,
  );
  let files: StoredChunk[];
  try {
    await pipeline([source, ...stages, sink], { signal: options.signal });
    files = await sink.commit();
    // Fail closed: an encrypted part that does not start with the age header is not stored.
    if (options.recipients?.length && !(await hasAgeHeader(join(options.dir, files[0]!.file)))) {
      throw new Error(`${options.file} was to be encrypted but is not age ciphertext`);
    }
  } catch (err) {
    await sink.discard();
    throw err;
  } finally {
    if (timer) clearInterval(timer);
  }
  return {
    bytes: sink.bytes,
    sha256: sink.sha256(),
    raw_bytes: raw.bytes,
    raw_sha256: raw.digest(),
    files,
    tables: counter?.tables ?? [],
  };
}
