/**
 * Backups that cannot silently stop, tried as a user would: heartbeats to a local stand-in of
 * healthchecks.io's ping endpoints around real backups of a throwaway Supabase-shaped database
 * (the built CLI), and `check` against real sets in a local destination (the built CLI and the
 * built action, with a GitHub REST emulator for the alert issue).
 */
import {
  cpSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { streamLogger } from '../../src/log.js';
import { Heartbeats } from '../../src/alerts/heartbeat.js';
import { alertOctokit, reportFailure } from '../../src/alerts/issue.js';
import { runAction } from '../support/action.js';
import { builtCli } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startGitHubRest, type GitHubRest } from '../support/github-rest.js';
import { deadUrl, startHealthchecks, type Healthchecks } from '../support/healthchecks.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

const KEY = 'pingKey-7f3c9e1d';
const TOKEN = 'ghs_monitoringTestToken0000000000000000';
const DAY = 86_400_000;

let cluster: Cluster;
let hc: Healthchecks;
const dir = mkdtempSync(join(tmpdir(), 'monitoring-'));
const config = join(dir, 'backups.config.yaml');

beforeAll(async () => {
  cluster = await startCluster();
  await createSupabaseDb(cluster, 'app', { withUserContent: true });
  hc = await startHealthchecks(KEY);
  writeFileSync(
    config,
    `version: 1
defaults:
  engine: pg-dump
  destinations: [local]
  alerts: { issues: true, heartbeat_url_secret: HC_PING_URL }
projects:
  - name: app
    db_url_secret: APP_DB_URL
    schedule: "0 3 * * *"
  - name: other
    db_url_secret: OTHER_DB_URL
    max_age: 1w
`,
  );
});
afterAll(async () => {
  await hc?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = (extra: Record<string, string>) => ({
  ...process.env,
  APP_DB_URL: cluster.url('app'),
  HC_PING_URL: hc.pingUrl,
  ...extra,
});
const backup = (out: string, extra: Record<string, string> = {}) =>
  builtCli(['backup', '--config', config, '--project', 'app', '--out', out], env(extra));

/** Moves the project's one set to a set id `days` ago and says so in its backup.json. */
function age(out: string, days: number): string {
  const [id] = readdirSync(join(out, 'app'));
  const started = new Date(Date.now() - days * DAY);
  const oldId = started
    .toISOString()
    .replace(/:(\d\d)\.\d{3}Z$/, '$1Z')
    .replace(/:/g, '');
  renameSync(join(out, 'app', id!), join(out, 'app', oldId));
  const file = join(out, 'app', oldId, 'backup.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  m.set_id = oldId;
  m.started_at = started.toISOString();
  m.finished_at = new Date(started.getTime() + 60_000).toISOString();
  writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
  return oldId;
}

describe('heartbeats', () => {
  it('a backup pings start, then success, of its own check, with one run id', async () => {
    hc.pings.length = 0;
    const out = mkdtempSync(join(dir, 'out-'));
    const r = await backup(out);
    expect(r.code, r.stderr).toBe(0);
    expect(hc.pings.map((p) => [p.method, p.path, p.query.create, p.status])).toEqual([
      ['POST', `/ping/${KEY}/app/start`, '1', 201],
      ['POST', `/ping/${KEY}/app`, '1', 200],
    ]);
    expect(hc.pings[0]!.query.rid).toMatch(/^[0-9a-f-]{36}$/);
    expect(hc.pings[1]!.query.rid).toBe(hc.pings[0]!.query.rid);
    expect(r.stderr + r.stdout).not.toContain(KEY);
  });

  it('a failed backup pings fail with the error as body, its password blanked out', async () => {
    hc.pings.length = 0;
    const wrong = 'Wr0ng-pass-never-sent';
    const url = cluster.url('app').replace(/:[^:@]*@/, `:${wrong}@`);
    const r = await backup(mkdtempSync(join(dir, 'out-')), { APP_DB_URL: url });
    expect(r.code).toBe(1);
    expect(hc.pings.map((p) => p.path)).toEqual([
      `/ping/${KEY}/app/start`,
      `/ping/${KEY}/app/fail`,
    ]);
    const body = hc.pings[1]!.body;
    expect(body).toMatch(/password authentication failed|authentication/i);
    expect(body).not.toContain(wrong);
    expect(r.stderr).not.toContain(KEY);
  });

  it("the fail body blanks the project's secrets and any URL password, whatever the error says", async () => {
    hc.pings.length = 0;
    const cfg = parseConfig(
      'version: 1\nprojects:\n  - name: leaky\n    db_url_secret: LEAKY_DB_URL\n    alerts: { heartbeat_url_secret: HC }\n',
      'c.yaml',
    );
    const dbUrl =
      'postgresql://postgres.abcdefghijklmnopqrst:S3cret-db-pass@db.example.com:5432/postgres';
    let log = '';
    const beats = new Heartbeats(cfg.projects, {
      env: { LEAKY_DB_URL: dbUrl, HC: hc.pingUrl },
      logger: streamLogger((l) => (log += l)),
    });
    await beats.start();
    await beats.finish(
      [],
      new Map([
        [
          'leaky',
          `cannot connect to ${dbUrl}; also https://u:other-pass@example.com/x and S3cret-db-pass`,
        ],
      ]),
    );
    expect(hc.pings.map((p) => p.path)).toEqual([
      `/ping/${KEY}/leaky/start`,
      `/ping/${KEY}/leaky/fail`,
    ]);
    const body = hc.pings[1]!.body;
    expect(body).toMatch(
      /^cannot connect to \*\*\*; also https:\/\/u:\*\*\*@example\.com\/x and \*\*\*$/,
    );
    expect(body).not.toMatch(/S3cret|other-pass/);
    expect(log).toBe('');
  });

  it('a ping service that answers 500 is retried; one that is down only warns', async () => {
    hc.pings.length = 0;
    hc.script.push(500);
    const r1 = await backup(mkdtempSync(join(dir, 'out-')));
    expect(r1.code, r1.stderr).toBe(0);
    expect(hc.pings.map((p) => [p.path, p.status])).toEqual([
      [`/ping/${KEY}/app/start`, 500],
      [`/ping/${KEY}/app/start`, 200],
      [`/ping/${KEY}/app`, 200],
    ]);

    const down = await deadUrl();
    const r2 = await backup(mkdtempSync(join(dir, 'out-')), { HC_PING_URL: down });
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(
      /warning: app: the start heartbeat was not sent \(the heartbeat service could not be reached \(ECONNREFUSED\) after 4 tries\)/,
    );
    expect(r2.stderr).toMatch(/warning: app: the success heartbeat was not sent/);
    expect(r2.stderr).not.toContain('nobody-home');
  });
});

describe('check', () => {
  const out = join(dir, 'check-out');
  let fresh: string;

  it('fails for a project whose newest good set is older than max_age', async () => {
    expect((await backup(out)).code).toBe(0);
    const oldId = age(out, 3); // the schedule is daily: max_age is 48h
    const r = await builtCli(['check', '--config', config, '--out', out, '--json'], env({}));
    expect(r.code, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout) as {
      rows: { project: string; state: string; newest_set: string; max_age: string }[];
      stale: string[];
    };
    expect(result.rows.map((x) => [x.project, x.state, x.max_age])).toEqual([
      ['app', 'STALE', '48h'],
      ['other', 'NONE', '7d'],
    ]);
    expect(result.rows[0]!.newest_set).toBe(oldId);
    expect(result.stale).toEqual(['app', 'other']);
    expect(r.stderr).toMatch(/error: app: backups are not recent: .*is 3d old \(max_age 48h\)/);
    expect(r.stderr).toMatch(/error: other: backups are not recent: .*no good set at all/);
    // No GitHub here: the alert issue cannot be opened, and that is only a warning.
    expect(r.stderr).toMatch(/warning: alerts\.issues needs the workflow repository/);
  });

  it('passes after a fresh backup', async () => {
    expect((await backup(out)).code).toBe(0);
    fresh = readdirSync(join(out, 'app')).sort().at(-1)!;
    const r = await builtCli(
      ['check', '--config', config, '--out', out, '--project', 'app'],
      env({}),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PROJECT +DESTINATION +NEWEST SET +AGE +MAX AGE +STATE$/m);
    expect(r.stdout).toMatch(new RegExp(`^app +local +${fresh} +\\d+min +48h +OK$`, 'm'));
    expect(r.stdout).not.toContain('other');
  });

  it('an unknown project or a bad --at is a usage error (exit 2)', async () => {
    const r = await builtCli(['check', '--config', config, '--project', 'nope'], env({}));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown project "nope"/);
    expect((await builtCli(['check', '--config', config, '--at', 'soon'], env({}))).code).toBe(2);
  });

  describe('in the action', () => {
    let api: GitHubRest;
    beforeAll(async () => {
      api = await startGitHubRest({ repository: 'acme/app', token: TOKEN });
    });
    afterAll(async () => {
      expect(api.violations).toEqual([]);
      await api.close();
    });
    const actionEnv = () => ({
      ...process.env,
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_API_URL: api.url,
      GITHUB_RUN_ID: '4242',
      GITHUB_EVENT_NAME: 'schedule',
    });
    const checkAction = (outDir: string) =>
      runAction({
        inputs: {
          command: 'check',
          config,
          'out-dir': outDir,
          projects: 'app',
          'github-token': TOKEN,
        },
        env: actionEnv(),
      });

    it('stale: an error annotation, the alert issue opened, then commented on; fresh: closed', async () => {
      const stale = mkdtempSync(join(dir, 'stale-'));
      cpSync(join(out, 'app', fresh), join(stale, 'app', fresh), { recursive: true });
      age(stale, 5);
      const r = await checkAction(stale);
      expect(r.code, r.log).toBe(1);
      expect(r.stdout).toMatch(/^::error::app: backups are not recent: .*5d old \(max_age 48h\)/m);
      expect(r.outputs.stale).toBe('app');
      expect(r.summary).toMatch(/\| app \| .* \| 48h \| \*\*STALE\*\* \|/);
      expect(api.issues).toHaveLength(1);
      expect(api.issues[0]).toMatchObject({ state: 'open', title: 'Supabase backup failing: app' });
      expect(api.issues[0]!.body).toMatch(/5d old \(max_age 48h\)/);
      // The token appears once, in the runner's own ::add-mask:: command, and nowhere else.
      expect(r.log.replace(/^::add-mask::.*$/gm, '')).not.toContain(TOKEN);

      expect((await checkAction(stale)).code).toBe(1);
      expect(api.issues).toHaveLength(1);
      expect(api.issues[0]!.comments[0]).toMatch(/^Still no recent backup/);

      const ok = await checkAction(out);
      expect(ok.code, ok.log).toBe(0);
      expect(ok.outputs.stale).toBe('');
      expect(JSON.parse(ok.outputs.check!)).toMatchObject({ stale: [], rows: [{ state: 'OK' }] });
      expect(api.issues[0]).toMatchObject({ state: 'closed', state_reason: 'completed' });
      expect(api.issues[0]!.comments.at(-1)).toMatch(/^Fresh again/);
    });

    it('a fresh check leaves open the issue a failed backup opened', async () => {
      const octokit = await alertOctokit(TOKEN, api.url);
      const { issue } = await reportFailure(
        octokit,
        { owner: 'acme', repo: 'app' },
        { project: 'app', error: 'pg_dump failed', runUrl: null, lastGood: null },
      );
      const ok = await checkAction(out);
      expect(ok.code, ok.log).toBe(0);
      expect(api.issues.find((i) => i.number === issue)).toMatchObject({ state: 'open' });
    });
  });
});
