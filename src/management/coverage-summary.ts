/** The coverage lines of the job summary (pure): per set, what it holds of the project and what not. */
import type { BackupManifest, CoverageEntry } from '../catalog/backup-json.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const STATES: [CoverageEntry['state'], string][] = [
  ['backed-up', 'backed up'],
  ['partial', 'partly'],
  ['not-configured', 'not configured'],
  ['not-exportable', 'not exportable'],
];

export function renderCoverageSummary(manifests: BackupManifest[]): string[] {
  const withCoverage = manifests.filter((m) => m.coverage && m.coverage.length > 0);
  if (withCoverage.length === 0) return [];
  const lines = [
    '### Coverage',
    '',
    `| project | ${STATES.map(([, label]) => label).join(' | ')} |`,
    `|---|${STATES.map(() => '---').join('|')}|`,
  ];
  for (const m of withCoverage) {
    const cells = STATES.map(([state]) =>
      m
        .coverage!.filter((c) => c.state === state)
        .map((c) =>
          state === 'backed-up' ? cell(c.surface) : `${cell(c.surface)} (${cell(c.note)})`,
        )
        .join('<br>'),
    );
    lines.push(`| ${cell(m.project)} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  return lines;
}
