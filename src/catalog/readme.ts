/** README.md of the backup branch: manifest.json as a page people can read on GitHub. */
import { formatBytes } from '../format.js';
import type { Manifest, ManifestEntry } from './manifest.js';

export const README_FILE = 'README.md';

export interface BranchReadmeOptions {
  /** "owner/name", when the branch lives on a GitHub-like server. */
  repository?: string;
  /** e.g. https://github.com */
  serverUrl?: string;
  branch: string;
}

/** Where the branch lives, for links: a GitHub-like https://host/owner/name(.git) remote. */
export function readmeOptionsFor(remoteUrl: string, branch: string): BranchReadmeOptions {
  const m = /^(https?:\/\/[^/@]+)\/([^/]+)\/([^/]+?)(\.git)?\/?$/.exec(remoteUrl);
  return m ? { branch, serverUrl: m[1]!, repository: `${m[2]}/${m[3]}` } : { branch };
}

/** Table cells: no line breaks, no column separators. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** "2026-11-22T03:15:00.123Z" -> "2026-11-22 03:15:00 UTC" (as given when it is not ISO). */
function utc(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** 1234567 -> "1,234,567", whatever the locale. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function projectTable(project: string, entries: ManifestEntry[]): string[] {
  const newestFirst = [...entries].sort((a, b) =>
    a.set_id === b.set_id ? 0 : a.set_id < b.set_id ? 1 : -1,
  );
  const withReason = newestFirst.some((e) => e.reason);
  const head = ['Set', 'Started', 'Parts', 'Stored', 'Raw SQL', 'Rows', 'Warnings'];
  if (withReason) head.push('Reason');
  const lines = [
    `## ${project}`,
    '',
    `${plural(entries.length, 'set')}, newest first.`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((h, i) => (i >= 3 && i <= 6 ? ' ---: |' : ' --- |')).join('')}`,
  ];
  for (const e of newestFirst) {
    const row = [
      `[${cell(e.set_id)}](./${encodeURI(e.path)}/)`,
      utc(e.started_at),
      cell(e.parts.map((p) => p.part).join(', ')),
      formatBytes(e.bytes),
      formatBytes(e.raw_bytes),
      thousands(e.rows),
      String(e.warnings.length),
    ];
    if (withReason) row.push(cell(e.reason ?? ''));
    lines.push(`| ${row.join(' | ')} |`);
  }
  lines.push('');
  return lines;
}

function restoreSection(manifest: Manifest, options: BranchReadmeOptions): string[] {
  const cloneUrl =
    options.repository && options.serverUrl
      ? `${options.serverUrl}/${options.repository}.git`
      : '<repository-url>';
  const example = [...manifest.sets].sort((a, b) => (a.set_id < b.set_id ? 1 : -1))[0];
  const dir = example?.path ?? '<project>/<set-id>';
  return [
    '## How to restore',
    '',
    'Fetch only this branch, at its latest commit (older commits hold removed sets):',
    '',
    '```sh',
    `git clone --single-branch --branch ${options.branch} --depth 1 ${cloneUrl} backups`,
    `cd backups/${dir}`,
    'sha256sum -c SHA256SUMS          # every stored file must say OK',
    '```',
    '',
    'Then restore with the tool, which checks every digest again, applies the parts and',
    'compares the row counts with `backup.json`:',
    '',
    '```sh',
    '# needs Node 22.15+ and psql; npx fetches the CLI from npm:',
    'npx supabase-backup@0 restore --from . --target-url-env NEW_PROJECT_DB_URL --yes',
    '```',
    '',
    "or by hand, with Supabase's documented procedure:",
    '',
    '```sh',
    'zstd -d *.zst     # or: gzip -d *.gz (parts stored without compression need neither)',
    'psql "$NEW_PROJECT_DB_URL" --single-transaction -v ON_ERROR_STOP=1 \\',
    "  -f roles.sql -f schema.sql -c 'SET session_replication_role = replica' -f data.sql",
    '```',
    '',
    'A part that was split into numbered chunks (`data.sql.zst.000`, `.001`, ...) is joined',
    'first: `cat data.sql.zst.[0-9][0-9][0-9] > data.sql.zst`.',
    '',
  ];
}

/** The same manifest and options always render the same page. */
export function renderBranchReadme(manifest: Manifest, options: BranchReadmeOptions): string {
  const where = options.repository ? ` of ${options.repository}` : '';
  const projects = [...new Set(manifest.sets.map((e) => e.project))].sort();
  const lines = [
    `# Supabase backups${where}`,
    '',
    `This branch (\`${options.branch}\`) holds database backups made by supabase-backup-action:`,
    'one folder per backup set, `<project>/<set-id>/`, with the compressed SQL parts, `SHA256SUMS`',
    'and `backup.json` (the set is complete only when `backup.json` exists).',
    `[\`manifest.json\`](./manifest.json) lists every set; this page is made from it.`,
    '',
    `${plural(manifest.sets.length, 'set')} in ${plural(projects.length, 'project')}, ` +
      `catalog updated ${utc(manifest.updated_at)}.`,
    '',
  ];
  if (projects.length === 0) lines.push('No backup sets yet.', '');
  for (const project of projects)
    lines.push(
      ...projectTable(
        project,
        manifest.sets.filter((e) => e.project === project),
      ),
    );
  lines.push(...restoreSection(manifest, options));
  lines.push(
    '---',
    '',
    '_This file is generated from `manifest.json` on every backup and every removal; edits to it',
    'are overwritten. Do not force-push this branch: the backups are its history._',
    '',
  );
  return lines.join('\n');
}
