import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig, selectProjects } from '../../src/config/load.js';
import { DEFAULT_SUPABASE_CLI_VERSION, type Config } from '../../src/config/types.js';
import { ConfigError, UsageError, type ConfigIssue } from '../../src/errors.js';

/** The ConfigError issues of `text`, as "line:col path: message" lines. */
function problems(text: string): ConfigIssue[] {
  try {
    parseConfig(text, 'cfg.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
/** The first issue (fails the test when there is none). */
function first(issues: ConfigIssue[]): ConfigIssue {
  const [issue] = issues;
  if (!issue) throw new Error('expected at least one issue');
  return issue;
}
const where = (i: ConfigIssue) => `${i.file}:${i.line}:${i.column}: ${i.path}`;

describe('the example backups.config.yaml', () => {
  it('loads, with one project "demo" reading DEMO_DB_URL, all three parts, kept locally', async () => {
    const file = resolve(import.meta.dirname, '../../backups.config.yaml');
    const config = await loadConfigFile(file);
    expect(config).toEqual({
      version: 1,
      file,
      projects: [
        {
          name: 'demo',
          db_url_secret: 'DEMO_DB_URL',
          parts: ['roles', 'schema', 'data'],
          exclude_tables: [],
          engine: 'supabase-cli',
          supabase_cli_version: DEFAULT_SUPABASE_CLI_VERSION,
          // `npm run demo` runs the CLI outside GitHub: artifact and branch would need GitHub.
          destinations: ['local'],
          branch: 'supabase-backups',
          artifact_prefix: 'supabase-backup',
          allow_unencrypted_public: false,
          retention: { keep_daily: 7, keep_weekly: 4, keep_monthly: 12 },
        },
      ],
    });
  });
});

describe('docs/config.md', () => {
  it('its first example parses', async () => {
    const doc = await readFile(resolve(import.meta.dirname, '../../docs/config.md'), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const config = parseConfig(example, 'docs/config.md');
    expect(config.projects.map((p) => [p.name, p.parts, p.compression])).toEqual([
      ['prod', ['roles', 'schema', 'data'], undefined],
      ['staging', ['schema', 'data'], 'gzip'],
    ]);
    expect(config.projects.map((p) => [p.destinations, p.retention])).toEqual([
      [['artifact', 'branch'], { keep_daily: 7, keep_weekly: 4, keep_monthly: 12 }],
      [['artifact', 'branch'], { keep_daily: 7, keep_weekly: 4, keep_monthly: 12 }],
    ]);
  });
});

describe('parseConfig: defaults', () => {
  it('applies built-in defaults to a minimal project', () => {
    const config = parseConfig(
      'version: 1\nprojects:\n  - name: a\n    db_url_secret: A_URL\n',
      'x.yaml',
    );
    expect(config.file).toBe('x.yaml');
    expect(config.projects).toEqual([
      {
        name: 'a',
        db_url_secret: 'A_URL',
        parts: ['roles', 'schema', 'data'],
        exclude_tables: [],
        engine: 'supabase-cli',
        supabase_cli_version: DEFAULT_SUPABASE_CLI_VERSION,
        destinations: ['artifact'],
        branch: 'supabase-backups',
        artifact_prefix: 'supabase-backup',
        allow_unencrypted_public: false,
      },
    ]);
    for (const key of [
      'compression',
      'schemas',
      'repository',
      'artifact_retention_days',
      'retention',
    ]) {
      expect(config.projects[0]).not.toHaveProperty(key);
    }
  });

  it('merges project > defaults > built-in, and orders parts canonically', () => {
    const config = parseConfig(
      [
        'version: 1',
        'defaults:',
        '  parts: [data, roles]',
        '  compression: gzip',
        '  engine: pg-dump',
        '  schemas: [public]',
        '  exclude_tables: [public.logs]',
        '  supabase_cli_version: "v2.9.0"',
        'projects:',
        '  - name: a',
        '    db_url_secret: A',
        '  - name: b',
        '    ref: abcdefghijklmnopqrst',
        '    db_url_secret: B',
        '    parts: [schema, roles]',
        '    compression: none',
        '    engine: docker',
        '    schemas: [app, public]',
        '    exclude_tables: []',
        '    supabase_cli_version: "3.2.1"',
      ].join('\n'),
      'x.yaml',
    );
    const [a, b] = config.projects;
    expect(a).toEqual({
      name: 'a',
      db_url_secret: 'A',
      parts: ['roles', 'data'],
      schemas: ['public'],
      exclude_tables: ['public.logs'],
      compression: 'gzip',
      engine: 'pg-dump',
      supabase_cli_version: '2.9.0',
      destinations: ['artifact'],
      branch: 'supabase-backups',
      artifact_prefix: 'supabase-backup',
      allow_unencrypted_public: false,
    });
    expect(b).toEqual({
      name: 'b',
      ref: 'abcdefghijklmnopqrst',
      db_url_secret: 'B',
      parts: ['roles', 'schema'],
      schemas: ['app', 'public'],
      exclude_tables: [],
      compression: 'none',
      engine: 'docker',
      supabase_cli_version: '3.2.1',
      destinations: ['artifact'],
      branch: 'supabase-backups',
      artifact_prefix: 'supabase-backup',
      allow_unencrypted_public: false,
    });
  });

  it('drill: defaults turn it on, a project may turn it off; a non-boolean is an error', () => {
    const config = parseConfig(
      'version: 1\ndefaults: {drill: true}\nprojects:\n  - {name: a, db_url_secret: A}\n  - {name: b, db_url_secret: B, drill: false}\n',
      'x',
    );
    expect(config.projects.map((p) => p.drill)).toEqual([true, undefined]);
    const issues = problems(
      'version: 1\nprojects:\n  - {name: a, db_url_secret: A, drill: yes please}\n',
    );
    expect(first(issues).message).toBe('drill must be true or false');
  });

  it('accepts an empty defaults block and a BOM', () => {
    const config = parseConfig(
      '\uFEFFversion: 1\ndefaults:\nprojects: [{name: a, db_url_secret: A}]\n',
      'x',
    );
    expect(config.projects.map((p) => p.name)).toEqual(['a']);
  });
});

describe('parseConfig: errors', () => {
  it('unknown key: at the key, with a did-you-mean suggestion', () => {
    const [issue, ...rest] = problems(
      'version: 1\nprojects:\n  - name: a\n    db_url_secret: A\n    compresion: gzip\n',
    );
    expect(rest).toEqual([]);
    expect(issue).toEqual({
      file: 'cfg.yaml',
      line: 5,
      column: 5,
      path: 'projects[0].compresion',
      message: 'unknown key "compresion"; did you mean "compression"?',
    });
  });

  it('unknown key without a near match lists the allowed keys; per-project keys refused in defaults', () => {
    const issues = problems(
      'version: 1\nbackups: {}\ndefaults:\n  name: x\nprojects:\n  - {name: a, db_url_secret: A}\n',
    );
    expect(issues.map((i) => [where(i), i.message])).toEqual([
      ['cfg.yaml:2:1: backups', 'unknown key "backups"; allowed keys: version, defaults, projects'],
      ['cfg.yaml:4:3: defaults.name', '"name" cannot be set in defaults; set it on each project'],
    ]);
  });

  it('bad enum value: at the value, listing what is allowed', () => {
    const issues = problems(
      'version: 1\nprojects:\n  - name: a\n    db_url_secret: A\n  - name: b\n    db_url_secret: B\n    compression: zst\n',
    );
    expect(issues).toHaveLength(1);
    expect(where(first(issues))).toBe('cfg.yaml:7:18: projects[1].compression');
    expect(first(issues).message).toBe(
      'unknown compression "zst"; allowed: zstd, gzip, none; did you mean "zstd"?',
    );
  });

  it('bad part and engine, repeated part', () => {
    const issues = problems(
      'version: 1\nprojects:\n  - name: a\n    db_url_secret: A\n    parts: [roles, dta]\n    engine: pg_dump\n  - name: b\n    db_url_secret: B\n    parts: [data, data]\n',
    );
    expect(issues.map((i) => `${where(i)}: ${i.message}`)).toEqual([
      'cfg.yaml:5:20: projects[0].parts[1]: unknown part "dta"; allowed: roles, schema, data, storage, functions, settings; did you mean "data"?',
      'cfg.yaml:6:13: projects[0].engine: unknown engine "pg_dump"; allowed: supabase-cli, pg-dump, docker; did you mean "pg-dump"?',
      'cfg.yaml:9:19: projects[1].parts[1]: "data" is listed twice in parts',
    ]);
  });

  it('bad project name', () => {
    const issue = first(
      problems('version: 1\nprojects:\n  - name: Prod DB\n    db_url_secret: A\n'),
    );
    expect(where(issue)).toBe('cfg.yaml:3:11: projects[0].name');
    expect(issue.message).toMatch(/^invalid project name "Prod DB"; use 1-63 lowercase letters/);
  });

  it('duplicate project name: on the second occurrence', () => {
    const issues = problems(
      'version: 1\nprojects:\n  - name: prod\n    db_url_secret: A\n  - name: prod\n    db_url_secret: B\n',
    );
    expect(issues).toEqual([
      {
        file: 'cfg.yaml',
        line: 5,
        column: 11,
        path: 'projects[1].name',
        message:
          'duplicate project name "prod" (already used by projects[0]); names must be unique',
      },
    ]);
  });

  it('a URL in db_url_secret: explains secrets and never repeats the URL', () => {
    const url =
      'postgresql://postgres:hunter2secret@db.abcdefghijklmnopqrst.supabase.co:5432/postgres';
    const issues = problems(`version: 1\nprojects:\n  - name: a\n    db_url_secret: ${url}\n`);
    expect(issues).toHaveLength(1);
    expect(where(first(issues))).toBe('cfg.yaml:4:20: projects[0].db_url_secret');
    expect(first(issues).message).toContain('put the URL in a repository secret');
    expect(first(issues).message).toContain('`db_url_secret: PROD_DB_URL`');
    const text = JSON.stringify(issues);
    expect(text).not.toContain('hunter2secret');
    expect(text).not.toContain('supabase.co');
  });

  it('db_url_secret that is not a variable name', () => {
    const issue = first(
      problems('version: 1\nprojects:\n  - name: a\n    db_url_secret: PROD-DB-URL\n'),
    );
    expect(where(issue)).toBe('cfg.yaml:4:20: projects[0].db_url_secret');
    expect(issue.message).toMatch(/must be an environment variable name/);
  });

  it('missing version, and unsupported version', () => {
    const missing = problems('projects:\n  - name: a\n    db_url_secret: A\n');
    expect(missing.map((i) => `${where(i)}: ${i.message}`)).toEqual([
      'cfg.yaml:1:1: version: missing required key "version"; add `version: 1` (the supported config version)',
    ]);
    const two = problems('version: 2\nprojects:\n  - name: a\n    db_url_secret: A\n');
    expect(two.map((i) => `${where(i)}: ${i.message}`)).toEqual([
      'cfg.yaml:1:10: version: unsupported version 2; the supported config version is 1 (write `version: 1`)',
    ]);
  });

  it('missing required keys point at the mapping that lacks them', () => {
    const issues = problems('version: 1\nprojects:\n  - name: a\n  - ref: abcdefghijklmnopqrst\n');
    expect(issues.map((i) => `${where(i)}: ${i.message}`)).toEqual([
      'cfg.yaml:3:5: projects[0].db_url_secret: missing required key "db_url_secret"',
      'cfg.yaml:4:5: projects[1].name: missing required key "name"',
      'cfg.yaml:4:5: projects[1].db_url_secret: missing required key "db_url_secret"',
    ]);
  });

  it('empty projects, and a config that is not a mapping', () => {
    expect(problems('version: 1\nprojects: []\n').map((i) => `${where(i)}: ${i.message}`)).toEqual([
      'cfg.yaml:2:11: projects: projects is empty; add at least one project with name and db_url_secret',
    ]);
    const empty = first(problems(''));
    expect(`${where(empty)}: ${empty.message}`).toBe(
      'cfg.yaml:1:1: : the config must be a YAML mapping with `version: 1` and a `projects:` list, got nothing',
    );
  });

  it('YAML syntax error: its own line and column', () => {
    const issues = problems('version: 1\nprojects:\n  - name: a\n    db_url_secret: [A\n');
    expect(issues.length).toBeGreaterThan(0);
    expect(first(issues).message).toMatch(/^YAML syntax error: /);
    expect(first(issues).line).toBeGreaterThanOrEqual(4);
    const tab = problems('version: 1\nprojects:\n\t- name: a\n');
    expect(tab[0]).toMatchObject({ file: 'cfg.yaml', line: 3, column: 1 });
    expect(first(tab).message).toMatch(/^YAML syntax error: .*[Tt]ab/);
  });

  it('duplicate YAML key: an error at the second key, reported with schema errors', () => {
    const issues = problems(
      'version: 1\nprojects:\n  - name: a\n    db_url_secret: A\n    name: b\n    engine: dock\n',
    );
    expect(issues.map((i) => `${where(i)}: ${i.message.split(';')[0]}`)).toEqual([
      'cfg.yaml:5:5: projects[0].name: duplicate key "name"',
      'cfg.yaml:6:13: projects[0].engine: unknown engine "dock"',
    ]);
  });

  it('reports every problem at once, in file order, in the ConfigError message', () => {
    const text = [
      'version: 1', // 1
      'defaults:', // 2
      '  compresion: gzip', // 3
      'projects:', // 4
      '  - name: prod', // 5
      '    db_url_secret: PROD_DB_URL', // 6
      '    parts: []', // 7
      '  - name: prod', // 8
      '    db_url_secret: postgres://u:p@h/db', // 9
      '    exclude_tables: [audit_log]', // 10
      '    supabase_cli_version: 3.1', // 11
    ].join('\n');
    let error: unknown;
    try {
      parseConfig(text, 'backups.config.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { issues, message, kind } = error as ConfigError;
    expect(kind).toBe('config');
    expect(issues.map(where)).toEqual([
      'backups.config.yaml:3:3: defaults.compresion',
      'backups.config.yaml:7:12: projects[0].parts',
      'backups.config.yaml:8:11: projects[1].name',
      'backups.config.yaml:9:20: projects[1].db_url_secret',
      'backups.config.yaml:10:22: projects[1].exclude_tables[0]',
      'backups.config.yaml:11:27: projects[1].supabase_cli_version',
    ]);
    expect(message.split('\n')[0]).toBe('Invalid config (6 problems):');
    expect(message).toContain(
      'backups.config.yaml:10:22: projects[1].exclude_tables[0]: invalid table "audit_log"; write "schema.table"',
    );
    expect(message).toContain(
      'supabase_cli_version must be a quoted version such as "3.1.0", got the number 3.1',
    );
    expect(message).not.toContain('u:p@h');
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-test-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a missing file is one issue at 1:1 saying how to create one', async () => {
    const file = join(dir, 'nope.yaml');
    const err = await loadConfigFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const { issues } = err as ConfigError;
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file, line: 1, column: 1, path: '' });
    expect(first(issues).message).toMatch(
      /not found; create it with `version: 1` and a `projects:` list/,
    );
  });

  it('reads and validates a file, naming it in issues', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      'version: 1\nprojects:\n  - name: a\n    db_url_secret: A\n    engine: x\n',
    );
    const err = await loadConfigFile(file).catch((e: unknown) => e);
    expect((err as ConfigError).issues[0]).toMatchObject({ file, line: 5, column: 13 });
  });
});

describe('selectProjects', () => {
  const config: Config = parseConfig(
    'version: 1\nprojects:\n  - {name: prod, db_url_secret: P}\n  - {name: staging, db_url_secret: S}\n  - {name: dev, db_url_secret: D}\n',
    'backups.config.yaml',
  );
  const names = (ps: { name: string }[]) => ps.map((p) => p.name);

  it('undefined or empty means all', () => {
    expect(names(selectProjects(config, undefined))).toEqual(['prod', 'staging', 'dev']);
    expect(names(selectProjects(config, []))).toEqual(['prod', 'staging', 'dev']);
  });

  it('keeps config order, accepts comma lists, ignores repeats', () => {
    expect(names(selectProjects(config, ['dev', 'prod']))).toEqual(['prod', 'dev']);
    expect(names(selectProjects(config, ['dev,staging', 'dev']))).toEqual(['staging', 'dev']);
  });

  it('an unknown name is a UsageError listing the configured names', () => {
    expect(() => selectProjects(config, ['prod', 'stagin'])).toThrow(UsageError);
    expect(() => selectProjects(config, ['stagin'])).toThrow(
      'unknown project "stagin" (did you mean "staging"?); backups.config.yaml configures: prod, staging, dev',
    );
  });
});
