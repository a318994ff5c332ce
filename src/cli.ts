#!/usr/bin/env node
/** CLI entry (bin supabase-backup): wires process I/O and signals to runCli. */
import { nodeTooOld } from './node-version.js';

// Checked before the rest is loaded, so an old Node gets this message, not a stack trace.
const tooOld = nodeTooOld(process.versions.node);
if (tooOld) {
  process.stderr.write(tooOld);
  process.exit(1);
}
const { runCli } = await import(/* webpackMode: "eager" */ './cli/run.js');

const controller = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    // First signal: stop the dump and clean up; a second one ends at once.
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  });
}

// stdout carries only results (--json); libraries that print there (tool-cache's ::debug::
// workflow commands) are sent to stderr, and their workflow-command lines dropped.
const writeOut = process.stdout.write.bind(process.stdout);
const writeErr = process.stderr.write.bind(process.stderr);
const debug = process.argv.includes('--debug');
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
  !debug && String(chunk).startsWith('::')
    ? true
    : writeErr(chunk, ...rest)) as typeof process.stdout.write;

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (t) => writeOut(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  signal: controller.signal,
});
// A cancelled run has cleaned up when runCli returns; its killed children still exit on their
// own time (the process waits for them), but nothing may keep it alive for long after that.
if (controller.signal.aborted)
  setTimeout(() => {
    process.stderr.write('still busy 5 s after the cancel was cleaned up; exiting\n');
    process.exit();
  }, 5000).unref();
