import { describe, expect, it } from 'vitest';
import {
  FORMAT,
  FORMAT_VERSION,
  parseBackupJson,
  serializeBackupJson,
  type BackupManifest,
} from '../../src/catalog/backup-json.js';
import {
  entryFor,
  parseManifest,
  rebuildManifest,
  serializeManifest,
  setsInTree,
  type Manifest,
} from '../../src/catalog/manifest.js';
import { readmeOptionsFor, renderBranchReadme } from '../../src/catalog/readme.js';

const sha = (c: string) => c.repeat(64);
const COMMIT = 'a'.repeat(40);

function backup(
  project: string,
  setId: string,
  extra: Partial<BackupManifest> = {},
): BackupManifest {
  const iso = `${setId.slice(0, 13)}:${setId.slice(13, 15)}:${setId.slice(15, 17)}.000Z`;
  return {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    project,
    ref: null,
    set_id: setId,
    started_at: iso,
    finished_at: iso,
    engine: 'supabase-cli',
    tools: { node: '24.21.0' },
    server: { version: '17.4', major: 17 },
    parts: [
      {
        part: 'schema',
        file: 'schema.sql.zst',
        bytes: 2048,
        sha256: sha('1'),
        raw_bytes: 10_000,
        raw_sha256: sha('2'),
        compression: 'zstd',
        encryption: null,
        duration_ms: 5,
      },
      {
        part: 'data',
        file: 'data.sql.zst',
        bytes: 3 * 1024 * 1024,
        sha256: sha('3'),
        raw_bytes: 30 * 1024 * 1024,
        raw_sha256: sha('4'),
        compression: 'zstd',
        encryption: null,
        duration_ms: 50,
        chunks: [
          { file: 'data.sql.zst.000', bytes: 2 * 1024 * 1024, sha256: sha('5') },
          { file: 'data.sql.zst.001', bytes: 1024 * 1024, sha256: sha('6') },
        ],
      },
    ],
    tables: [
      { schema: 'public', name: 'orders', rows: 1_200_000 },
      { schema: 'public', name: 'users', rows: 34 },
    ],
    materialized_views: [],
    warnings: ['vault.secrets holds 2 secret(s) that are not backed up'],
    ...extra,
  };
}

function manifestOf(...entries: ReturnType<typeof entryFor>[]): Manifest {
  return {
    format: 'supabase-backup-manifest',
    format_version: 1,
    updated_at: '2026-11-23T00:00:00.000Z',
    sets: entries,
  };
}

describe('manifest.json', () => {
  it('describes a set from its backup.json', () => {
    const e = entryFor('prod/2026-11-22T031500Z', backup('prod', '2026-11-22T031500Z'), {
      commit: COMMIT,
      reason: 'schedule',
    });
    expect(e).toMatchObject({
      project: 'prod',
      set_id: '2026-11-22T031500Z',
      path: 'prod/2026-11-22T031500Z',
      status: 'ok',
      engine: 'supabase-cli',
      server_version: '17.4',
      bytes: 2048 + 3 * 1024 * 1024,
      raw_bytes: 10_000 + 30 * 1024 * 1024,
      tables: 2,
      rows: 1_200_034,
      commit: COMMIT,
      reason: 'schedule',
    });
    expect(e.parts.map((p) => p.files)).toEqual([
      ['schema.sql.zst'],
      ['data.sql.zst.000', 'data.sql.zst.001'],
    ]);
    expect(e.warnings).toHaveLength(1);
  });

  it('round-trips, sorted by project then time, with stable bytes', () => {
    const a = entryFor('b/2026-11-22T031500Z', backup('b', '2026-11-22T031500Z'), {
      commit: null,
      reason: null,
    });
    const b = entryFor('a/2026-11-23T031500Z', backup('a', '2026-11-23T031500Z'), {
      commit: COMMIT,
      reason: null,
    });
    const c = entryFor('a/2026-11-22T031500Z', backup('a', '2026-11-22T031500Z'), {
      commit: COMMIT,
      reason: 'x',
    });
    const text = serializeManifest(manifestOf(a, b, c));
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = parseManifest(text);
    expect(parsed.sets.map((e) => e.path)).toEqual([c.path, b.path, a.path]);
    expect(serializeManifest(parsed)).toBe(text);
    // Key order of the input does not matter.
    const shuffled = JSON.parse(text) as Manifest;
    shuffled.sets = shuffled.sets.map(
      (e) => Object.fromEntries(Object.entries(e).reverse()) as typeof e,
    );
    expect(serializeManifest(shuffled)).toBe(text);
  });

  it.each([
    [
      '{"format": "supabase-backup-manifest",',
      /^manifest\.json is not valid JSON( \(at byte \d+\))?$/,
    ],
    ['', /^manifest\.json is not valid JSON( \(at byte \d+\))?$/],
    [
      '{"format":"x","format_version":1,"updated_at":"t","sets":[]}',
      /not a valid backup catalog: format: /,
    ],
    [
      '{"format":"supabase-backup-manifest","format_version":2,"updated_at":"t","sets":[]}',
      /format_version/,
    ],
    ['{"format":"supabase-backup-manifest","format_version":1,"updated_at":"t"}', /sets: /],
  ])('refuses a corrupt manifest: %s', (text, message) => {
    expect(() => parseManifest(text)).toThrow(message);
  });

  it('carries the drill of a drilled set, and backup.json digests parse', () => {
    const drill = {
      ok: true,
      started_at: '2026-11-22T03:16:00.000Z',
      duration_ms: 4200,
      source_server: '15.8',
      drill_server: '15.18',
      older_server: false,
      tables: 1,
      rows: 3,
      digests: 1,
      error: null,
    };
    const drilled = backup('a', '2026-11-22T031500Z', {
      drill,
      tables: [{ schema: 'public', name: 't', rows: 3, columns: ['id'], digest: 'f'.repeat(32) }],
    });
    const plain = entryFor('a/2026-11-21T031500Z', backup('a', '2026-11-21T031500Z'), {
      commit: null,
      reason: null,
    });
    const entry = entryFor('a/2026-11-22T031500Z', drilled, { commit: null, reason: null });
    expect(entry.drill).toEqual(drill);
    expect('drill' in plain).toBe(false);
    const text = serializeManifest(manifestOf(plain, entry));
    expect(parseManifest(text).sets.map((e) => e.drill)).toEqual([undefined, drill]);
    const rebuilt = rebuildManifest({
      sets: [{ path: entry.path, backupJson: serializeBackupJson(drilled) }],
      previous: null,
      added: new Map(),
      updatedAt: 'now',
    });
    expect(rebuilt.skipped).toEqual([]);
    expect(rebuilt.manifest.sets[0]!.drill).toEqual(drill);
    const bad = serializeBackupJson({
      ...drilled,
      tables: [{ ...drilled.tables[0]!, digest: 'x' }],
    });
    expect(
      rebuildManifest({
        sets: [{ path: entry.path, backupJson: bad }],
        previous: null,
        added: new Map(),
        updatedAt: 'now',
      }).skipped[0]!.problem,
    ).toMatch(/tables\.0\.digest/);
  });

  it('names the field that is missing or wrong in an entry', () => {
    const e = entryFor('a/2026-11-22T031500Z', backup('a', '2026-11-22T031500Z'), {
      commit: null,
      reason: null,
    });
    const data = JSON.parse(serializeManifest(manifestOf(e))) as {
      sets: Record<string, unknown>[];
    };
    delete data.sets[0]!.rows;
    expect(() => parseManifest(JSON.stringify(data))).toThrow(/sets\.0\.rows: /);
    data.sets[0]!.rows = 1;
    data.sets[0]!.commit = 'not a sha';
    expect(() => parseManifest(JSON.stringify(data))).toThrow(/sets\.0\.commit: /);
    data.sets[0]!.commit = null;
    data.sets.push(data.sets[0]!);
    expect(() => parseManifest(JSON.stringify(data))).toThrow(/listed twice/);
  });

  it('rebuilds from the tree, keeping older commits and leaving out what does not read', () => {
    const old = entryFor('prod/2026-11-21T031500Z', backup('prod', '2026-11-21T031500Z'), {
      commit: COMMIT,
      reason: 'old reason',
    });
    const tree = setsInTree([
      [
        'prod/2026-11-21T031500Z/backup.json',
        serializeBackupJson(backup('prod', '2026-11-21T031500Z')),
      ],
      [
        'prod/2026-11-22T031500Z/backup.json',
        serializeBackupJson(backup('prod', '2026-11-22T031500Z')),
      ],
      ['prod/2026-11-23T031500Z/backup.json', '{broken'],
      [
        'prod/2026-11-24T031500Z/backup.json',
        serializeBackupJson(backup('prod', '2026-11-20T031500Z')),
      ],
      ['prod/2026-11-24T031500Z/data.sql.zst', 'ignored'],
      ['notes/backup.json', 'ignored'],
      ['manifest.json', 'ignored'],
    ]);
    const { manifest, skipped } = rebuildManifest({
      sets: [...tree].map(([path, backupJson]) => ({ path, backupJson })),
      previous: manifestOf(old),
      added: new Map([['prod/2026-11-22T031500Z', { commit: 'b'.repeat(40), reason: null }]]),
      updatedAt: '2026-11-25T00:00:00.000Z',
    });
    expect(manifest.sets.map((e) => [e.path, e.commit, e.reason])).toEqual([
      ['prod/2026-11-21T031500Z', COMMIT, 'old reason'],
      ['prod/2026-11-22T031500Z', 'b'.repeat(40), null],
    ]);
    expect(skipped.map((s) => s.path)).toEqual([
      'prod/2026-11-23T031500Z',
      'prod/2026-11-24T031500Z',
    ]);
    expect(skipped[1]!.problem).toMatch(/describes prod\/2026-11-20T031500Z/);
  });
});

describe('README.md of the branch', () => {
  const older = entryFor('prod/2026-11-21T031500Z', backup('prod', '2026-11-21T031500Z'), {
    commit: COMMIT,
    reason: 'workflow_dispatch: before | migration',
  });
  const newer = entryFor('prod/2026-11-22T031500Z', backup('prod', '2026-11-22T031500Z'), {
    commit: COMMIT,
    reason: null,
  });
  const other = entryFor(
    'staging/2026-11-22T040000Z',
    backup('staging', '2026-11-22T040000Z', { warnings: [] }),
    {
      commit: null,
      reason: null,
    },
  );
  const manifest = manifestOf(older, newer, other);
  const options = readmeOptionsFor('https://github.com/acme/app.git', 'supabase-backups');

  it('has one table per project, newest first, linking each set folder', () => {
    const page = renderBranchReadme(manifest, options);
    expect(page).toMatch(/^# Supabase backups of acme\/app\n/);
    expect(page).toContain('## prod');
    expect(page).toContain('## staging');
    expect(page).toContain(
      '| [2026-11-22T031500Z](./prod/2026-11-22T031500Z/) | 2026-11-22 03:15:00 UTC | schema, data | 3.0 MiB | 30.0 MiB | 1,200,034 | 1 |  |',
    );
    expect(page).toContain('| workflow_dispatch: before \\| migration |');
    expect(page.indexOf('(./prod/2026-11-22T031500Z/)')).toBeLessThan(
      page.indexOf('(./prod/2026-11-21T031500Z/)'),
    );
    expect(page.indexOf('## prod')).toBeLessThan(page.indexOf('## staging'));
    // staging has no reasons: no Reason column there.
    expect(page).toContain(
      '| [2026-11-22T040000Z](./staging/2026-11-22T040000Z/) | 2026-11-22 04:00:00 UTC | schema, data | 3.0 MiB | 30.0 MiB | 1,200,034 | 0 |\n',
    );
  });

  it('says how to restore and that it is generated', () => {
    const page = renderBranchReadme(manifest, options);
    expect(page).toContain(
      'git clone --single-branch --branch supabase-backups --depth 1 https://github.com/acme/app.git backups',
    );
    expect(page).toContain('sha256sum -c SHA256SUMS');
    expect(page).toContain(
      'npx supabase-backup@0 restore --from . --target-url-env NEW_PROJECT_DB_URL --yes',
    );
    expect(page).toContain("-c 'SET session_replication_role = replica' -f data.sql");
    expect(page).toMatch(/generated from `manifest.json`/);
  });

  it('is the same for the same manifest, and reads well when empty', () => {
    expect(renderBranchReadme(manifest, options)).toBe(
      renderBranchReadme(parseManifest(serializeManifest(manifest)), options),
    );
    const empty = renderBranchReadme(manifestOf(), { branch: 'b' });
    expect(empty).toContain('No backup sets yet.');
    expect(empty).toContain('<repository-url>');
    expect(readmeOptionsFor('http://127.0.0.1:4000/backups.git', 'b')).toEqual({ branch: 'b' });
  });
});

describe('a hostile catalog or set description (issue #13)', () => {
  const id = '2026-11-22T031500Z';
  const catalog = (edit: (e: Record<string, unknown>) => void): string => {
    const entry = entryFor(`a/${id}`, backup('a', id), { commit: null, reason: null });
    const raw = JSON.parse(JSON.stringify(entry)) as Record<string, unknown>;
    edit(raw);
    return JSON.stringify({
      format: 'supabase-backup-manifest',
      format_version: 1,
      updated_at: '2026-11-22T03:16:00.000Z',
      sets: [raw],
    });
  };

  it('confines every entry to <project>/<set-id>', () => {
    expect(parseManifest(catalog(() => undefined)).sets[0]!.path).toBe(`a/${id}`);
    for (const path of ['../outsideset', `a/${id}/..`, `/a/${id}`, `b/${id}`, `a/${id}/`])
      expect(() => parseManifest(catalog((e) => (e.path = path)))).toThrow(
        `sets.0.path: must be a/${id} (<project>/<set-id>), not ${JSON.stringify(path)}`,
      );
    expect(() => parseManifest(catalog((e) => (e.project = '..')))).toThrow(/sets\.0\.project: /);
    expect(() => parseManifest(catalog((e) => (e.set_id = '..')))).toThrow(/sets\.0\.set_id: /);
    expect(() =>
      parseManifest(
        catalog((e) => ((e.parts as { files: string[] }[])[0]!.files = ['../../x.sql'])),
      ),
    ).toThrow(/sets\.0\.parts\.0\.files\.0: must be a set's file name/);
  });

  it('refuses names and versions that would print more than one line', () => {
    const forged = 'x\n::notice::forged';
    expect(() => parseManifest(catalog((e) => (e.project = forged)))).toThrow(/project: must be/);
    expect(() => parseManifest(catalog((e) => (e.engine = forged)))).toThrow(
      /engine: must be one line without control characters/,
    );
    const json = (m: Partial<BackupManifest>) => serializeBackupJson({ ...backup('a', id), ...m });
    expect(() => parseBackupJson(json({ project: forged }))).toThrow(
      /project: must be a project name/,
    );
    expect(() => parseBackupJson(json({ set_id: `${id}\n::error::x` }))).toThrow(/set_id: /);
    expect(() =>
      parseBackupJson(json({ server: { version: '17\r::warning::x', major: 17 } })),
    ).toThrow(/server\.version: must be one line/);
    expect(() => parseBackupJson(json({ tools: { node: '24\u001b[2J' } }))).toThrow(
      /tools\.node: must be one line/,
    );
    expect(() => parseBackupJson(json({ started_at: 'yesterday' }))).toThrow(/started_at: /);
    // Free text stays as written (PostgreSQL names may hold anything): it is escaped when printed.
    const tables = [{ schema: 'public', name: 'a\nb', rows: 1 }];
    expect(parseBackupJson(json({ tables, warnings: ['two\nlines'] })).tables).toEqual(tables);
  });

  it('never echoes the text of a file that is not JSON', () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\n';
    expect(() => parseBackupJson(passwd)).toThrow(
      /^backup\.json is not valid JSON( \(at byte \d+\))?$/,
    );
    expect(() => parseManifest(passwd)).toThrow(
      /^manifest\.json is not valid JSON( \(at byte \d+\))?$/,
    );
  });
});
