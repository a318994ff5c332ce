import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { BRANCH_RE, branchProblem } from '../../src/config/storage-schema.js';
import type { ProjectConfig } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';

/** Each problem of `text` as "line:col path: message". */
function problems(text: string): string[] {
  try {
    parseConfig(text, 'cfg.yaml');
  } catch (err) {
    if (err instanceof ConfigError) {
      return err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
    }
    throw err;
  }
  throw new Error('expected a ConfigError');
}
const project = (lines: string[]) =>
  ['version: 1', 'projects:', '  - name: a', '    db_url_secret: A', ...lines].join('\n');

describe('storage keys: merging', () => {
  it('project > defaults > built-in; destinations in canonical order', () => {
    const config = parseConfig(
      [
        'version: 1',
        'defaults:',
        '  destinations: [branch, artifact]',
        '  branch: backups/db',
        '  repository: my-org/db-backups',
        '  artifact_prefix: db',
        '  artifact_retention_days: 30',
        'projects:',
        '  - name: a',
        '    db_url_secret: A',
        '  - name: b',
        '    db_url_secret: B',
        '    destinations: [local]',
        '    branch: other',
        '    repository: someone/else.backups',
        '    artifact_prefix: b_2',
        '    artifact_retention_days: 1',
      ].join('\n'),
      'x.yaml',
    );
    const pick = ({
      destinations,
      branch,
      repository,
      artifact_prefix,
      artifact_retention_days,
    }: ProjectConfig) => ({
      destinations,
      branch,
      repository,
      artifact_prefix,
      artifact_retention_days,
    });
    expect(config.projects.map(pick)).toEqual([
      {
        destinations: ['artifact', 'branch'],
        branch: 'backups/db',
        repository: 'my-org/db-backups',
        artifact_prefix: 'db',
        artifact_retention_days: 30,
      },
      {
        destinations: ['local'],
        branch: 'other',
        repository: 'someone/else.backups',
        artifact_prefix: 'b_2',
        artifact_retention_days: 1,
      },
    ]);
  });

  it('built-in defaults: [artifact], supabase-backups, supabase-backup; no repository or days', () => {
    const [p] = parseConfig(project([]), 'x.yaml').projects;
    expect(p).toMatchObject({
      destinations: ['artifact'],
      branch: 'supabase-backups',
      artifact_prefix: 'supabase-backup',
    });
    expect(p).not.toHaveProperty('repository');
    expect(p).not.toHaveProperty('artifact_retention_days');
  });
});

describe('storage keys: errors at the value', () => {
  it('destinations: empty, unknown (with a suggestion), repeated, not a list', () => {
    expect(problems(project(['    destinations: []']))).toEqual([
      '5:19 projects[0].destinations: destinations must not be empty; remove the key to use the default',
    ]);
    expect(problems(project(['    destinations: [artifacts, branch]']))).toEqual([
      '5:20 projects[0].destinations[0]: unknown destination "artifacts"; allowed: artifact, branch, s3, local; did you mean "artifact"?',
    ]);
    expect(problems(project(['    destinations: [branch, artifact, branch]']))).toEqual([
      '5:38 projects[0].destinations[2]: "branch" is listed twice in destinations',
    ]);
    expect(problems(project(['    destinations: artifact']))).toEqual([
      '5:19 projects[0].destinations: destinations must be a list such as [artifact, branch], got the string "artifact"',
    ]);
  });

  it('branch: says what is wrong, then the rule', () => {
    const [issue, ...rest] = problems(project(['    branch: "backups..old"']));
    expect(rest).toEqual([]);
    expect(issue).toMatch(
      /^5:13 projects\[0\]\.branch: invalid branch "backups\.\.old" \(it contains "\.\."\); use a git branch name such as "supabase-backups": /,
    );
  });

  it('repository: owner/name; a URL is refused without quoting it', () => {
    expect(problems(project(['    repository: db-backups']))).toEqual([
      '5:17 projects[0].repository: invalid repository "db-backups"; write "owner/name" of a GitHub repository, e.g. "my-org/db-backups"',
    ]);
    const url = problems(
      project(['    repository: https://x-access-token:ghp_SECRET@github.com/o/r']),
    );
    expect(url).toHaveLength(1);
    expect(url[0]).toContain('not a URL');
    expect(url.join()).not.toContain('ghp_SECRET');
    expect(problems(project(['    repository: o/r.git']))).toEqual([
      '5:17 projects[0].repository: invalid repository "o/r.git"; write it without ".git", e.g. my-org/db-backups',
    ]);
  });

  it('artifact_retention_days: 1..90, whole', () => {
    for (const bad of ['0', '91', '7.5', '"30"']) {
      expect(problems(project([`    artifact_retention_days: ${bad}`]))).toEqual([
        `5:30 projects[0].artifact_retention_days: artifact_retention_days must be a whole number of days from 1 to 90 (GitHub's limit), got the ${bad.startsWith('"') ? `string ${bad}` : `number ${bad}`}`,
      ]);
    }
    expect(
      parseConfig(project(['    artifact_retention_days: 90']), 'x').projects[0],
    ).toMatchObject({ artifact_retention_days: 90 });
  });

  it('artifact_prefix: the project-name rule', () => {
    expect(problems(project(['    artifact_prefix: Supabase Backup']))).toEqual([
      '5:22 projects[0].artifact_prefix: invalid artifact_prefix "Supabase Backup"; use 1-63 lowercase letters, digits, "_" or "-", starting with a letter or digit',
    ]);
  });

  it('unknown storage-like keys get suggestions', () => {
    expect(problems(project(['    destination: [artifact]']))).toEqual([
      '5:5 projects[0].destination: unknown key "destination"; did you mean "destinations"?',
    ]);
  });
});

describe('branch names', () => {
  const table: [string, string | undefined][] = [
    ['supabase-backups', undefined],
    ['backups/prod', undefined],
    ['backups_2026.v1', undefined],
    ['a', undefined],
    ['', 'it is empty'],
    ['my backups', 'it contains a space or a control character'],
    ['tab\there', 'it contains a space or a control character'],
    ['a..b', 'it contains ".."'],
    ['a~1', 'it contains "~"'],
    ['a^', 'it contains "^"'],
    ['a:b', 'it contains ":"'],
    ['a?', 'it contains "?"'],
    ['a*', 'it contains "*"'],
    ['a[0]', 'it contains "["'],
    ['a\\b', 'it contains "\\"'],
    ['a//b', 'it contains "//"'],
    ['a@{1}', 'it contains "@{"'],
    ['-backups', 'it starts with "-"'],
    ['/backups', 'it starts with "/"'],
    ['.backups', 'it starts with "."'],
    ['backups/', 'it ends with "/"'],
    ['backups.', 'it ends with "."'],
    ['backups.lock', 'it ends with ".lock"'],
    ['a/.hidden', 'a part after "/" starts with "."'],
    ['a.lock/b', 'a part before "/" ends with ".lock"'],
    ['refs/heads/backups', 'write the branch name alone, without "refs/heads/"'],
    ['HEAD', '"HEAD" is not a branch name'],
    ['@', '"@" is not a branch name'],
    ['x'.repeat(256), 'it is longer than 255 characters'],
  ];
  it.each(table)('%j: %s', (name, problem) => {
    expect(branchProblem(name)).toBe(problem);
    // The JSON Schema pattern editors use agrees with the loader.
    expect(BRANCH_RE.test(name)).toBe(problem === undefined);
  });
});
