/**
 * The CLI adapter over the handlers, in-process (runCli with an in-memory io): argv in, stdout,
 * stderr and the exit code out. What needs PostgreSQL is in __tests__/e2e/; these need none.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { configFile, tmp, writeSet } from '../commands/memory.js';

const CONFIG = `version: 1
projects:
  - name: app
    db_url_secret: APP_DB_URL
    destinations: [local]
    schedule: "0 3 * * *"
    retention:
      keep_last: 1
`;

async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env,
  });
  return { code, stdout, stderr };
}

describe('supabase-backup (in-process)', () => {
  it('backup on a schedule trigger runs the schedule gate: nothing due, nothing dumped', async () => {
    const out = tmp('out-');
    // A good set newer than the schedule's last firing: not due (without the gate the backup
    // would start, and fail on the unset APP_DB_URL with exit 1).
    await writeSet(out, 'app', new Date(Date.now() + 60_000).toISOString());
    const config = configFile(CONFIG);
    const r = await cli(['backup', '--config', config, '--out', out, '--json'], {
      GITHUB_EVENT_NAME: 'schedule',
    });
    expect(r.stderr).toContain('no project is due (schedules); nothing to back up');
    expect(JSON.parse(r.stdout)).toEqual({ sets: [], pruned: [], failures: [] });
    expect(r.code).toBe(0);
  });

  it('validate prints each project', async () => {
    const r = await cli(['validate', '--config', configFile(CONFIG), '--workflows', tmp('wf-')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/: valid, 1 project\(s\)\n {2}app: roles, schema, data via/);
  });

  it('plan --json decides from the sets in --out', async () => {
    const out = tmp('out-');
    await writeSet(out, 'app', '2026-11-21T03:00:05Z');
    const r = await cli([
      'plan',
      '--config',
      configFile(CONFIG),
      '--out',
      out,
      '--at',
      '2026-11-22T03:30:00Z',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ at: '2026-11-22T03:30:00.000Z', projects: 'app' });
  });

  it('prune --dry-run --json names what the policy removes', async () => {
    const out = tmp('out-');
    await writeSet(out, 'app', '2026-11-21T03:00:05Z');
    await writeSet(out, 'app', '2026-11-22T03:00:05Z');
    const r = await cli([
      'prune',
      '--config',
      configFile(CONFIG),
      '--out',
      out,
      '--dry-run',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({
      project: 'app',
      destination: 'local',
      removed: ['2026-11-21T030005Z'],
    });
  });

  it('a usage error exits 2 with the help, an unknown project names the nearest', async () => {
    const r = await cli(['backup', '--config', configFile(CONFIG), '--project', 'ap']);
    expect(r.stderr).toContain('"ap" (did you mean "app"?)');
    expect(r.code).toBe(2);
    expect((await cli(['nope'])).code).toBe(2);
  });
});
