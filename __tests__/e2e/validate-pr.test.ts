/**
 * `command: validate` on a pull_request event, as the runner runs the built action in a depth-1
 * checkout: it fetches the base commit named by the event, writes the plan to the job summary,
 * and annotates the config line of a secret the backup workflow does not pass.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAction } from '../support/action.js';
import { git, gitEnv } from '../support/git.js';

const WORKFLOW = `name: backup
on: { schedule: [{ cron: '5 * * * *' }] }
permissions: {}
jobs:
  backup:
    runs-on: ubuntu-latest
    permissions: { contents: read }
    steps:
      - uses: acme/supabase-backup-action@v1
        env:
          PROD_DB_URL: \${{ secrets.PROD_DB_URL }}
`;

let root: string;
let baseSha: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'validate-pr-'));
  const origin = join(root, 'origin');
  await mkdir(join(origin, '.github/workflows'), { recursive: true });
  await git(origin, 'init', '-q', '-b', 'main');
  await writeFile(join(origin, '.github/workflows/backup.yml'), WORKFLOW);
  await writeFile(
    join(origin, 'backups.config.yaml'),
    'version: 1\nprojects:\n  - name: prod\n    db_url_secret: PROD_DB_URL\n',
  );
  await git(origin, 'add', '.');
  await git(origin, 'commit', '-qm', 'base');
  baseSha = await git(origin, 'rev-parse', 'HEAD');
  await writeFile(
    join(origin, 'backups.config.yaml'),
    'version: 1\nprojects:\n  - name: prod\n    db_url_secret: PROD_DB_URL\n' +
      "    schedule: '0 3 * * *'\n" +
      '  - name: staging\n    db_url_secret: STAGING_DB_URL\n',
  );
  await git(origin, 'commit', '-qam', 'head');
  await git(root, 'clone', '-q', '--depth=1', `file://${origin}`, 'checkout');
});
afterAll(() => rm(root, { recursive: true, force: true }));

it('writes the plan against the base commit and annotates the unwired secret', async () => {
  const work = join(root, 'checkout');
  const event = join(root, 'event.json');
  await writeFile(
    event,
    JSON.stringify({
      pull_request: {
        number: 7,
        base: { sha: baseSha, repo: { full_name: 'acme/app' } },
        head: { sha: 'e'.repeat(40), repo: { full_name: 'acme/app' } },
      },
      repository: { full_name: 'acme/app', private: true },
    }),
  );
  const run = await runAction({
    inputs: { command: 'validate' },
    env: {
      ...gitEnv,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: 'acme/app',
    },
    cwd: work,
  });
  expect(run.code, run.log).toBe(0);
  expect(run.stdout).toContain(
    '::warning file=backups.config.yaml,line=7,col=20::project "staging": projects[1].db_url_secret names STAGING_DB_URL',
  );
  expect(run.stdout).not.toContain('::error');
  expect(run.summary).toContain(
    `Compared with the base branch (\`${baseSha.slice(0, 7)}\`): 1 added, 0 removed, 1 changed, 0 unchanged.`,
  );
  expect(run.summary).toContain('| schedule | every run | every day at 03:00 UTC (`0 3 * * *`) |');
  expect(run.summary).toContain('| **staging** | ➕ added |');
  expect(await git(work, 'status', '--porcelain')).toBe('');
});
