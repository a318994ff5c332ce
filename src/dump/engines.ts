/**
 * Dump engines: each turns a part into a command whose stdout is that part's SQL. All of them
 * get the connection only through PG* environment variables.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { DumpPart as Part, Engine, ProjectConfig } from '../config/types.js';
import { DumpError } from '../errors.js';
import { run, runStreaming } from '../proc/run.js';
import { bundledScript } from './bundled-scripts.js';
import { cachedCliOutput } from './cli-cache.js';
import { cliScriptFlags, filteredArgs, parseCliScript, projectFilters } from './cli-script.js';
import { startDocker } from './docker-engine.js';
import { schemaPattern, tablePattern } from './patterns.js';
import {
  HeaderRewriter,
  LineRewriter,
  dataHeaderRewrite,
  rolesRewrite,
  schemaRewrite,
} from '../pipeline/line-rewrite.js';
import type { PgTools } from './pg-tools.js';
import {
  CRON_TABLES_DATA_DUMP,
  PLATFORM_SCHEMAS_DATA_DUMP,
  PLATFORM_SCHEMAS_SCHEMA_DUMP,
  PLATFORM_TABLES_DATA_DUMP,
  RESERVED_ROLES,
} from './platform-schemas.js';
import type { SupabaseCli } from './supabase-cli.js';

export { cliScriptFlags, projectFilters } from './cli-script.js';
export { dockerArgs } from './docker-engine.js';

export interface EngineContext {
  project: ProjectConfig;
  pg: PgTools;
  cli: SupabaseCli | null;
  /** Child environment with the PG* connection variables (no URL, no secret variable). */
  env: NodeJS.ProcessEnv;
  /** A private temp directory for scripts and the docker engine's files. */
  workDir: string;
  signal?: AbortSignal;
}

/** A running dump: its SQL as a stream that errors if the dump fails. */
export interface PartStream {
  stream: Readable;
  kill(): void;
}

/** The placeholder target for dry runs: the script depends only on CLI version and flags. */
const DRY_RUN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * Gets the CLI's own pg_dump script for the flags, minus the connection exports it prints: the
 * one shipped for the version (bundled-scripts.ts), else the binary's dry run.
 */
export async function supabaseCliScript(
  cli: SupabaseCli,
  flags: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const bundled = bundledScript(cli.version, flags);
  if (bundled !== undefined) return bundled;
  if (cli.path === null)
    throw new DumpError(
      `the Supabase CLI ${cli.version} ships no script for "db dump ${flags.join(' ')}", and no CLI was located`,
    );
  return dryRunScript(cli.path, cli.version, flags, env);
}

/** What `db dump --dry-run` of this binary prints for the flags, minus the connection exports. */
export async function dryRunScript(
  binary: string,
  version: string,
  flags: string[],
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const args = ['db', 'dump', '--remote', DRY_RUN_URL, '--dry-run', ...flags];
  return cachedCliOutput(binary, [version, ...args], env, async () => {
    const { stdout } = await run(binary, args, {
      // The dry run needs no connection and gets no secret: a minimal environment.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), SUPABASE_YES: '1' },
    }).catch((err: unknown) => {
      throw new DumpError(
        `supabase db dump --dry-run ${flags.join(' ')} failed: ${(err as Error).message}`,
      );
    });
    if (!/^(pg_dump|pg_dumpall) /m.test(stdout)) {
      throw new DumpError(
        `supabase ${version} printed no pg_dump script for "db dump --dry-run ${flags.join(' ')}"`,
      );
    }
    return stdout
      .split('\n')
      .filter((line) => !/^export PG[A-Z]+=/.test(line))
      .join('\n');
  });
}

/** pg_dump/pg_dumpall arguments of the pg-dump engine, the same contract as the CLI's scripts. */
export function pgDumpArgs(part: Part, project: ProjectConfig): string[] {
  const { schemas: names, excludeTables } = projectFilters(project);
  // Exact patterns; --strict-names: a listed schema that matches nothing fails the dump.
  const schemas = names
    ? ['--strict-names', ...names.flatMap((s) => ['--schema', schemaPattern(s)])]
    : [];
  const excludeSchemas = (list: string[]) => list.flatMap((s) => ['--exclude-schema', s]);
  switch (part) {
    case 'roles':
      return [
        '--roles-only',
        '--role',
        'postgres',
        '--quote-all-identifiers',
        '--no-role-passwords',
        '--no-comments',
      ];
    case 'schema':
      return [
        '--schema-only',
        '--quote-all-identifiers',
        '--role',
        'postgres',
        ...excludeSchemas(PLATFORM_SCHEMAS_SCHEMA_DUMP),
        ...schemas,
      ];
    case 'data':
      return [
        '--data-only',
        '--quote-all-identifiers',
        '--role',
        'postgres',
        ...excludeSchemas(PLATFORM_SCHEMAS_DATA_DUMP),
        ...PLATFORM_TABLES_DATA_DUMP.flatMap((t) => ['--exclude-table', t]),
        ...CRON_TABLES_DATA_DUMP.flatMap((t) => ['--exclude-table', t]),
        ...excludeTables.flatMap((t) => ['--exclude-table-data', tablePattern(t)]),
        ...schemas,
      ];
  }
}

/**
 * Yields a child's stdout, then (only if it exited 0) the trailer. A dump that printed nothing
 * failed whatever its exit status: pg_dump and pg_dumpall always print their SET lines.
 */
function withTrailer(
  child: { stdout: Readable; done: Promise<void>; kill(): void },
  prefix: string,
  trailer: string,
  part: Part,
): Readable {
  async function* gen() {
    try {
      if (prefix) yield Buffer.from(prefix);
      let bytes = 0;
      for await (const chunk of child.stdout) {
        bytes += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      await child.done;
      if (bytes === 0)
        throw new DumpError(`the ${part} dump printed nothing, though it exited 0: nothing stored`);
      if (trailer) yield Buffer.from(trailer);
    } finally {
      child.kill();
    }
  }
  return Readable.from(gen(), { objectMode: false });
}

/**
 * The CLI's script for the part's default flags, its pg_dump arguments rebuilt with the
 * filters and passed to bash as positional parameters (`pg_dump "$@"` in the script).
 */
async function startSupabaseCli(
  ctx: EngineContext,
  part: Part,
  trailer: string,
): Promise<PartStream> {
  const cli = ctx.cli;
  if (!cli) throw new DumpError('the supabase-cli engine needs the Supabase CLI');
  const script = parseCliScript(
    await supabaseCliScript(cli, cliScriptFlags(part), ctx.env),
    cli.version,
  );
  const args = filteredArgs(part, script.args, projectFilters(ctx.project));
  const file = join(ctx.workDir, `${part}-${randomBytes(4).toString('hex')}.sh`);
  await writeFile(file, script.text, { mode: 0o600 });
  const env = { ...ctx.env, PATH: `${ctx.pg.binDir}:${ctx.env.PATH ?? ''}` };
  const child = runStreaming('bash', [file, ...args], { env, signal: ctx.signal });
  // The script's sed already comments the schema's transaction_timeout out, not the data's.
  const stdout =
    part === 'data' ? child.stdout.pipe(new HeaderRewriter(dataHeaderRewrite)) : child.stdout;
  return {
    stream: withTrailer({ ...child, stdout }, '', trailer, part),
    kill: () => child.kill(),
  };
}

function startPgDump(ctx: EngineContext, part: Part, trailer: string): PartStream {
  const tool = part === 'roles' ? ctx.pg.pg_dumpall : ctx.pg.pg_dump;
  const child = runStreaming(tool, pgDumpArgs(part, ctx.project), {
    env: ctx.env,
    signal: ctx.signal,
  });
  const prefix = part === 'data' ? 'SET session_replication_role = replica;\n\n' : '';
  const suffix = part === 'schema' ? '' : 'RESET ALL;\n';
  // Rewrite only pg_dump's own lines; the trailer is ours and final.
  const rewrite =
    part === 'roles' ? rolesRewrite(RESERVED_ROLES) : part === 'schema' ? schemaRewrite : null;
  const stdout = rewrite
    ? child.stdout.pipe(new LineRewriter(rewrite))
    : child.stdout.pipe(new HeaderRewriter(dataHeaderRewrite));
  return {
    stream: withTrailer({ ...child, stdout }, prefix, suffix + trailer, part),
    kill: () => child.kill(),
  };
}

/**
 * Fetches the CLI's scripts for all parts at once (each dry run costs the CLI ~0.5 s and 165 MB;
 * run together they cost one), so the dumps that follow start without waiting.
 */
export async function prepareEngine(
  engine: Engine,
  ctx: EngineContext,
  parts: Part[],
): Promise<void> {
  const cli = ctx.cli;
  if (engine !== 'supabase-cli' || !cli) return;
  // Parsed too, so that an unreadable script fails before any part starts.
  await Promise.all(
    parts.map(async (part) =>
      parseCliScript(await supabaseCliScript(cli, cliScriptFlags(part), ctx.env), cli.version),
    ),
  );
}

export async function startPart(
  engine: Engine,
  ctx: EngineContext,
  part: Part,
  trailer: string,
  urlWithoutPassword: string,
): Promise<PartStream> {
  switch (engine) {
    case 'supabase-cli':
      return startSupabaseCli(ctx, part, trailer);
    case 'pg-dump':
      return startPgDump(ctx, part, trailer);
    case 'docker':
      return startDocker(ctx, part, trailer, urlWithoutPassword);
  }
}
