/**
 * Alerts against a local GitHub REST API that validates every request against GitHub's OpenAPI
 * description, and a local webhook receiver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FORMAT, FORMAT_VERSION, serializeBackupJson } from '../../src/catalog/backup-json.js';
import { sendAlerts, type AlertOptions } from '../../src/alerts/send.js';
import { parseConfig } from '../../src/config/load.js';
import { Redactor, streamLogger } from '../../src/log.js';
import { ALERT_LABEL } from '../../src/alerts/issue.js';
import { startGitHubRest, type GitHubRest } from '../support/github-rest.js';

const TOKEN = 'ghs_alertsTestToken000000000000000000';
const PASSWORD = 'pa55-w0rd-never-shown';
const SECRET_URL = `postgresql://postgres:${PASSWORD}@db.example.com:5432/postgres`;

interface Hook {
  url: string;
  events: Record<string, unknown>[];
  /** Statuses to answer with, in order; 200 once they run out. */
  script: number[];
  hits: number;
  server: Server;
}

async function startHook(): Promise<Hook> {
  const hook = { events: [], script: [], hits: 0 } as unknown as Hook;
  hook.server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      hook.hits++;
      const status = hook.script.shift() ?? 200;
      if (
        status === 200 &&
        req.method === 'POST' &&
        req.headers['content-type'] === 'application/json'
      )
        hook.events.push(JSON.parse(text) as Record<string, unknown>);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => hook.server.listen(0, '127.0.0.1', r));
  hook.url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
  return hook;
}

const config = parseConfig(
  `version: 1
defaults:
  alerts: { issues: true, webhook_url_secret: BACKUP_WEBHOOK_URL }
projects:
  - name: prod
    db_url_secret: PROD_DB_URL
    destinations: [local]
  - name: quiet
    db_url_secret: QUIET_DB_URL
    alerts: null
`,
  'backups.config.yaml',
);

let api: GitHubRest;
let hook: Hook;
let out: string;
let log: string;
const redactor = new Redactor();
redactor.add(SECRET_URL);

beforeAll(async () => {
  api = await startGitHubRest({ repository: 'acme/app', token: TOKEN });
  out = await mkdtemp(join(tmpdir(), 'alerts-'));
  // A good set from before, which the failure issue names as the last good one.
  const dir = join(out, 'prod', '2026-11-21T031500Z');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'backup.json'),
    serializeBackupJson({
      format: FORMAT,
      format_version: FORMAT_VERSION,
      project: 'prod',
      ref: null,
      set_id: '2026-11-21T031500Z',
      started_at: '2026-11-21T03:15:00.000Z',
      finished_at: '2026-11-21T03:16:00.000Z',
      engine: 'pg-dump',
      tools: {},
      server: { version: '15.8', major: 15 },
      parts: [],
      tables: [],
      materialized_views: [],
      warnings: [],
    }),
  );
});
afterAll(async () => {
  await api.close();
  await rm(out, { recursive: true, force: true });
});
beforeEach(async () => {
  hook = await startHook();
  log = '';
});
afterEach(async () => {
  await new Promise((r) => hook.server.close(r));
  expect(api.violations).toEqual([]);
});

function options(outcome: Pick<AlertOptions, 'succeeded' | 'failed'>): AlertOptions {
  return {
    ...outcome,
    projects: config.projects,
    github: {
      serverUrl: 'https://github.com',
      apiUrl: api.url,
      repository: 'acme/app',
      runId: '777',
      token: TOKEN,
    },
    env: { BACKUP_WEBHOOK_URL: hook.url },
    logger: streamLogger((l) => (log += l), { redactor }),
    redact: (t) => redactor.redact(t),
    outDir: out,
    workDir: out,
    retry: { baseDelayMs: 5 },
  };
}

const failure = {
  succeeded: [],
  failed: [
    {
      project: 'prod',
      // An error that quotes the URL: it must never leave the runner.
      message: `cannot connect to ${SECRET_URL}: connection refused`,
    },
    { project: 'quiet', message: 'also broken' },
  ],
};

describe('issues and webhook, in order: fail, fail again, recover', () => {
  it('the first failure opens an issue with the error, the run link and the last good set', async () => {
    await sendAlerts(options(failure));
    expect(api.issues).toHaveLength(1);
    const issue = api.issues[0]!;
    expect(issue).toMatchObject({
      title: 'Supabase backup failing: prod',
      state: 'open',
      labels: [ALERT_LABEL],
    });
    expect(issue.body).toContain('connection refused');
    expect(issue.body).toContain('https://github.com/acme/app/actions/runs/777');
    expect(issue.body).toContain('Last good set: started 2026-11-21T03:15:00Z.');
    expect(issue.body).not.toContain(PASSWORD);
    expect(log).toContain('prod: opened issue #1');
    expect(hook.events).toEqual([
      expect.objectContaining({
        event: 'failure',
        project: 'prod',
        repository: 'acme/app',
        run_url: 'https://github.com/acme/app/actions/runs/777',
        last_good_set: '2026-11-21T03:15:00Z',
      }),
    ]);
    expect(String(hook.events[0]!.text)).toMatch(/^:x: Supabase backup of \*prod\* failed: /);
    expect(JSON.stringify(hook.events)).not.toContain(PASSWORD);
    expect(log).not.toContain(hook.url);
  });

  it('a second failure comments on the same issue', async () => {
    await sendAlerts(options(failure));
    expect(api.issues).toHaveLength(1);
    expect(api.issues[0]!.comments).toHaveLength(1);
    expect(api.issues[0]!.comments[0]).toMatch(/^Still failing\./);
    expect(api.issues[0]!.comments[0]).not.toContain(PASSWORD);
    expect(log).toContain('prod: commented on issue #1');
  });

  it('a success comments on and closes it, and tells the webhook', async () => {
    await sendAlerts(
      options({ succeeded: [{ project: 'prod', set_id: '2026-11-23T031500Z' }], failed: [] }),
    );
    const issue = api.issues[0]!;
    expect(issue).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(issue.comments[1]).toContain('Recovered');
    expect(issue.comments[1]).toContain('prod/2026-11-23T031500Z');
    expect(hook.events).toEqual([
      expect.objectContaining({
        event: 'recovery',
        project: 'prod',
        set: 'prod/2026-11-23T031500Z',
      }),
    ]);
  });

  it('a further success is no news: nothing sent', async () => {
    const before = api.requests.length;
    await sendAlerts(
      options({ succeeded: [{ project: 'prod', set_id: '2026-11-24T031500Z' }], failed: [] }),
    );
    expect(api.requests.slice(before)).toEqual([
      expect.stringMatching(/^GET \/repos\/acme\/app\/issues\?/),
    ]);
    expect(hook.hits).toBe(0);
  });
});

describe('retries and failures of the alerts themselves', () => {
  it('a webhook that answers 500 then 200 is tried again', async () => {
    hook.script = [500];
    await sendAlerts(options(failure));
    expect(hook.hits).toBe(2);
    expect(hook.events).toHaveLength(1);
  });

  it('GitHub answering 502 is retried', async () => {
    api.failNext(2, 502);
    await sendAlerts(options(failure));
    expect(log).toMatch(/prod: (opened|commented on) issue #\d+/);
  });

  it('a webhook that keeps refusing is a warning, never an exception', async () => {
    hook.script = [503, 503, 503, 503];
    await expect(sendAlerts(options(failure))).resolves.toBeUndefined();
    expect(log).toContain('warning: prod: the failure webhook failed: the webhook answered 503');
    expect(log).toContain('after 4 tries');
    expect(log).not.toContain(hook.url);
  });

  it('a 404 is not retried, and a wrong token fails honestly', async () => {
    hook.script = [404];
    const o = options(failure);
    o.github = { ...o.github, token: 'wrong' };
    await sendAlerts(o);
    expect(hook.hits).toBe(1);
    expect(log).toContain('warning: prod: the alert issue failed: Bad credentials');
    expect(log).toContain('the webhook answered 404');
  });
});
