// Builds dist/index.js (the action) and dist/cli.js (the CLI) with ncc as ESM bundles,
// plus dist/backups.schema.json from the config schema and dist/sources.sha256, the hash of the
// sources they were built from (the e2e tests check it).
import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  renameSync,
  rmSync,
  mkdirSync,
  readdirSync,
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

for (const [entry, out] of [
  ['src/index.ts', 'index.js'],
  ['src/cli.ts', 'cli.js'],
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
  const extra = files.filter((f) => f !== 'index.js' && f !== 'package.json');
  if (extra.length > 0)
    throw new Error(`ncc emitted unexpected files for ${entry}: ${extra.join(', ')}`);
  renameSync(join(dir, 'index.js'), join(staging, out));
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
