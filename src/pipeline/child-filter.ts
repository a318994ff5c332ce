/**
 * A stream stage backed by a child process: what is written goes to its stdin, what it prints
 * comes out. The stage ends only after the child exited 0, so a child that fails (or is killed)
 * after part of its output errors the pipeline instead of ending it short.
 */
import { Duplex } from 'node:stream';
import { runFilter, type FilterChild, type RunOptions } from '../proc/run.js';

export class ChildFilter extends Duplex {
  private readonly child: FilterChild;

  constructor(command: string, args: string[], options: RunOptions = {}) {
    super();
    this.child = runFilter(command, args, options);
    const { stdin, stdout, done } = this.child;
    stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stdout.pause();
    });
    stdout.on('end', () => {
      done.then(
        () => this.push(null),
        (err: unknown) => this.destroy(err as Error),
      );
    });
    stdout.on('error', (err) => this.destroy(err));
    // EPIPE when the child died: its exit status says why, so wait for it.
    stdin.on('error', (err) => {
      done.then(
        () => this.destroy(err),
        (exit: unknown) => this.destroy(exit as Error),
      );
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void) {
    if (this.child.stdin.write(chunk)) callback();
    else this.child.stdin.once('drain', () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.child.stdin.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.child.kill();
    callback(err);
  }
}
