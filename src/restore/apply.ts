/**
 * Applies a verified set to a database: checks the target first (nothing is applied when it
 * refuses), decompresses the chosen parts to private temp files (checking raw digests and
 * refusing any psql meta-command: src/pipeline/psql-guard.ts), filters
 * data.sql for --tables, runs Supabase's documented psql procedure in one transaction, then
 * compares row counts. Shared by `restore` and the drill.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Transform } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackupManifest, TableRecord } from '../catalog/backup-json.js';
import type { PsqlTarget } from '../dump/query.js';
import { RestoreError } from '../errors.js';
import type { Logger } from '../log.js';
import { CopyRowCounter, type TableRows } from '../pipeline/copy-rows.js';
import { PsqlGuard } from '../pipeline/psql-guard.js';
import { ProcessFailure, run } from '../proc/run.js';
import { decompressPart } from '../set/read-part.js';
import { filterDataFile } from './filter-data.js';
import { psqlHasRestrict, restrictArgs } from './psql-restrict.js';
import { tableKey, type Selection } from './selection.js';
import { describePsqlFailure } from './psql-error.js';
import { streamApply } from './stream-apply.js';
import {
  checkRowCounts,
  checkTarget,
  countRows,
  dependentMatviews,
  ownedSequences,
} from './target.js';

export interface ApplyInput {
  setDir: string;
  manifest: BackupManifest;
  selection: Selection;
  target: PsqlTarget;
  identities: string[];
  force: boolean;
  /** Digest the data part's tables as it is read (the drill, for sets backed up without digests). */
  digestData?: boolean;
  /** Leave the row counts to the caller, which reads every table back anyway (the drill). */
  skipRowCounts?: boolean;
  /** The drill's changes to a part's SQL (drill-extensions.ts), before the guard reads it. */
  filters?: (part: string) => Transform[];
  /** The drill's role model (drill-roles.ts): a check of the roles part, statements after it. */
  roles?: { check?: () => Transform; after: string[] };
  logger: Logger;
  signal?: AbortSignal;
}

export interface ApplyOutcome {
  /** Custom login roles whose passwords must be set again (dumps never hold passwords). */
  loginRoles: string[];
  /** The tables whose row counts were checked. */
  tables: TableRecord[];
  /** With digestData: each COPY block of the data part, with its rows' content digest. */
  dumped: TableRows[];
}

export async function applySet(input: ApplyInput): Promise<ApplyOutcome> {
  const { selection, target, logger } = input;
  const { notes, nonEmpty } = await checkTarget(
    target,
    selection.parts,
    selection.tables,
    input.force,
  );
  for (const note of notes) logger.warning(note);
  const before = await countRows(target, nonEmpty);
  const restricted = await psqlHasRestrict(target.psql, input.signal);
  const guard = (name: string) => new PsqlGuard(name, { asciiOnly: !restricted });
  const rolesCheck = (part: string) =>
    part === 'roles' && input.roles?.check ? [input.roles.check()] : [];

  const reader = input.digestData ? new CopyRowCounter() : undefined;
  // In Supabase's order (roles, schema, data), whatever backup.json's order.
  const order = ['roles', 'schema', 'data'];
  const chosen = input.manifest.parts
    .filter((p) => (selection.parts as string[]).includes(p.part))
    .sort((a, b) => order.indexOf(a.part) - order.indexOf(b.part));
  if (!selection.subset) {
    // The whole parts: streamed into one transaction, digests checked on the way (stream-apply.ts).
    const roles = await streamApply({
      setDir: input.setDir,
      parts: chosen,
      target,
      identities: input.identities,
      restricted,
      // The guard first: nothing psql would run as a command gets past it.
      readers: (part) => [
        ...(input.filters?.(part.part) ?? []),
        guard(`${part.part}.sql`),
        ...rolesCheck(part.part),
        ...(part.part === 'data' && reader ? [reader] : []),
      ],
      afterRoles: input.roles?.after,
      signal: input.signal,
    });
    return finish(input, before, findLoginRoles(roles), reader);
  }
  const work = await mkdtemp(join(tmpdir(), 'supabase-restore-'));
  try {
    const files = new Map<string, string>();
    for (const part of chosen) {
      files.set(
        part.part,
        await decompressPart(
          input.setDir,
          part,
          work,
          input.identities,
          input.signal,
          // The guard first: nothing psql would run as a command gets past decompression.
          [
            ...(input.filters?.(part.part) ?? []),
            guard(`${part.part}.sql`),
            ...rolesCheck(part.part),
            ...(part.part === 'data' && reader ? [reader] : []),
          ],
        ),
      );
    }
    if (selection.subset && files.has('data')) {
      const filtered = join(work, 'data.selected.sql');
      const kept = await filterDataFile(
        files.get('data')!,
        filtered,
        {
          tables: new Set(selection.tables.map((t) => tableKey(t.schema, t.name))),
          sequences: new Set(await ownedSequences(target, selection.tables)),
          matviews: new Set(await dependentMatviews(target, selection.tables)),
        },
        guard('data.sql (filtered for --tables)'),
        input.signal,
      );
      const absent = selection.tables.filter((t) => !kept.has(tableKey(t.schema, t.name)));
      if (absent.length > 0)
        throw new RestoreError(
          `data.sql holds no COPY for ${absent.map((t) => `${t.schema}.${t.name}`).join(', ')}, which backup.json lists; nothing was changed`,
        );
      await rm(files.get('data')!);
      files.set('data', filtered);
    }
    await runPsql(target, files, selection.subset, restricted, input.roles?.after, input.signal);
    const loginRoles = files.has('roles')
      ? findLoginRoles(await readFile(files.get('roles')!, 'utf8'))
      : [];
    return await finish(input, before, loginRoles, reader);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function finish(
  input: ApplyInput,
  before: Map<string, number>,
  loginRoles: string[],
  reader: CopyRowCounter | undefined,
): Promise<ApplyOutcome> {
  const { selection, target, logger } = input;
  logger.info('applied in one transaction');
  if (input.skipRowCounts)
    return { loginRoles, tables: selection.tables, dumped: reader?.tables ?? [] };
  await checkRowCounts(target, selection.tables, before);
  if (selection.tables.length > 0)
    logger.info(`row counts match backup.json for ${selection.tables.length} tables`);
  return { loginRoles, tables: selection.tables, dumped: reader?.tables ?? [] };
}

async function runPsql(
  target: PsqlTarget,
  files: Map<string, string>,
  filtered: boolean,
  restricted: boolean,
  afterRoles: string[] = [],
  signal?: AbortSignal,
): Promise<void> {
  const args = ['-X', '-q', '--single-transaction', '-v', 'ON_ERROR_STOP=1'];
  if (restricted) args.push(...restrictArgs());
  if (files.has('roles')) args.push('-f', files.get('roles')!);
  for (const sql of afterRoles) args.push('-c', sql);
  if (files.has('schema')) args.push('-f', files.get('schema')!);
  if (files.has('data'))
    args.push('-c', 'SET session_replication_role = replica', '-f', files.get('data')!);
  try {
    await run(target.psql, args, { env: target.env, signal });
  } catch (err) {
    if (!(err instanceof ProcessFailure) || signal?.aborted) throw err;
    const label = (part: string) =>
      part === 'data' && filtered ? 'data.sql (filtered for --tables)' : `${part}.sql`;
    const parts = new Map([...files].map(([part, path]) => [path, label(part)]));
    const reason = await describePsqlFailure(err.stderr, parts);
    throw new RestoreError(
      `restore failed and was rolled back; the target is unchanged:\n${reason}`,
    );
  }
}

/** Custom roles the roles part gives LOGIN (reserved roles are commented out there). */
export function findLoginRoles(rolesSql: string): string[] {
  const names = new Set<string>();
  for (const m of rolesSql.matchAll(/^ALTER ROLE "((?:[^"]|"")+)" WITH (.*);$/gm)) {
    if (/(^| )LOGIN( |$)/.test(m[2]!)) names.add(m[1]!.replace(/""/g, '"'));
  }
  return [...names];
}
