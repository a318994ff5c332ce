/**
 * The command handlers other than backup, each with in-memory ports over real sets in a temp
 * output directory (the `local` destination): nothing spawned, no server, no PostgreSQL.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../src/commands/check.js';
import { readHistory } from '../../src/commands/history.js';
import { planCommand } from '../../src/commands/plan.js';
import { catalogAccess } from '../../src/commands/ports.js';
import { prune } from '../../src/commands/prune.js';
import { restore } from '../../src/commands/restore.js';
import { validate } from '../../src/commands/validate.js';
import { verify } from '../../src/commands/verify.js';
import { ConfigError, RestoreError, UsageError } from '../../src/errors.js';
import { configFile, memoryPorts, tmp, writeSet } from './memory.js';

const CONFIG = `version: 1
projects:
  - name: app
    db_url_secret: APP_DB_URL
    destinations: [local]
    schedule: "0 3 * * *"
    retention:
      keep_last: 2
  - name: other
    db_url_secret: OTHER_DB_URL
    destinations: [local]
    schedule: null
`;

async function threeSets(out: string): Promise<string[]> {
  return [
    await writeSet(out, 'app', '2026-11-20T03:00:05Z'),
    await writeSet(out, 'app', '2026-11-21T03:00:05Z'),
    await writeSet(out, 'app', '2026-11-22T03:00:05Z'),
  ];
}

describe('prune', () => {
  it('a dry run names the set the policy removes and removes nothing', async () => {
    const out = tmp('out-');
    const [oldest] = await threeSets(out);
    const outcome = await prune(
      { configPath: configFile(CONFIG), projects: ['app'], outDir: out, dryRun: true },
      memoryPorts(),
    );
    expect(outcome.failures).toEqual([]);
    const app = outcome.results.find((r) => r.project === 'app')!;
    expect(app.destination).toBe('local');
    expect(app.removed).toEqual(['2026-11-20T030005Z']);
    expect(app.kept.map((k) => k.id).sort()).toEqual(['2026-11-21T030005Z', '2026-11-22T030005Z']);
    expect(existsSync(oldest!)).toBe(true);
  });

  it('removes it for real otherwise', async () => {
    const out = tmp('out-');
    const [oldest] = await threeSets(out);
    await prune(
      { configPath: configFile(CONFIG), projects: [], outDir: out, dryRun: false },
      memoryPorts(),
    );
    expect(existsSync(oldest!)).toBe(false);
    expect(readdirSync(join(out, 'app')).filter((n) => /^\d{4}-\d\d-\d\dT/.test(n))).toHaveLength(
      2,
    );
  });
});

describe('plan', () => {
  it('decides from the newest set of each project at the given time', async () => {
    const out = tmp('out-');
    await writeSet(out, 'app', '2026-11-21T03:00:05Z');
    const at = new Date('2026-11-22T03:30:00Z');
    const outcome = await planCommand(
      { configPath: configFile(CONFIG), projects: [], at, outDir: out },
      memoryPorts({ eventName: 'schedule' }),
    );
    expect(outcome.decisions.map((d) => [d.project, d.due])).toEqual([
      ['app', true],
      ['other', true],
    ]);
    expect(outcome.projects).toBe('app,other');
  });

  it('a project whose scheduled run already happened is not due', async () => {
    const out = tmp('out-');
    await writeSet(out, 'app', '2026-11-22T03:00:05Z');
    const outcome = await planCommand(
      {
        configPath: configFile(CONFIG),
        projects: ['app'],
        at: new Date('2026-11-22T04:00:00Z'),
        outDir: out,
      },
      memoryPorts({ eventName: 'schedule' }),
    );
    expect(outcome.decisions.map((d) => [d.project, d.due])).toEqual([['app', false]]);
    expect(outcome.projects).toBe('');
  });
});

describe('validate', () => {
  it('describes each project and reviews it with nothing to compare', async () => {
    const result = await validate(
      { configPath: configFile(CONFIG), workflowsDir: join(tmp('wf-'), 'none') },
      {},
    );
    expect(result.summary).toEqual([
      'app: roles, schema, data via supabase-cli, zstd (default), connection from $APP_DB_URL',
      'other: roles, schema, data via supabase-cli, zstd (default), connection from $OTHER_DB_URL',
    ]);
    expect(result.review.markdown).toContain('app');
    expect(result.review.wiring.checked).toEqual([]);
  });

  it('an invalid config is a ConfigError that points at the line', async () => {
    const file = configFile(CONFIG.replace('keep_last: 2', 'keep_last: -1'));
    const err = await validate({ configPath: file, workflowsDir: tmp('wf-') }, {}).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues[0]).toMatchObject({ file, line: 8 });
  });
});

describe('verify', () => {
  it('every set under a directory: ok, then the one whose file was changed fails', async () => {
    const out = tmp('out-');
    const [, second] = await threeSets(out);
    const ports = memoryPorts();
    expect((await verify({ from: out }, ports)).problems).toBe(0);
    expect(ports.logger.lines.at(-1)).toBe('3 set(s) checked, 0 problem(s)');
    writeFileSync(join(second!, 'schema.sql.gz'), 'not what was stored');
    const outcome = await verify({ from: out }, ports);
    expect(outcome.problems).toBeGreaterThan(0);
    expect(outcome.checks.filter((c) => c.problems.length > 0).map((c) => c.dir)).toEqual([second]);
  });

  it('a directory without sets is a usage error', async () => {
    await expect(verify({ from: tmp('empty-') }, memoryPorts())).rejects.toThrow(UsageError);
  });
});

describe('history', () => {
  it('the newest sets of each project with their sizes, oldest first', async () => {
    const out = tmp('out-');
    await threeSets(out);
    const ports = memoryPorts();
    const { config } = await validate(
      { configPath: configFile(CONFIG), workflowsDir: tmp('wf-') },
      {},
    );
    const history = await readHistory(config.projects, catalogAccess(ports, out));
    const app = history.get('app')!;
    expect(app.map((p) => p.set_id)).toEqual([
      '2026-11-20T030005Z',
      '2026-11-21T030005Z',
      '2026-11-22T030005Z',
    ]);
    expect(app.every((p) => p.bytes > 0)).toBe(true);
    expect(history.get('other')).toEqual([]);
  });
});

describe('restore (what it decides before any connection)', () => {
  const base = {
    targetUrl: 'postgresql://postgres:s3cr3t@127.0.0.1:5/postgres',
    identities: [],
  };

  it('a dry run opens and verifies the set and shows the plan, nothing else', async () => {
    const dir = await writeSet(tmp('out-'), 'app', '2026-11-22T03:00:05Z');
    const ports = memoryPorts();
    const outcome = await restore({ ...base, from: dir, yes: false, dryRun: true }, ports);
    expect(outcome.applied).toBe(false);
    expect(outcome.manifest.project).toBe('app');
    expect(ports.logger.lines.join('\n')).toContain('schema');
  });

  it('without --yes it refuses, after showing the plan', async () => {
    const dir = await writeSet(tmp('out-'), 'app', '2026-11-22T03:00:05Z');
    const ports = memoryPorts();
    await expect(restore({ ...base, from: dir, yes: false, dryRun: false }, ports)).rejects.toThrow(
      /run again with --yes/,
    );
  });

  it('a damaged set is refused before the target is touched', async () => {
    const dir = await writeSet(tmp('out-'), 'app', '2026-11-22T03:00:05Z');
    writeFileSync(join(dir, 'extra.sql'), 'DROP TABLE users;\n');
    const ports = memoryPorts();
    const err = await restore({ ...base, from: dir, yes: true, dryRun: false }, ports).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RestoreError);
    expect((err as Error).message).toMatch(/refusing to restore a damaged or incomplete set/);
  });
});

describe('check', () => {
  const config = `version: 1
projects:
  - name: fresh
    db_url_secret: FRESH_DB_URL
    destinations: [local]
    max_age: 2d
  - name: stale
    db_url_secret: STALE_DB_URL
    destinations: [local]
    max_age: 1d
    alerts:
      issues: true
`;

  it('judges the newest good set at each destination against max_age, then alerts', async () => {
    const out = tmp('out-');
    await writeSet(out, 'fresh', '2026-11-21T03:00:05Z');
    await writeSet(out, 'stale', '2026-11-20T03:00:05Z');
    const ports = memoryPorts();
    const { outcome } = await checkCommand(
      { configPath: configFile(config), projects: [], outDir: out, issueAlertsNeed: 'GITHUB_X' },
      ports,
    );
    expect(outcome.at).toBe('2026-11-22T03:30:00Z');
    expect(outcome.rows.map((r) => [r.project, r.destination, r.state])).toEqual([
      ['fresh', 'local', 'OK'],
      ['stale', 'local', 'STALE'],
    ]);
    expect(outcome.stale).toEqual(['stale']);
    const lines = ports.logger.lines.join('\n');
    expect(lines).toMatch(/^stale: backups are not recent: .*2026-11-20T030005Z/m);
    expect(lines).toContain('alerts.issues needs GITHUB_X; no issues are opened or closed');
  });

  it('a project without any set is NONE, judged at the given time', async () => {
    const { outcome } = await checkCommand(
      {
        configPath: configFile(config),
        projects: ['fresh'],
        outDir: tmp('out-'),
        at: new Date('2026-12-01T00:00:00Z'),
        issueAlertsNeed: 'GITHUB_X',
      },
      memoryPorts(),
    );
    expect(outcome.rows.map((r) => r.state)).toEqual(['NONE']);
    expect(outcome.at).toBe('2026-12-01T00:00:00Z');
  });
});
