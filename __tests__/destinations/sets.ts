/** Real finished sets for destination tests: parts written by the pipeline, backup.json by SetWriter. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../src/log.js';
import { SetWriter } from '../../src/set/writer.js';
import type { FinishedSet } from '../../src/destinations/types.js';
import { commitSet, pipelinePart, testManifest } from '../support/test-set.js';

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
  const parts = [
    await pipelinePart(
      writer.dir,
      'roles',
      'roles.sql.gz',
      Buffer.from(`-- roles of ${project} at ${at}\nSELECT 1;\n`),
    ),
  ];
  if (options.dataBytes)
    parts.push(
      await pipelinePart(writer.dir, 'data', 'data.sql', randomBytes(options.dataBytes), 'none'),
    );
  const manifest = testManifest(writer, project, at, parts, {
    finished_at: new Date(new Date(at).getTime() + 1500).toISOString(),
    tables: [{ schema: 'public', name: 'orders', rows: 3 }],
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
  });
  return commitSet(writer, manifest);
}

export const tempRoot = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
