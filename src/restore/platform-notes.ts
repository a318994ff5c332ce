/**
 * What a restore says about the platform-kept objects of a set (backup.json `coverage`, written
 * by dump/db-coverage.ts): the migration history and pg_cron jobs it brought back, database
 * webhooks that still point at the source project, and what no restore brings back.
 */
import type { BackupManifest } from '../catalog/backup-json.js';
import {
  SURFACE_CRON,
  SURFACE_CRON_RUNS,
  SURFACE_MIGRATIONS,
  SURFACE_WEBHOOKS,
} from '../dump/db-coverage.js';
import type { Selection } from './selection.js';

export interface Note {
  level: 'info' | 'warning';
  text: string;
}

export function platformNotes(manifest: BackupManifest, selection: Selection): Note[] {
  const entry = (surface: string) => manifest.coverage?.find((c) => c.surface === surface);
  const notes: Note[] = [];
  const schema = selection.parts.includes('schema');
  const data = selection.parts.includes('data');
  const history = entry(SURFACE_MIGRATIONS);
  if (schema && history?.state === 'backed-up')
    notes.push({ level: 'info', text: `migration history restored: ${history.note}` });
  const cron = entry(SURFACE_CRON);
  if (data && cron?.state === 'backed-up')
    notes.push(
      selection.subset
        ? {
            level: 'info',
            text: 'pg_cron jobs are not scheduled by a --tables restore (only by a whole one)',
          }
        : {
            level: 'info',
            text: `pg_cron jobs restored: ${cron.note}; none ran before the restore committed`,
          },
    );
  const runs = entry(SURFACE_CRON_RUNS);
  if (data && runs)
    notes.push({ level: 'info', text: `not restored: ${runs.surface}: ${runs.note}` });
  const hooks = entry(SURFACE_WEBHOOKS);
  if (schema && hooks && hooks.state !== 'not-configured')
    notes.push({
      level: hooks.state === 'partial' ? 'warning' : 'info',
      text: `database webhooks restored: ${hooks.note}`,
    });
  return notes;
}
