/**
 * A small part held in memory (a JSON document, the storage index) written into a staged set
 * through the one part pipeline: compressed, checksummed, optionally encrypted, split if large.
 */
import { Readable } from 'node:stream';
import type { PartRecord } from '../catalog/backup-json.js';
import type { Compression, Part } from '../config/types.js';
import { writePart } from '../pipeline/part.js';

/** Where and how a part of a set is stored (the staged set's directory and its encoding). */
export interface SetPartTarget {
  setDir: string;
  compression: Compression;
  recipients: string[] | null;
  maxFileBytes: number;
  signal?: AbortSignal;
}

/** Writes `text` as `file` in the staged set and returns the part's record for backup.json. */
export async function writeTextPart(
  part: Part,
  file: string,
  text: string,
  o: SetPartTarget,
): Promise<PartRecord> {
  const written = await writePart(Readable.from([Buffer.from(text)]), {
    dir: o.setDir,
    file,
    compression: o.compression,
    recipients: o.recipients ?? undefined,
    maxFileBytes: o.maxFileBytes,
    countRows: false,
    signal: o.signal,
  });
  return {
    part,
    file,
    bytes: written.bytes,
    sha256: written.sha256,
    raw_bytes: written.raw_bytes,
    raw_sha256: written.raw_sha256,
    compression: o.compression,
    encryption: o.recipients ? { format: 'age', recipients: o.recipients } : null,
    duration_ms: 0,
    ...(written.files.length > 1 ? { chunks: written.files } : {}),
  };
}
