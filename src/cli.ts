#!/usr/bin/env node
/** CLI entry (bin supabase-backup): wires process I/O and signals to runCli. */
import { runCli } from './cli/run.js';

const controller = new AbortController();
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    // First signal: stop the dump and clean up; a second one ends at once.
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  });
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  signal: controller.signal,
});
