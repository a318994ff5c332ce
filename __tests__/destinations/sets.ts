/** Real finished sets for destination tests: parts written by the pipeline, backup.json by SetWriter. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  FORMAT,
  FORMAT_VERSION,
  type BackupManifest,
  type PartRecord,
} from '../../src/catalog/backup-json.js';
import type { Logger } from '../../src/log.js';
import { writePart } from '../../src/pipeline/part.js';
import { SetWriter } from '../../src/set/writer.js';
import type { FinishedSet } from '../../src/destinations/types.js';

export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  // No redaction here on purpose: a secret that reached the logger would show.
  const log = (m: string) => void lines.push(m);
  return {
    lines,
    info: log,
    notice: log,
    warning: log,
    error: log,
    debug: log,
    mask: () => undefined,
    group: (_t, fn) => fn(),
  };
}

/**
 * A set of `project` started at `at`, in a fresh directory under `root`: a gzip roles part and,
 * with `dataBytes`, an uncompressed data part of that many random bytes (several upload parts).
 */
export async function makeSet(
  root: string,
  project: string,
  at: string,
  options: { dataBytes?: number; drilled?: boolean } = {},
): Promise<FinishedSet> {
  const writer = await SetWriter.begin(mkdtempSync(join(root, 'set-')), project, new Date(at));
  const parts: PartRecord[] = [];
  const add = async (part: 'roles' | 'data', file: string, body: Buffer, gzip: boolean) => {
    const r = await writePart(Readable.from([body]), {
      dir: writer.dir,
      file,
      compression: gzip ? 'gzip' : 'none',
      countRows: false,
    });
    const { bytes, sha256, raw_bytes, raw_sha256 } = r;
    parts.push({
      part,
      file,
      bytes,
      sha256,
      raw_bytes,
      raw_sha256,
      duration_ms: 1,
      compression: gzip ? 'gzip' : 'none',
      encryption: null,
    });
  };
  await add(
    'roles',
    'roles.sql.gz',
    Buffer.from(`-- roles of ${project} at ${at}\nSELECT 1;\n`),
    true,
  );
  if (options.dataBytes) await add('data', 'data.sql', randomBytes(options.dataBytes), false);
  const manifest: BackupManifest = {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    project,
    ref: null,
    set_id: writer.setId,
    started_at: new Date(at).toISOString(),
    finished_at: new Date(new Date(at).getTime() + 1500).toISOString(),
    engine: 'pg-dump',
    tools: {},
    server: { version: '15.18', major: 15 },
    parts,
    tables: [{ schema: 'public', name: 'orders', rows: 3 }],
    materialized_views: [],
    warnings: [],
    ...(options.drilled && {
      drill: {
        ok: true,
        started_at: new Date(at).toISOString(),
        duration_ms: 5,
        source_server: '15.18',
        drill_server: '15.18',
        older_server: false,
        tables: 1,
        rows: 3,
        digests: 1,
        error: null,
      },
    }),
  };
  const dir = await writer.commit(manifest);
  return { project, setId: writer.setId, dir, manifest };
}

export const tempRoot = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
