/** The run's job summary as markdown (pure): what was backed up, how big, where it went. */
import type { BackupManifest } from '../catalog/backup-json.js';
import { formatBytes, formatDuration } from '../format.js';
import { renderStorageSummary } from '../storage/storage-summary.js';
import { renderCoverageSummary } from '../management/coverage-summary.js';

export interface SummarySet {
  manifest: BackupManifest;
  /** Where the set was stored, as markdown (links to the artifact or branch folder). */
  stored: string[];
}

export interface SummaryInput {
  sets: SummarySet[];
  failures: { project: string; message: string }[];
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A stored set's drill always passed (a failed drill fails the run and stores nothing). */
function drillCell(m: BackupManifest): string {
  const d = m.drill;
  if (!d) return 'not drilled';
  const older = d.older_server ? ` (on older ${d.drill_server})` : '';
  return `${d.ok ? 'passed' : 'FAILED'} in ${formatDuration(d.duration_ms)}${older}`;
}

export function renderSummary(input: SummaryInput): string {
  const lines: string[] = ['## Supabase backup', ''];
  if (input.sets.length > 0) {
    lines.push(
      '| project | set | parts | raw | stored | ratio | rows | duration | sha256 | drill | stored in |',
    );
    lines.push('|---|---|---|--:|--:|--:|--:|--:|---|---|---|');
    for (const { manifest: m, stored } of input.sets) {
      const raw = m.parts.reduce((n, p) => n + p.raw_bytes, 0);
      const bytes = m.parts.reduce((n, p) => n + p.bytes, 0);
      const rows = m.tables.reduce((n, t) => n + t.rows, 0);
      const ms = Date.parse(m.finished_at) - Date.parse(m.started_at);
      const digests = m.parts.map((p) => `${p.part} \`${p.sha256.slice(0, 12)}\``).join('<br>');
      lines.push(
        `| ${cell(m.project)} | \`${m.set_id}\` | ${m.parts.map((p) => p.part).join(', ')} | ${formatBytes(raw)} | ` +
          `${formatBytes(bytes)} | ${bytes > 0 ? (raw / bytes).toFixed(1) : '-'}x | ${rows} | ${formatDuration(ms)} | ` +
          `${digests} | ${drillCell(m)} | ${stored.map(cell).join('<br>') || 'runner disk only'} |`,
      );
    }
    lines.push('');
  }
  lines.push(...renderStorageSummary(input.sets.map((s) => s.manifest)));
  lines.push(...renderCoverageSummary(input.sets.map((s) => s.manifest)));
  const warnings = input.sets.flatMap(({ manifest: m }) =>
    m.warnings.map((w) => `- **${cell(m.project)}**: ${cell(w)}`),
  );
  if (warnings.length > 0) lines.push('### Warnings', '', ...warnings, '');
  if (input.failures.length > 0) {
    lines.push(
      '### Failed',
      '',
      ...input.failures.map((f) => `- **${cell(f.project)}**: ${cell(f.message)}`),
      '',
    );
  }
  if (input.sets.length === 0 && input.failures.length === 0) lines.push('Nothing was due.', '');
  return lines.join('\n');
}
