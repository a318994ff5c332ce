/** Secrets wired into workflows: real workflow files in a temp directory, and the examples. */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readWorkflows } from '../../src/review/review.js';
import { checkWiring, usesThisAction } from '../../src/review/wiring.js';

const CONFIG = `version: 1
defaults:
  encryption:
    recipients_secret: AGE_RECIPIENTS
projects:
  - name: prod
    db_url_secret: PROD_DB_URL
  - name: staging
    db_url_secret: STAGING_DB_URL
    encryption: null
`;

const workflow = (steps: string, extra = '') => `name: backup
on: { schedule: [{ cron: '0 3 * * *' }] }
permissions: {}
${extra}jobs:
  backup:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6
${steps}`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wiring-'));
  await mkdir(join(dir, '.github/workflows'), { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function check(files: Record<string, string>, config = CONFIG) {
  for (const [name, text] of Object.entries(files))
    await writeFile(join(dir, '.github/workflows', name), text);
  return checkWiring(config, await readWorkflows(join(dir, '.github/workflows')));
}

describe('usesThisAction', () => {
  it.each([
    ['your-org/supabase-backup-action@v0', true],
    ['acme/supabase-backup-action@0123456789abcdef0123456789abcdef01234567', true],
    ['acme/supabase-backup-action/sub@v1', true],
    ['./', true],
    ['./.github/actions/supabase-backup', true],
    ['acme/other-action@v1', false],
    ['acme/supabase-backup-action-fork@v1', false],
    ['./.github/actions/setup', false],
    ['docker://alpine', false],
  ])('%s: %s', (uses, want) => expect(usesThisAction(uses)).toBe(want));
});

describe('checkWiring', () => {
  it('passes when the step passes every variable (job and workflow env count too)', async () => {
    const report = await check({
      'backup.yml': workflow(
        `      - uses: acme/supabase-backup-action@v1
        env:
          PROD_DB_URL: \${{ secrets.PROD_DB_URL }}
`,
        'env:\n  AGE_RECIPIENTS: ${{ vars.AGE_RECIPIENTS }}\n',
      ).replace(
        'runs-on: ubuntu-latest\n',
        'runs-on: ubuntu-latest\n    env:\n      STAGING_DB_URL: ${{ secrets.STAGING_DB_URL }}\n',
      ),
    });
    expect(report.checked).toEqual([join(dir, '.github/workflows/backup.yml')]);
    expect(report.issues).toEqual([]);
  });

  it('warns per project and variable, at the line of the key naming it', async () => {
    const report = await check({
      'backup.yml': workflow(`      - uses: acme/supabase-backup-action@v1
        env:
          PROD_DB_URL: \${{ secrets.PROD_DB_URL }}
`),
    });
    expect(report.issues.map((i) => [i.project, i.key, i.variable, i.line, i.column])).toEqual([
      ['prod', 'defaults.encryption.recipients_secret', 'AGE_RECIPIENTS', 4, 24],
      ['staging', 'projects[1].db_url_secret', 'STAGING_DB_URL', 9, 20],
    ]);
    expect(report.issues[1]!.message).toContain(
      'add `STAGING_DB_URL: ${{ secrets.STAGING_DB_URL }}` to that step',
    );
    expect(report.issues[1]!.message).toContain('backup.yml (job backup, step 2)');
  });

  it('ignores steps of other commands and other actions', async () => {
    const report = await check({
      'validate.yml': workflow(`      - uses: acme/supabase-backup-action@v1
        with:
          command: validate
      - uses: acme/other-action@v1
        env: { PROD_DB_URL: x }
`),
    });
    expect(report).toEqual({ checked: [], issues: [] });
  });

  it('a step that lists its projects only covers those', async () => {
    const report = await check({
      'prod.yml': workflow(`      - uses: acme/supabase-backup-action@v1
        with:
          projects: prod
        env:
          PROD_DB_URL: \${{ secrets.PROD_DB_URL }}
          AGE_RECIPIENTS: \${{ vars.AGE_RECIPIENTS }}
`),
    });
    expect(report.issues.map((i) => i.message)).toEqual([
      expect.stringContaining('project "staging": no workflow step runs this action\'s backup'),
    ]);
  });

  it('every step that backs a project up must pass its variable', async () => {
    const good = `      - uses: acme/supabase-backup-action@v1
        env:
          PROD_DB_URL: \${{ secrets.PROD_DB_URL }}
          STAGING_DB_URL: \${{ secrets.STAGING_DB_URL }}
          AGE_RECIPIENTS: x
`;
    const report = await check({
      'a.yml': workflow(good),
      'b.yaml': workflow(good.replace(/ +STAGING_DB_URL.*\n/, '')),
    });
    expect(report.issues.map((i) => [i.project, i.message.includes('b.yaml')])).toEqual([
      ['staging', true],
    ]);
  });

  it('an env given as an expression is taken as passing everything', async () => {
    const report = await check({
      'x.yml': workflow(`      - uses: acme/supabase-backup-action@v1
        env: \${{ fromJSON(vars.BACKUP_ENV) }}
`),
    });
    expect(report.issues).toEqual([]);
  });

  it('no workflow directory: nothing checked', async () => {
    await rm(join(dir, '.github'), { recursive: true });
    expect(checkWiring(CONFIG, await readWorkflows(join(dir, '.github/workflows')))).toEqual({
      checked: [],
      issues: [],
    });
  });
});

it("the example workflows pass every secret of the repository's own config", async () => {
  const report = checkWiring(
    await readFile('backups.config.yaml', 'utf8'),
    await readWorkflows('workflows-examples'),
  );
  expect(report.checked.length).toBeGreaterThanOrEqual(4);
  expect(report.issues).toEqual([]);
});
