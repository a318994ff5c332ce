// The sha256 of everything dist/ is built from: the build writes it to dist/sources.sha256, and
// the e2e tests refuse to run a dist/ whose record differs from the working tree's sources.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const INPUTS = ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs'];

function files(path) {
  try {
    return readdirSync(path, { withFileTypes: true })
      .flatMap((e) => files(join(path, e.name)))
      .sort();
  } catch (err) {
    if (err.code === 'ENOTDIR') return [path];
    throw err;
  }
}

/** @param {string} root the repository root */
export function sourcesHash(root) {
  const hash = createHash('sha256');
  for (const input of INPUTS)
    for (const file of files(join(root, input))) {
      const content = readFileSync(file);
      hash.update(`${file.slice(root.length)}\0${content.length}\0`).update(content);
    }
  return hash.digest('hex');
}
