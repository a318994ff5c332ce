/**
 * The built action over several runs, as the runner runs it: the job summary charts the sets of
 * earlier runs (local catalog), a project that cannot connect opens a GitHub issue (validated
 * against GitHub's OpenAPI description) and a webhook event, a second failure comments on it,
 * and the first success closes it. No secret reaches GitHub or the webhook.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runAction } from '../support/action.js';
import { backupEnv } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startGitHubRest, type GitHubRest } from '../support/github-rest.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

const TOKEN = 'ghs_gitopsRunTokenThatMustNeverLeak012345';
const DOWN_PASSWORD = 'down-pa55word-never-shown';

let source: Cluster;
let api: GitHubRest;
let hook: Server;
let hookUrl: string;
const events: Record<string, unknown>[] = [];
const work = mkdtempSync(join(tmpdir(), 'gitops-run-'));

beforeAll(async () => {
  source = await startCluster();
  await createSupabaseDb(source, 'app', { withUserContent: true });
  api = await startGitHubRest({ repository: 'acme/app', token: TOKEN });
  hook = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      events.push(JSON.parse(text) as Record<string, unknown>);
      res.writeHead(200);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/abc`;
  writeFileSync(
    join(work, 'backups.config.yaml'),
    [
      'version: 1',
      'defaults:',
      '  engine: pg-dump',
      '  destinations: [local]',
      '  alerts: { issues: true, webhook_url_secret: BACKUP_WEBHOOK_URL }',
      'projects:',
      '  - name: app',
      '    db_url_secret: APP_DB_URL',
      '  - name: down',
      '    db_url_secret: DOWN_DB_URL',
      '    parts: [schema]',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await source?.stop();
  await api?.close();
  await new Promise((r) => hook?.close(r));
});

let runs = 0;
function runBackup(downUrl: string) {
  runs++;
  return runAction({
    inputs: { 'out-dir': 'backups', 'github-token': TOKEN },
    env: {
      ...backupEnv({ APP_DB_URL: source.url('app'), DOWN_DB_URL: downUrl }),
      BACKUP_WEBHOOK_URL: hookUrl,
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: api.url,
      GITHUB_RUN_ID: String(1000 + runs),
    },
    temp: work,
  });
}

const closedPort = `postgresql://postgres:${DOWN_PASSWORD}@127.0.0.1:1/postgres`;

it('three failing runs of one project: an issue opened, then commented on; charts grow', async () => {
  for (let i = 1; i <= 3; i++) {
    const r = await runBackup(closedPort);
    expect(r.code, r.log).toBe(1);
    expect(r.log).toMatch(/::error::backup failed for down/);
    expect(r.log).toContain(i === 1 ? 'down: opened issue #1' : 'down: commented on issue #1');
    expect(r.summary).toContain(`<details open><summary><b>app</b>: ${i} newest set(s)</summary>`);
    expect(r.summary).toContain(`title "app: stored size, last ${i} set(s)"`);
    await new Promise((s) => setTimeout(s, 1100)); // set ids are per second
  }
  expect(api.issues).toHaveLength(1);
  expect(api.issues[0]).toMatchObject({ title: 'Supabase backup failing: down', state: 'open' });
  expect(api.issues[0]!.comments).toHaveLength(2);
  expect(api.issues[0]!.body).toContain('https://github.com/acme/app/actions/runs/1001');
  expect(events.map((e) => [e.event, e.project])).toEqual([
    ['failure', 'down'],
    ['failure', 'down'],
    ['failure', 'down'],
  ]);
});

it('the first success closes the issue and tells the webhook', async () => {
  await createSupabaseDb(source, 'down');
  const r = await runBackup(source.url('down'));
  expect(r.code, r.log).toBe(0);
  expect(r.log).toContain('down: recovered; closed issue #1');
  expect(api.issues[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
  expect(events.at(-1)).toMatchObject({ event: 'recovery', project: 'down' });
  expect(r.summary).toContain('<b>down</b>: 1 newest set(s)');
  expect(r.summary).toContain('<b>app</b>: 4 newest set(s)');
});

it('GitHub saw only valid requests, and no secret', () => {
  expect(api.violations).toEqual([]);
  const sent = JSON.stringify({ issues: api.issues, events });
  for (const secret of [DOWN_PASSWORD, TOKEN, hookUrl, source.url('app')])
    expect(sent).not.toContain(secret);
});
