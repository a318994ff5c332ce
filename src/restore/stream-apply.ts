/**
 * Applies whole parts by streaming them into one psql transaction, checking every digest on the
 * way instead of reading the set twice (verify first, then apply) and writing the SQL to disk.
 * psql reads each part from a named pipe in a private temp dir (`-f <dir>/roles.sql`...: one
 * file per part, as psql would read files), in order, and last from its stdin (`-f -`), the gate,
 * kept open until every part's stored and plain digests matched: only then does the gate get the
 * data part's held tail (src/pipeline/hold-tail.ts: the setval calls, which a rollback would not
 * undo) and close, and psql commit. On a mismatch or any other failure psql is killed before it
 * reaches the end of its input, so the server rolls the transaction back: the target is unchanged.
 */
import { spawn } from 'node:child_process';
import { constants, openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PartRecord } from '../catalog/backup-json.js';
import type { PsqlTarget } from '../dump/query.js';
import { RestoreError } from '../errors.js';
import { HoldTail } from '../pipeline/hold-tail.js';
import { decompressPart, openPart, readFailure } from '../set/read-part.js';
import { describePsqlFailure } from './psql-error.js';
import { restrictArgs } from './psql-restrict.js';
import { run } from '../proc/run.js';

export interface StreamInput {
  setDir: string;
  /** The parts to apply, in order (roles, schema, data). */
  parts: PartRecord[];
  target: PsqlTarget;
  identities: string[];
  restricted: boolean;
  /** Readers of each part's plain SQL (the psql guard first), by part. */
  readers: (part: PartRecord) => Transform[];
  /** Statements (`-c`) right after the roles part, before any other part (the drill's). */
  afterRoles?: string[];
  signal?: AbortSignal;
}

/** Keeps what flows through (the roles part, to find its login roles). */
class Keep extends Transform {
  readonly chunks: Buffer[] = [];
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    done(null, chunk);
  }
}

/** Applies the parts; returns the roles part's text ('' without one). */
export async function streamApply(input: StreamInput): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'supabase-restore-'));
  try {
    const fifos = input.parts.map((p) => join(work, `${p.part}.sql`));
    if (fifos.length > 0) await run('mkfifo', ['-m', '600', ...fifos], { signal: input.signal });
    return await applyThrough(input, fifos);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function applyThrough(input: StreamInput, fifos: string[]): Promise<string> {
  const args = ['-X', '-q', '--single-transaction', '-v', 'ON_ERROR_STOP=1'];
  if (input.restricted) args.push(...restrictArgs());
  let pending = input.afterRoles ?? [];
  const flush = () => {
    for (const sql of pending) args.push('-c', sql);
    pending = [];
  };
  input.parts.forEach((part, i) => {
    if (part.part !== 'roles') flush();
    if (part.part === 'data') args.push('-c', 'SET session_replication_role = replica');
    args.push('-f', fifos[i]!);
  });
  flush();
  args.push('-f', '-');
  const child = spawn(input.target.psql, args, {
    env: input.target.env,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < 64 * 1024) stderr += s;
  });
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (err) => {
      stderr += err.message;
      gone = true;
      resolve({ code: null, signal: null });
    });
    child.on('close', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    });
  });
  // A pipe psql has stopped reading fails with EPIPE: psql's own exit says why.
  child.stdin.on('error', () => undefined);

  const keep = new Keep();
  let hold: HoldTail | undefined;
  let failed: RestoreError | null = null;
  for (const [i, part] of input.parts.entries()) {
    const extra =
      part.part === 'data' ? [(hold = new HoldTail())] : part.part === 'roles' ? [keep] : [];
    try {
      const reader = await openPart(input.setDir, part, input.identities, [
        ...input.readers(part),
        ...extra,
      ]);
      const fd = await openWriter(fifos[i]!, () => gone, input.signal);
      if (fd === null) throw new Error('psql stopped before reading it');
      const pipe = new Socket({ fd, readable: false, writable: true });
      await pipeline([reader.source, ...reader.stages, pipe], { signal: input.signal });
      reader.check();
    } catch (err) {
      failed = readFailure(part, err);
      break;
    }
  }
  if (failed === null && !input.signal?.aborted) {
    // Every digest matched: release the held tail and let psql reach the end (and commit).
    child.stdin.end(hold?.heldTail() ?? '');
  } else if (failed !== null && pipeClosed(failed) && !input.signal?.aborted) {
    // psql closed the pipe: it stopped on an error of its own and is exiting, and its stderr
    // says why. It cannot commit (stdin stays open); killed if it has not gone within 5 s.
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    if (!gone) child.kill('SIGKILL');
  } else child.kill('SIGKILL');
  const exit = await exited;
  if (input.signal?.aborted) throw input.signal.reason;
  if (exit.code === 0 && failed === null) return Buffer.concat(keep.chunks).toString('utf8');
  // psql stopped on its own (an error; the pipes then failed): that is the reason. Killed by us,
  // it is ours.
  if (exit.signal === null && exit.code !== 0) {
    const reason = await locate(input, stderr, fifos);
    throw new RestoreError(
      `restore failed and was rolled back; the target is unchanged:\n${reason}`,
    );
  }
  if (failed) throw withUnchanged(failed);
  throw new RestoreError(
    `restore failed and was rolled back; the target is unchanged:\n${stderr.trim().split('\n').slice(0, 5).join('\n')}`,
  );
}

/**
 * Opens the named pipe for writing once psql opens it for reading (a blocking open would tie up
 * a thread for as long as psql takes, or for ever if it stops first); null if psql is gone.
 */
async function openWriter(
  path: string,
  gone: () => boolean,
  signal?: AbortSignal,
): Promise<number | null> {
  for (;;) {
    try {
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
    }
    if (gone() || signal?.aborted) return null;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function pipeClosed(err: RestoreError): boolean {
  return (err.cause as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

function withUnchanged(err: RestoreError): RestoreError {
  return new RestoreError(`${err.message}; the transaction was rolled back, nothing was changed`, {
    cause: err,
  });
}

/** Says which statement failed: the part is decompressed again (only on this path) to show it. */
async function locate(input: StreamInput, stderr: string, fifos: string[]): Promise<string> {
  const named = stderr.replaceAll('<stdin>', 'data.sql (its end)');
  const m = /^psql:(.*):\d+: (ERROR|FATAL):/m.exec(stderr);
  const i = m ? fifos.indexOf(m[1]!) : -1;
  const part = input.parts[i];
  const labels = new Map(fifos.map((f, j) => [f, `${input.parts[j]!.part}.sql`]));
  if (!m || !part) return describePsqlFailure(named, labels);
  const work = await mkdtemp(join(tmpdir(), 'supabase-restore-'));
  try {
    const file = await decompressPart(input.setDir, part, work, input.identities, input.signal);
    return await describePsqlFailure(
      stderr.replaceAll(m[1]!, file),
      new Map([[file, `${part.part}.sql`]]),
    );
  } catch {
    return describePsqlFailure(named, labels);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
