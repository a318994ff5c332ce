import { describe, expect, it } from 'vitest';
import type { PartRecord } from '../../src/catalog/backup-json.js';
import { coverageOf } from '../../src/management/coverage.js';

const record = (part: PartRecord['part'], extra: Partial<PartRecord> = {}): PartRecord => ({
  part,
  file: `${part}.sql.zst`,
  bytes: 1,
  sha256: 'a'.repeat(64),
  raw_bytes: 1,
  raw_sha256: 'b'.repeat(64),
  compression: 'zstd',
  encryption: null,
  duration_ms: 0,
  ...extra,
});
const state = (entries: ReturnType<typeof coverageOf>, surface: string) =>
  entries.find((e) => e.surface === surface)?.state;

describe('coverageOf', () => {
  it('a database-only set: the API surfaces are not configured, the unexportable always listed', () => {
    const c = coverageOf([record('roles'), record('schema'), record('data')], false);
    expect(state(c, 'table data')).toBe('backed-up');
    expect(state(c, 'edge functions')).toBe('not-configured');
    expect(state(c, 'auth settings (providers, SMTP, templates, rate limits, hooks)')).toBe(
      'not-configured',
    );
    expect(state(c, 'function secret values')).toBe('not-exportable');
    expect(state(c, 'database password')).toBe('not-exportable');
  });

  it('withheld secrets and eszip-only functions make a surface partial; encrypted sets do not withhold', () => {
    const functions = record('functions', {
      functions: {
        ref: 'r',
        functions: [
          { slug: 'a', version: 1, form: 'eszip', files: 1, bytes: 9, sha256: 'c'.repeat(64) },
        ],
      },
    });
    const settings = (withheld: string[]) =>
      record('settings', {
        settings: {
          ref: 'r',
          sections: [
            { section: 'auth', sha256: 'd'.repeat(64), withheld },
            { section: 'custom_hostname', sha256: 'e'.repeat(64), withheld: [] },
          ],
          secrets: 3,
        },
      });
    const plain = coverageOf([functions, settings(['smtp_pass'])], false);
    expect(plain.find((e) => e.surface === 'edge functions')).toMatchObject({
      state: 'partial',
      note: '1 function(s); 1 kept only as an eszip bundle (no source files)',
    });
    expect(state(plain, 'auth settings (providers, SMTP, templates, rate limits, hooks)')).toBe(
      'partial',
    );
    expect(state(plain, 'realtime settings')).toBe('not-configured');
    expect(state(plain, 'custom domain')).toBe('partial');
    expect(plain.find((e) => e.surface === 'function secret names')?.note).toBe(
      '3 name(s) with digests',
    );
    const encrypted = coverageOf([settings([])], true);
    expect(state(encrypted, 'auth settings (providers, SMTP, templates, rate limits, hooks)')).toBe(
      'backed-up',
    );
  });
});
