// Builds dist/index.js (the action) and dist/cli.js (the CLI) with ncc as ESM bundles,
// plus dist/backups.schema.json from the config schema and dist/sources.sha256, the hash of the
// sources they were built from (the e2e tests check it).
//
// What a command rarely needs (the S3 SDK, @actions/artifact, Octokit, the tool cache) is a
// dynamic import() in the sources, which ncc emits as separate chunks, loaded on first use: a
// run that never touches them does not even parse them (docs/benchmarks.md: start-up). Each
// bundle's chunks go to dist/chunks/<bundle>/ (the two builds number their chunks alike), and
// the bundle's chunk-name function is rewritten to find them there, relative to the bundle.
import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  renameSync,
  rmSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourcesHash } from './sources-hash.mjs';

const ncc = join('node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
// Built beside dist/ and swapped in at the end, so an interrupted build never leaves dist/ empty.
const staging = '.dist-build';
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging);

/** ncc's chunk file names, and the one line of its runtime that makes them (checked, not guessed). */
const CHUNK_FILE = /^(\d+)\.index\.js$/;
const CHUNK_NAME_LINE = 'return "" + chunkId + ".index.js";';

for (const [entry, out, chunks] of [
  ['src/index.ts', 'index.js', 'action'],
  ['src/cli.ts', 'cli.js', 'cli'],
]) {
  const dir = mkdtempSync(join(tmpdir(), 'ncc-'));
  execFileSync(
    process.execPath,
    [ncc, 'build', entry, '-o', dir, '--quiet', '--target', 'es2022'],
    {
      stdio: 'inherit',
    },
  );
  const files = readdirSync(dir);
  const chunkFiles = files.filter((f) => CHUNK_FILE.test(f));
  const extra = files.filter(
    (f) => f !== 'index.js' && f !== 'package.json' && !chunkFiles.includes(f),
  );
  if (extra.length > 0)
    throw new Error(`ncc emitted unexpected files for ${entry}: ${extra.join(', ')}`);
  let main = readFileSync(join(dir, 'index.js'), 'utf8');
  if (chunkFiles.length > 0) {
    if (main.split(CHUNK_NAME_LINE).length !== 2)
      throw new Error(`${entry}: ncc's chunk-name function is not the expected one line`);
    main = main.replace(CHUNK_NAME_LINE, `return "chunks/${chunks}/" + chunkId + ".js";`);
    mkdirSync(join(staging, 'chunks', chunks), { recursive: true });
    for (const f of chunkFiles)
      renameSync(join(dir, f), join(staging, 'chunks', chunks, f.replace(CHUNK_FILE, '$1.js')));
  }
  writeFileSync(join(staging, out), main);
  rmSync(dir, { recursive: true, force: true });
}
chmodSync(join(staging, 'cli.js'), 0o755);
writeFileSync(join(staging, 'package.json'), JSON.stringify({ type: 'module' }, null, 2) + '\n');

// The editor schema comes from the same zod schema the CLI validates with.
const schema = execFileSync(process.execPath, [join(staging, 'cli.js'), 'schema'], {
  encoding: 'utf8',
});
writeFileSync(join(staging, 'backups.schema.json'), schema);
writeFileSync(join(staging, 'sources.sha256'), `${sourcesHash(process.cwd())}\n`);
rmSync('dist', { recursive: true, force: true });
renameSync(staging, 'dist');
