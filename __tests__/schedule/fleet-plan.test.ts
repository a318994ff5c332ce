/**
 * `supabase-backup plan` for a fleet (in-process, local sets only): 600 due projects become a
 * matrix of at most 256 entries naming each once, balanced by the sets' last durations.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMAT, FORMAT_VERSION, type BackupManifest } from '../../src/catalog/backup-json.js';
import { setIdFor } from '../../src/catalog/naming.js';
import { cli } from '../support/cli.js';
import { tmp } from '../support/temp-dirs.js';

const name = (i: number) => `p${String(i).padStart(3, '0')}`;

function fleetConfig(n: number): string {
  const file = join(tmp('fleet-cfg-'), 'backups.config.yaml');
  const projects = Array.from(
    { length: n },
    (_, i) => `  - name: ${name(i)}\n    db_url_secret: P${i}_DB_URL\n    destinations: [local]\n`,
  );
  writeFileSync(file, `version: 1\nprojects:\n${projects.join('')}`);
  return file;
}

/** A backup.json (what plan reads of a local set) of a set that took `ms` and stored `bytes`. */
function writeSet(out: string, project: string, started: Date, ms: number, bytes: number) {
  const setId = setIdFor(started);
  const dir = join(out, project, setId);
  mkdirSync(dir, { recursive: true });
  const manifest: BackupManifest = {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    project,
    ref: null,
    set_id: setId,
    started_at: started.toISOString(),
    finished_at: new Date(started.getTime() + ms).toISOString(),
    engine: 'pg-dump',
    tools: {},
    server: { version: '15.18', major: 15 },
    parts: [
      {
        part: 'data',
        file: 'data.sql.zst',
        bytes,
        sha256: 'a'.repeat(64),
        raw_bytes: bytes * 4,
        raw_sha256: 'b'.repeat(64),
        duration_ms: ms,
        compression: 'zstd',
        encryption: null,
      },
    ],
    tables: [],
    materialized_views: [],
    warnings: [],
  };
  writeFileSync(join(dir, 'backup.json'), JSON.stringify(manifest));
}

interface Plan {
  projects: string;
  matrix: { include: { projects: string; job: number; project?: string }[] };
  jobs: { job: number; projects: string[]; estimate_ms: number | null }[];
}

describe('plan for a fleet', () => {
  const at = '2026-11-23T03:10:00Z';

  it('packs 600 due projects into at most 256 entries that name each once, big ones apart', async () => {
    const file = fleetConfig(600);
    const out = tmp('fleet-out-');
    // Every 20th project took two hours last time, the rest a minute or two.
    for (let i = 0; i < 600; i++) {
      const ms = i % 20 === 3 ? 7_200_000 : 60_000 + (i % 7) * 10_000;
      writeSet(out, name(i), new Date('2026-11-22T03:00:00Z'), ms, ms * 1000);
    }
    const res = await cli(['plan', '--config', file, '--out', out, '--at', at, '--json'], {});
    expect(res.code, res.stderr).toBe(0);
    const plan = JSON.parse(res.stdout) as Plan;
    const include = plan.matrix.include;
    expect(include.length).toBeLessThanOrEqual(256);
    expect(include.map((e) => e.job)).toEqual(include.map((_, i) => i + 1));
    const listed = include.flatMap((e) => e.projects.split(','));
    expect(listed).toHaveLength(600);
    expect(new Set(listed).size).toBe(600);
    expect(plan.projects.split(',').sort()).toEqual([...listed].sort());
    for (const e of include)
      expect(e.project).toBe(e.projects.includes(',') ? undefined : e.projects);
    // The 30 two-hour projects each sit in a job of their own; no job runs past 2 hours.
    const big = new Set(Array.from({ length: 30 }, (_, k) => name(k * 20 + 3)));
    for (const e of include) {
      const names = e.projects.split(',');
      if (names.some((n) => big.has(n))) expect(names).toHaveLength(1);
    }
    expect(Math.max(...plan.jobs.map((j) => j.estimate_ms ?? Infinity))).toBe(7_200_000);
  });

  it('fits the matrix to --max-jobs, and refuses a value GitHub would not run', async () => {
    const file = fleetConfig(40);
    const out = tmp('fleet-out-');
    const base = ['plan', '--config', file, '--out', out, '--at', at, '--json'];
    const small = await cli([...base, '--max-jobs', '6'], {});
    expect(small.code, small.stderr).toBe(0);
    const plan = JSON.parse(small.stdout) as Plan;
    expect(plan.matrix.include).toHaveLength(6);
    // Nothing known of any set: an even spread by count.
    expect(plan.matrix.include.map((e) => e.projects.split(',').length).sort()).toEqual([
      6, 6, 7, 7, 7, 7,
    ]);

    const one = await cli([...base], {});
    expect((JSON.parse(one.stdout) as Plan).matrix.include.slice(0, 2)).toEqual([
      { project: 'p000', projects: 'p000', job: 1 },
      { project: 'p001', projects: 'p001', job: 2 },
    ]);

    for (const bad of ['257', '0']) {
      const res = await cli([...base, '--max-jobs', bad], {});
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`--max-jobs: "${bad}" is not a whole number from 1 to 256`);
    }
  });
});
