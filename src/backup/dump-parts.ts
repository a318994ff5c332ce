/**
 * The database parts of one set, dumped at the same time: roles and schema are mostly round
 * trips (catalog queries) that hide behind the data part instead of adding to it. Each part
 * has its own pg_dump and so its own snapshot, as when they ran one after the other. The first
 * part to fail stops the others.
 */
import type { PartRecord, TableRecord } from '../catalog/backup-json.js';
import { partFileName } from '../catalog/naming.js';
import { displayUrl } from '../config/secrets.js';
import type { Compression, DumpPart, Part } from '../config/types.js';
import { connectionAdvice, POOL_FULL } from '../dump/connect-errors.js';
import { startPart, type EngineContext } from '../dump/engines.js';
import { BackupError, DumpError, errorMessage } from '../errors.js';
import { formatBytes, formatDuration } from '../format.js';
import type { Logger } from '../log.js';
import { writePart } from '../pipeline/part.js';
import { ProcessFailure } from '../proc/run.js';
import { POOL_FULL_RETRY, withRetry } from '../retry.js';
import type { Database } from './database.js';

export interface DumpPartsOptions {
  ctx: EngineContext & Database;
  parts: DumpPart[];
  /** The staging directory of the set. */
  dir: string;
  compression: Compression;
  recipients: string[] | null;
  maxFileBytes: number;
  /** Record each table's content digest (when the set will be drilled: the drill compares them). */
  digestRows: boolean;
  logger: Logger;
  signal?: AbortSignal;
}

/** Records in the order of `parts`, and the data part's tables. */
export async function dumpParts(
  o: DumpPartsOptions,
): Promise<{ records: PartRecord[]; tables: TableRecord[] }> {
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  let first: unknown;
  const settled = await Promise.allSettled(
    o.parts.map((part) =>
      retryPoolFull(part, { ...o, signal }).catch((err: unknown) => {
        // The siblings' own errors are only the echo of this stop.
        if (first === undefined) first = err;
        stop.abort();
        throw err;
      }),
    ),
  );
  if (first !== undefined) throw first;
  const done = settled.map((s) => (s as PromiseFulfilledResult<Dumped>).value);
  const data = done.find((d) => d.record.part === 'data');
  return { records: done.map((d) => d.record), tables: data?.tables ?? [] };
}

/**
 * A part whose pg_dump found the pooler's session pool full (it fails when connecting, before
 * any byte) starts again after a wait; nothing of the failed attempt is kept.
 */
function retryPoolFull(part: DumpPart, o: DumpPartsOptions): Promise<Dumped> {
  return withRetry(() => dumpPart(part, o), {
    policy: POOL_FULL_RETRY,
    retryable: (err) => !o.signal?.aborted && POOL_FULL.test(errorMessage(err)),
    onRetry: (_err, attempt, delay) =>
      o.logger.warning(
        `${o.ctx.project.name}/${part}: the pooler's session pool is full (EMAXCONNSESSION); ` +
          `attempt ${attempt} failed, trying again in ${Math.round(delay / 1000)} s`,
      ),
  });
}

interface Dumped {
  record: PartRecord;
  tables: TableRecord[];
}

async function dumpPart(part: DumpPart, o: DumpPartsOptions): Promise<Dumped> {
  const { ctx, logger } = o;
  const t0 = Date.now();
  const file = partFileName(part, o.compression, o.recipients !== null);
  const trailer = {
    roles: ctx.extras.rolesSql,
    schema: ctx.extras.schemaSql,
    data: ctx.extras.dataSql,
  }[part];
  const running = await startPart(
    ctx.project.engine,
    { ...ctx, signal: o.signal },
    part,
    trailer,
    displayUrl({ ...ctx.conn, password: '' }),
  ).catch((err: unknown) => {
    throw dumpFailure(part, err, ctx);
  });
  let last = { at: t0, bytes: 0 };
  const result = await writePart(running.stream, {
    dir: o.dir,
    file,
    compression: o.compression,
    recipients: o.recipients ?? undefined,
    maxFileBytes: o.maxFileBytes,
    countRows: part === 'data',
    digestRows: o.digestRows,
    signal: o.signal,
    onProgress: (bytes) => {
      const now = Date.now();
      const rate = ((bytes - last.bytes) * 1000) / Math.max(1, now - last.at);
      last = { at: now, bytes };
      logger.info(
        `${ctx.project.name}/${part}: ${formatBytes(bytes)} dumped (${formatBytes(rate)}/s)`,
      );
    },
  }).catch((err: unknown) => {
    running.kill();
    throw dumpFailure(part, err, ctx);
  });
  const duration_ms = Date.now() - t0;
  logger.info(
    `${part}: ${formatBytes(result.raw_bytes)} -> ${file} ${formatBytes(result.bytes)} in ${formatDuration(duration_ms)}`,
  );
  // The docker engine's pg_dump runs in a container without PGTZ: only its row counts are kept.
  const tables =
    ctx.project.engine === 'docker'
      ? result.tables.map(({ schema, name, rows }) => ({ schema, name, rows }))
      : result.tables;
  // An empty database is a good backup, not a failure: say so, so nobody mistakes it.
  if (part === 'data' && tables.every((t) => t.rows === 0))
    logger.notice(
      `${ctx.project.name}: every table backed up is empty (${tables.length} tables): this set holds no rows`,
    );
  return {
    record: {
      part,
      file,
      bytes: result.bytes,
      sha256: result.sha256,
      raw_bytes: result.raw_bytes,
      raw_sha256: result.raw_sha256,
      compression: o.compression,
      encryption: o.recipients ? { format: 'age', recipients: o.recipients } : null,
      duration_ms,
      ...(result.files.length > 1 ? { chunks: result.files } : {}),
    },
    tables,
  };
}

function dumpFailure(part: Part, err: unknown, ctx: Database): BackupError {
  if (err instanceof BackupError) return err;
  if (err instanceof ProcessFailure) {
    const reason = err.stderr.trim().split('\n').slice(-5).join('; ') || err.message;
    const how = err.signalName ? `was killed by ${err.signalName}` : `exited with code ${err.code}`;
    // Parts open their own connections after preflight: the pool may fill up in between.
    const { advice } = connectionAdvice(reason, ctx.conn);
    return new DumpError(
      `the ${part} dump failed (${how}): ${reason}${advice ? `\n${advice}` : ''}`,
      {
        cause: err,
      },
    );
  }
  if ((err as { name?: string }).name === 'AbortError')
    return new DumpError(`the ${part} dump was cancelled`);
  return new DumpError(`the ${part} dump failed: ${errorMessage(err)}`, { cause: err });
}
