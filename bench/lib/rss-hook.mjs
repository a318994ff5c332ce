// Preloaded into the tool's node process (node --import): on exit, writes that process's own
// peak RSS (getrusage RUSAGE_SELF, so children such as pg_dump do not count) to $BENCH_RSS_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
  });
}
