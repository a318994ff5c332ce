// Prints the CHANGELOG.md section of one version (`node scripts/changelog-notes.mjs v1.2.3`), the
// release notes release.yml publishes; fails when the changelog has no such section.
import { readFileSync } from 'node:fs';

const version = (process.argv[2] ?? '').replace(/^v/, '');
const lines = readFileSync(process.argv[3] ?? 'CHANGELOG.md', 'utf8').split('\n');
const start = lines.findIndex((l) =>
  new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\]`).test(l),
);
if (!version || start < 0) {
  console.error(
    `CHANGELOG.md has no "## [${version}]" section: add one before tagging v${version}`,
  );
  process.exit(1);
}
const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
console.log(
  lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim(),
);
