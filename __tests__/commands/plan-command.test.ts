/**
 * `supabase-backup plan`: due projects from schedules and the newest good sets, found on a
 * backup branch (a real git server) and in the local output directory.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SetWriter } from '../../src/set/writer.js';
import { DEFAULT_BRANCH_AUTHOR, pushSetsToBranch } from '../../src/destinations/branch/commit.js';
import type { FinishedSet } from '../../src/destinations/types.js';
import { cli } from '../support/cli.js';
import { startGitServer, type GitServer } from '../support/git-server.js';
import { commitSet, pipelinePart, testManifest } from '../support/test-set.js';
import { tmp } from '../support/temp-dirs.js';

const TOKEN = 'ghs_plan-test-token-0123456789';
const REPO = 'octo/backups';

let server: GitServer;
beforeAll(async () => {
  server = await startGitServer({ token: TOKEN });
  await server.createBareRepo(`${REPO}.git`);
});
afterAll(async () => {
  await server.close();
});

/** A complete set of `project` started at `at`, written under `root`. */
async function makeSet(root: string, project: string, at: string): Promise<FinishedSet> {
  const writer = await SetWriter.begin(root, project, new Date(at));
  const part = await pipelinePart(writer.dir, 'schema', 'schema.sql.gz', 'SELECT 1;\n');
  return commitSet(writer, testManifest(writer, project, at, [part]));
}

function config(): string {
  const file = join(tmp('cfg-'), 'backups.config.yaml');
  writeFileSync(
    file,
    `version: 1
defaults:
  schedule: "0 3 * * *"
projects:
  - name: prod
    db_url_secret: PROD_DB_URL
    destinations: [branch]
  - name: local
    db_url_secret: LOCAL_DB_URL
    destinations: [local]
  - name: hourly
    db_url_secret: HOURLY_DB_URL
    destinations: [local]
    schedule: "15 * * * *"
  - name: always
    db_url_secret: ALWAYS_DB_URL
    destinations: [local]
    schedule: null
`,
  );
  return file;
}

describe('supabase-backup plan', () => {
  it('reads the branch catalog and the local sets, and prints the due projects and a matrix', async () => {
    const out = tmp('out-');
    const branchSet = await makeSet(tmp('set-'), 'prod', '2026-11-22T03:04:00Z');
    await pushSetsToBranch(
      [branchSet],
      {
        remoteUrl: server.url(`${REPO}.git`),
        branch: 'supabase-backups',
        token: TOKEN,
        author: DEFAULT_BRANCH_AUTHOR,
      },
      { workDir: tmp('work-'), logger: quietLogger() },
    );
    await makeSet(out, 'local', '2026-11-21T03:02:00Z');
    await makeSet(out, 'local', '2026-11-22T03:02:00Z');
    await makeSet(out, 'hourly', '2026-11-22T09:20:00Z');
    const file = config();
    const env = {
      PATH: process.env.PATH,
      GITHUB_REPOSITORY: REPO,
      GIT_SERVER_URL: server.url('').replace(/\/$/, ''),
      GITHUB_TOKEN: TOKEN,
      GITHUB_EVENT_NAME: 'schedule',
    };
    const args = ['plan', '--config', file, '--out', out];

    const json = await cli([...args, '--at', '2026-11-22T10:30:00Z', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout) as {
      projects: string;
      matrix: unknown;
      decisions: { project: string; due: boolean; last_good: string | null }[];
    };
    expect(result.projects).toBe('hourly,always');
    expect(result.matrix).toEqual({
      include: [
        { project: 'hourly', projects: 'hourly', job: 1 },
        { project: 'always', projects: 'always', job: 2 },
      ],
    });
    expect(result.decisions.map((d) => [d.project, d.due, d.last_good])).toEqual([
      ['prod', false, '2026-11-22T03:04:00.000Z'],
      ['local', false, '2026-11-22T03:02:00.000Z'],
      ['hourly', true, '2026-11-22T09:20:00.000Z'],
      ['always', true, null],
    ]);
    expect(json.stderr).toContain('prod (every day at 03:00 UTC): not due: last good set');
    expect(json.stderr).not.toContain(TOKEN);

    // The next day at 03:10 everything is due again; plain output lists the names.
    const next = await cli([...args, '--at', '2026-11-23T03:10:00Z'], env);
    expect(next.stdout).toBe('prod\nlocal\nhourly\nalways\n');

    // A manual run backs up everything selected, whatever the schedule.
    const manual = await cli([...args, '--at', '2026-11-22T10:30:00Z', '--project', 'prod'], {
      ...env,
      GITHUB_EVENT_NAME: 'workflow_dispatch',
    });
    expect(manual.stdout).toBe('prod\n');
  });

  it('treats an unreadable branch as "never backed up" with a warning, and refuses a bad --at', async () => {
    const file = config();
    const env = {
      PATH: process.env.PATH,
      GITHUB_REPOSITORY: 'octo/missing',
      GIT_SERVER_URL: server.url('').replace(/\/$/, ''),
      GITHUB_TOKEN: TOKEN,
    };
    const res = await cli(
      [
        'plan',
        '--config',
        file,
        '--out',
        tmp('out-'),
        '--project',
        'prod',
        '--at',
        '2026-11-22T10:30:00Z',
      ],
      env,
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('prod\n');
    expect(res.stderr).toMatch(
      /warning: prod: cannot read the sets in the backup branch supabase-backups/,
    );

    const bad = await cli(['plan', '--config', file, '--at', 'yesterday'], env);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain('--at: "yesterday" is not a time such as 2026-11-22T03:15:00Z');
  });
});

function quietLogger() {
  const none = () => undefined;
  return {
    info: none,
    notice: none,
    warning: none,
    error: none,
    debug: none,
    mask: none,
    group: <T>(_t: string, fn: () => Promise<T>) => fn(),
  };
}
