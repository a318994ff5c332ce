/** The storage part in the job summary (pure): objects and bytes per bucket, what moved. */
import type { BackupManifest } from '../catalog/backup-json.js';
import { formatBytes } from '../format.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderStorageSummary(manifests: BackupManifest[]): string[] {
  const rows: string[] = [];
  for (const m of manifests) {
    const s = m.parts.find((p) => p.part === 'storage')?.storage;
    if (!s) continue;
    const moved =
      `downloaded ${s.downloaded} (${formatBytes(s.downloaded_bytes)}), ` +
      `unchanged ${s.reused} (${formatBytes(s.reused_bytes)})`;
    for (const b of s.buckets)
      rows.push(
        `| ${cell(m.project)} | ${cell(b.bucket)} | ${b.objects} | ${formatBytes(b.bytes)} | ${moved} |`,
      );
  }
  if (rows.length === 0) return [];
  return [
    '### Storage objects',
    '',
    '| project | bucket | objects | bytes | this run (whole project) |',
    '|---|---|--:|--:|---|',
    ...rows,
    '',
  ];
}
