/**
 * In-memory ports for the command handlers' unit tests: a logger that keeps its lines, an
 * environment that is a plain object, no GitHub token, a fixed clock. Sets are real (written by
 * the pipeline and SetWriter into a temp directory); nothing is spawned and nothing listens.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ports } from '../../src/commands/ports.js';
import { SetWriter } from '../../src/set/writer.js';
import { captureLogger } from '../destinations/sets.js';
import { tmp } from '../support/temp-dirs.js';
import { pipelinePart, testManifest } from '../support/test-set.js';

export { tmp };

export function memoryPorts(
  over: Partial<Ports> = {},
): Ports & { logger: ReturnType<typeof captureLogger> } {
  return {
    logger: captureLogger(),
    env: {},
    github: {
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      repository: undefined,
      runId: undefined,
      token: undefined,
    },
    workDir: tmp('ports-work-'),
    redact: (t) => t.replaceAll('s3cr3t', '***'),
    now: () => new Date('2026-11-22T03:30:00Z'),
    ...over,
  } as Ports & { logger: ReturnType<typeof captureLogger> };
}

/** backups.config.yaml in a temp directory; returns its path. */
export function configFile(yaml: string): string {
  const file = join(tmp('cfg-'), 'backups.config.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** A complete set of `project` started at `at` under `<outDir>/<project>/<set-id>/`. */
export async function writeSet(outDir: string, project: string, at: string): Promise<string> {
  const writer = await SetWriter.begin(outDir, project, new Date(at));
  const sql = `-- ${project} at ${at}\nSELECT 1;\n`;
  const part = await pipelinePart(writer.dir, 'schema', 'schema.sql.gz', sql);
  const finished = new Date(new Date(at).getTime() + 2000).toISOString();
  const manifest = testManifest(writer, project, at, [part], { finished_at: finished });
  return writer.commit(manifest);
}
