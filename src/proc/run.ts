/**
 * The one place that starts processes. Connection secrets reach children only through `env`
 * (never argv), and a child's stderr is kept as a short tail for error messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { ToolError } from '../errors.js';
import { Coalescer } from './coalesce.js';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string | Buffer;
  signal?: AbortSignal;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const STDERR_TAIL = 8 * 1024;

/** Thrown when a child exits non-zero or is killed; carries what it said on stderr. */
export class ProcessFailure extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly signalName: NodeJS.Signals | null,
    readonly stderr: string,
  ) {
    super(
      `${command} ${signalName ? `was killed by ${signalName}` : `exited with code ${code}`}` +
        (stderr.trim() ? `: ${stderr.trim()}` : ''),
    );
    this.name = 'ProcessFailure';
  }
}

/**
 * The environment a child gets: `base` minus the named variables (every configured secret's
 * name), minus the runner's own credentials (INPUT_*, ACTIONS_*, GITHUB_TOKEN) and any stray PG*
 * setting of the caller's shell, plus `extra` (the PG* connection).
 */
export function childEnv(
  base: Record<string, string | undefined>,
  drop: string[],
  extra: Record<string, string>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (
      v === undefined ||
      drop.includes(k) ||
      /^(PG|INPUT_|ACTIONS_)/.test(k) ||
      k === 'GITHUB_TOKEN'
    )
      continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

function spawnError(command: string, err: NodeJS.ErrnoException): Error {
  if (err.code === 'ENOENT')
    return new ToolError(`${command} was not found (is it installed and on PATH?)`);
  return new ToolError(`${command} could not be started: ${err.message}`, { cause: err });
}

class TailBuffer {
  private text = '';
  push(chunk: Buffer | string): void {
    this.text = (this.text + chunk.toString()).slice(-STDERR_TAIL);
  }
  toString(): string {
    return this.text;
  }
}

/** Runs a command to completion and returns its output; throws ProcessFailure on a non-zero exit. */
export async function run(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const result = await runUnchecked(command, args, options);
  if (result.code !== 0) throw new ProcessFailure(command, result.code, null, result.stderr);
  return result;
}

export function runUnchecked(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const group = killOnAbort(child, options.signal);
    const out: Buffer[] = [];
    const err = new TailBuffer();
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => (group.release(), reject(spawnError(command, e))));
    child.on('close', (code, signal) => {
      group.release();
      if (signal) return reject(new ProcessFailure(command, code, signal, err.toString()));
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString(), stderr: err.toString() });
    });
    child.stdin.on('error', () => undefined); // a child that exits early closes its stdin
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Children run in their own process group, so that a kill reaches everything they start (bash's
 * pipelines, git's remote helpers, which would otherwise keep our pipes open and the run alive).
 * An abort, or our own exit, kills the group.
 */
function killOnAbort(
  child: ChildProcess,
  signal: AbortSignal | undefined,
): { kill(sig?: NodeJS.Signals): void; release(): void } {
  const kill = (sig: NodeJS.Signals = 'SIGTERM') => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    }
  };
  const onAbort = () => kill();
  signal?.addEventListener('abort', onAbort, { once: true });
  process.once('exit', onAbort);
  if (signal?.aborted) kill();
  return {
    kill,
    release: () => {
      signal?.removeEventListener('abort', onAbort);
      process.removeListener('exit', onAbort);
    },
  };
}

export interface StreamingChild {
  stdout: Readable;
  /** Resolves when the child exits 0; rejects with ProcessFailure otherwise. */
  done: Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts a command whose stdout is consumed as a stream (a dump). */
export function runStreaming(
  command: string,
  args: string[],
  options: RunOptions = {},
): StreamingChild {
  const { stdin, ...child } = startPiped(command, args, options, 'ignore', true);
  stdin?.destroy();
  return child;
}

/** A command that filters a stream: its stdin is written, its stdout read (a compressor). */
export interface FilterChild extends StreamingChild {
  stdin: Writable;
}

export function runFilter(command: string, args: string[], options: RunOptions = {}): FilterChild {
  const child = startPiped(command, args, options, 'pipe', false);
  return { ...child, stdin: child.stdin! };
}

function startPiped(
  command: string,
  args: string[],
  options: RunOptions,
  stdin: 'ignore' | 'pipe',
  join: boolean,
): StreamingChild & { stdin: Writable | null } {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: [stdin, 'pipe', 'pipe'],
    detached: true,
  });
  const group = killOnAbort(child, options.signal);
  const err = new TailBuffer();
  child.stderr!.on('data', (c: Buffer) => err.push(c));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => (group.release(), reject(spawnError(command, e))));
    child.on('close', (code, signal) => {
      group.release();
      if (code === 0) resolve();
      else reject(new ProcessFailure(command, code, signal, err.toString()));
    });
  });
  // Handled here too: a dump killed after its reader failed (a full disk) rejects with no one
  // left to await it, and an unhandled rejection would end the process before cleanup.
  done.catch(() => undefined);
  // Read from the start: when a child exits, Node resumes (and so discards) any stdout nobody
  // reads yet. A quick dump (roles, a small database) could end before its reader began and come
  // back empty with exit 0. The pipe keeps backpressure: it stops reading while `stdout` is full.
  // A dump's pipe reads (18 KiB on average behind the scripts' sed) are joined into 256 KiB
  // chunks right here, so that no later stage pays per small chunk. A filter's (zstd's 64 KiB
  // reads) are not: each join is a copy, and copies are garbage that raises the peak RSS.
  const stdout = join
    ? new Coalescer({ highWaterMark: 1024 * 1024 })
    : new PassThrough({ highWaterMark: 1024 * 1024 });
  child.stdout!.on('error', (e) => stdout.destroy(e));
  child.stdout!.pipe(stdout);
  return { stdin: child.stdin, stdout, done, kill: group.kill };
}
