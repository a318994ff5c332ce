import { describe, expect, it } from 'vitest';
import type { BackupManifest } from '../../src/catalog/backup-json.js';
import { databaseCoverage } from '../../src/dump/db-coverage.js';
import { platformNotes } from '../../src/restore/platform-notes.js';

const coverage = databaseCoverage(
  {
    migrations: 3,
    cronJobs: 1,
    webhooks: [{ name: 'public.t: h', host: 'abcdefghijklmnopqrst.supabase.co' }],
  },
  ['roles', 'schema', 'data'],
);
const manifest = { coverage } as unknown as BackupManifest;

describe('platformNotes', () => {
  it('says what a whole restore brought back and what is left to do', () => {
    const notes = platformNotes(manifest, {
      parts: ['roles', 'schema', 'data'],
      tables: [],
      subset: false,
    });
    expect(notes.map((n) => n.level)).toEqual(['info', 'info', 'info', 'warning']);
    expect(notes[0]!.text).toMatch(/^migration history restored: 3 applied/);
    expect(notes[1]!.text).toMatch(/^pg_cron jobs restored: 1 job/);
    expect(notes[2]!.text).toMatch(/^not restored: pg_cron run history/);
    expect(notes[3]!.text).toMatch(/still call abcdefghijklmnopqrst\.supabase\.co/);
  });

  it('says a --tables restore schedules no job, and is silent for sets without coverage', () => {
    const notes = platformNotes(manifest, { parts: ['data'], tables: [], subset: true });
    expect(notes[0]!.text).toMatch(/not scheduled by a --tables restore/);
    expect(
      platformNotes({} as BackupManifest, { parts: ['data'], tables: [], subset: false }),
    ).toEqual([]);
  });
});
