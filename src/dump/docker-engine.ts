/** The docker engine: plain `supabase db dump` as the official guide runs it (needs Docker). */
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { DumpPart as Part, ProjectConfig } from '../config/types.js';
import { DumpError } from '../errors.js';
import { run } from '../proc/run.js';
import { cliScriptFlags, projectFilters } from './cli-script.js';
import type { EngineContext, PartStream } from './engines.js';

/**
 * `supabase db dump -f` exactly as the official guide runs it (needs Docker). Each filter value
 * is its own argv entry; the CLI writes them into its script in the container unquoted, so the
 * config admits only plain lower-case names for this engine (config/names.ts).
 */
export function dockerArgs(
  part: Part,
  project: ProjectConfig,
  url: string,
  file: string,
): string[] {
  const { schemas, excludeTables } = projectFilters(project);
  const schemaFlags = part !== 'roles' && schemas ? ['--schema', schemas.join(',')] : [];
  const excludes =
    part === 'data' ? excludeTables.flatMap((t) => ['--exclude', `${t.schema}.${t.table}`]) : [];
  return [
    'db',
    'dump',
    '--remote',
    url,
    '-f',
    file,
    ...cliScriptFlags(part),
    ...schemaFlags,
    ...excludes,
  ];
}

export async function startDocker(
  ctx: EngineContext,
  part: Part,
  trailer: string,
  urlWithoutPassword: string,
): Promise<PartStream> {
  const cli = ctx.cli;
  if (!cli?.path) throw new DumpError('the docker engine needs the Supabase CLI');
  const dir = join(ctx.workDir, `docker-${part}`);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${part}.sql`);
  // The CLI reads the password from PGPASSWORD, so the URL on its command line carries none.
  await run(cli.path, dockerArgs(part, ctx.project, urlWithoutPassword, file), {
    env: ctx.env,
    signal: ctx.signal,
  }).catch((err: unknown) => {
    throw new DumpError(`supabase db dump (docker) failed for ${part}: ${(err as Error).message}`);
  });
  async function* gen() {
    try {
      for await (const chunk of createReadStream(file)) yield chunk as Buffer;
      if (trailer) yield Buffer.from(trailer);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { stream: Readable.from(gen(), { objectMode: false }), kill: () => undefined };
}
