/**
 * Real finished sets for tests, in pieces: parts written by the pipeline, a backup.json with the
 * usual defaults (a test overrides what it checks), committed by SetWriter.
 */
import { Readable } from 'node:stream';
import {
  FORMAT,
  FORMAT_VERSION,
  type BackupManifest,
  type PartRecord,
} from '../../src/catalog/backup-json.js';
import type { FinishedSet } from '../../src/destinations/types.js';
import { writePart } from '../../src/pipeline/part.js';
import type { SetWriter } from '../../src/set/writer.js';

/** `body` written through the part pipeline as `dir/file`; returns its backup.json record. */
export async function pipelinePart(
  dir: string,
  part: PartRecord['part'],
  file: string,
  body: string | Buffer,
  compression: 'gzip' | 'none' = 'gzip',
): Promise<PartRecord> {
  const r = await writePart(Readable.from([Buffer.from(body)]), {
    dir,
    file,
    compression,
    countRows: false,
  });
  const { bytes, sha256, raw_bytes, raw_sha256 } = r;
  return {
    part,
    file,
    bytes,
    sha256,
    raw_bytes,
    raw_sha256,
    duration_ms: 1,
    compression,
    encryption: null,
  };
}

/** The backup.json of a pg-dump set of `project` started at `at`; `more` replaces any field. */
export function testManifest(
  writer: SetWriter,
  project: string,
  at: string,
  parts: PartRecord[],
  more: Partial<BackupManifest> = {},
): BackupManifest {
  const started = new Date(at).toISOString();
  return {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    project,
    ref: null,
    set_id: writer.setId,
    started_at: started,
    finished_at: started,
    engine: 'pg-dump',
    tools: {},
    server: { version: '15.18', major: 15 },
    parts,
    tables: [],
    materialized_views: [],
    warnings: [],
    ...more,
  };
}

/** Commits the set (backup.json last) and returns it as a destination receives it. */
export async function commitSet(writer: SetWriter, manifest: BackupManifest): Promise<FinishedSet> {
  const dir = await writer.commit(manifest);
  return { project: manifest.project, setId: writer.setId, dir, manifest };
}
