import { describe, expect, it } from 'vitest';
import { FORMAT, FORMAT_VERSION, type BackupManifest } from '../../src/catalog/backup-json.js';
import { renderSummary } from '../../src/report/summary.js';

const manifest: BackupManifest = {
  format: FORMAT,
  format_version: FORMAT_VERSION,
  project: 'prod',
  ref: null,
  set_id: '2026-11-22T031500Z',
  started_at: '2026-11-22T03:15:00.000Z',
  finished_at: '2026-11-22T03:15:12.500Z',
  engine: 'supabase-cli',
  tools: {},
  server: { version: '15.8', major: 15 },
  parts: [
    {
      part: 'data',
      file: 'data.sql.zst',
      bytes: 1024,
      sha256: 'a'.repeat(64),
      raw_bytes: 10240,
      raw_sha256: 'b'.repeat(64),
      compression: 'zstd',
      encryption: null,
      duration_ms: 12000,
    },
  ],
  tables: [{ schema: 'public', name: 't', rows: 42 }],
  materialized_views: [],
  warnings: ['vault.secrets holds 1 secret(s) | not backed up'],
};

describe('renderSummary', () => {
  it('tabulates each set with sizes, ratio, rows, duration, digest prefix and where it went', () => {
    const md = renderSummary({
      sets: [{ manifest, stored: ['[artifact](https://x/1)'] }],
      failures: [],
    });
    const row = md.split('\n').find((l) => l.startsWith('| prod'));
    expect(row).toBe(
      '| prod | `2026-11-22T031500Z` | data | 10.0 KiB | 1.0 KiB | 10.0x | 42 | 12.5 s | data `aaaaaaaaaaaa` | not drilled | [artifact](https://x/1) |',
    );
    const drilled = renderSummary({
      sets: [
        {
          manifest: {
            ...manifest,
            drill: {
              ok: true,
              started_at: manifest.finished_at,
              duration_ms: 8300,
              source_server: '15.8',
              drill_server: '14.11',
              older_server: true,
              tables: 1,
              rows: 42,
              digests: 1,
              error: null,
            },
          },
          stored: [],
        },
      ],
      failures: [],
    });
    expect(drilled).toContain('| passed in 8.3 s (on older 14.11) | runner disk only |');
    expect(md).toContain('- **prod**: vault.secrets holds 1 secret(s) \\| not backed up');
  });

  it('lists failures and says when nothing ran', () => {
    expect(
      renderSummary({ sets: [], failures: [{ project: 'p', message: 'cannot connect' }] }),
    ).toContain('- **p**: cannot connect');
    expect(renderSummary({ sets: [], failures: [] })).toContain('Nothing was due.');
  });

  it('shows what each set covers, by state, with the reasons for what it does not', () => {
    const md = renderSummary({
      sets: [
        {
          manifest: {
            ...manifest,
            coverage: [
              { surface: 'table data', state: 'backed-up', note: 'data.sql' },
              {
                surface: 'edge functions',
                state: 'not-configured',
                note: 'add the functions part',
              },
              { surface: 'auth settings', state: 'partial', note: '2 secret value(s) withheld' },
              {
                surface: 'function secret values',
                state: 'not-exportable',
                note: 'names | digests only',
              },
            ],
          },
          stored: [],
        },
      ],
      failures: [],
    });
    expect(md).toContain(
      '### Coverage\n\n| project | backed up | partly | not configured | not exportable |\n|---|---|---|---|---|\n' +
        '| prod | table data | auth settings (2 secret value(s) withheld) | edge functions (add the functions part) | function secret values (names \\| digests only) |',
    );
    expect(renderSummary({ sets: [{ manifest, stored: [] }], failures: [] })).not.toContain(
      'Coverage',
    );
  });
});
