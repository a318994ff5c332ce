/**
 * The backup handler both entries run: config, schedule gate, run, alerts. The run itself (dump,
 * store, prune) is an in-memory step here; the schedule gate reads real sets from a local
 * output directory, and the alerts are the real ones (they need no network to say why they
 * cannot be sent).
 */
import { describe, expect, it } from 'vitest';
import type { AlertOptions } from '../../src/alerts/send.js';
import { sendAlerts } from '../../src/alerts/send.js';
import type { RunBackupOptions, RunOutcome } from '../../src/backup/run.js';
import { backupCommand, type BackupSteps } from '../../src/commands/backup.js';
import { DumpError } from '../../src/errors.js';
import { configFile, memoryPorts, tmp, writeSet } from './memory.js';

const CONFIG = `version: 1
defaults:
  schedule: "0 3 * * *"
projects:
  - name: daily
    db_url_secret: DAILY_DB_URL
    destinations: [local]
  - name: hourly
    db_url_secret: HOURLY_DB_URL
    destinations: [local]
    schedule: "15 * * * *"
    alerts:
      issues: true
      webhook_url_secret: HOURLY_HOOK
`;

/** A run step that records what it was asked and fails the projects named in `fail`. */
function recordingSteps(fail: string[] = []) {
  const runs: RunBackupOptions[] = [];
  const alerts: AlertOptions[] = [];
  const steps: BackupSteps = {
    runBackup: (options) => {
      runs.push(options);
      const names = options.projects;
      const outcome: RunOutcome = {
        results: names
          .filter((n) => !fail.includes(n))
          .map((project) => ({ project, set_id: '20261122T033000Z' }) as RunOutcome['results'][0]),
        pruned: [],
        failures: fail
          .filter((n) => names.includes(n))
          .map((project) => ({
            project,
            error: new DumpError(`pg_dump failed (password s3cr3t)`),
          })),
      };
      return Promise.resolve(outcome);
    },
    sendAlerts: (options) => {
      alerts.push(options);
      return sendAlerts(options);
    },
  };
  return { steps, runs, alerts };
}

const options = (configPath: string, outDir: string) => ({
  configPath,
  projects: [],
  only: [],
  outDir,
  reason: null,
  noPrune: false,
  identities: [],
  issueAlertsNeed: 'GITHUB_TOKEN and GITHUB_REPOSITORY in the environment',
});

describe('backup handler: the schedule gate', () => {
  it('on a schedule trigger runs only the projects whose schedule is due', async () => {
    const out = tmp('out-');
    // daily ran at 03:00 today; hourly last ran at 02:15, so its 03:15 run is due at 03:30.
    await writeSet(out, 'daily', '2026-11-22T03:00:05Z');
    await writeSet(out, 'hourly', '2026-11-22T02:15:05Z');
    const { steps, runs } = recordingSteps();
    const ports = memoryPorts({ eventName: 'schedule' });
    const result = await backupCommand(options(configFile(CONFIG), out), ports, steps);
    expect(result.due).toEqual(['hourly']);
    expect(runs.map((r) => r.projects)).toEqual([['hourly']]);
    expect(result.attempted.map((p) => p.name)).toEqual(['hourly']);
    expect(ports.logger.lines).toContain(
      'hourly (every hour at minute 15): due: last good set 2026-11-22T02:15Z is older than the scheduled time 2026-11-22T03:15Z',
    );
  });

  it('runs nothing, and sends no alert, when no project is due', async () => {
    const out = tmp('out-');
    await writeSet(out, 'daily', '2026-11-22T03:00:05Z');
    await writeSet(out, 'hourly', '2026-11-22T03:15:05Z');
    const { steps, runs, alerts } = recordingSteps();
    const ports = memoryPorts({ eventName: 'schedule' });
    const result = await backupCommand(options(configFile(CONFIG), out), ports, steps);
    expect(result.due).toEqual([]);
    expect(result.outcome).toEqual({ results: [], pruned: [], failures: [] });
    expect(runs).toEqual([]);
    expect(alerts).toEqual([]);
    expect(ports.logger.lines).toContain('no project is due (schedules); nothing to back up');
  });

  it('off a schedule (the CLI by hand, a dispatch) runs every selected project', async () => {
    const out = tmp('out-');
    await writeSet(out, 'daily', '2026-11-22T03:00:05Z');
    for (const eventName of [undefined, 'workflow_dispatch', 'push']) {
      const { steps, runs } = recordingSteps();
      const result = await backupCommand(
        { ...options(configFile(CONFIG), out), projects: ['daily'] },
        memoryPorts({ eventName }),
        steps,
      );
      expect(result.due).toEqual(['daily']);
      expect(runs.map((r) => r.projects)).toEqual([['daily']]);
    }
  });

  it('passes the options and the ports on to the run', async () => {
    const { steps, runs } = recordingSteps();
    const ports = memoryPorts({ env: { DAILY_DB_URL: 'postgresql://x' } });
    await backupCommand(
      { ...options(configFile(CONFIG), tmp('out-')), only: ['schema'], reason: 'drill day' },
      ports,
      steps,
    );
    const run = runs[0]!;
    expect(run.only).toEqual(['schema']);
    expect(run.reason).toBe('drill day');
    expect(run.env).toBe(ports.env);
    expect(run.logger).toBe(ports.logger);
    expect(run.github).toBe(ports.github);
    expect(run.config.projects.map((p) => p.name)).toEqual(['daily', 'hourly']);
  });

  it('refuses an unknown project before anything runs', async () => {
    const { steps, runs } = recordingSteps();
    await expect(
      backupCommand(
        { ...options(configFile(CONFIG), tmp('out-')), projects: ['dialy'] },
        memoryPorts(),
        steps,
      ),
    ).rejects.toThrow(/"dialy" \(did you mean "daily"\?\)/);
    expect(runs).toEqual([]);
  });
});

describe('backup handler: alerts', () => {
  it('hands failures to the alerts, which say what is missing instead of failing', async () => {
    const { steps, alerts } = recordingSteps(['hourly']);
    const ports = memoryPorts();
    const result = await backupCommand(options(configFile(CONFIG), tmp('out-')), ports, steps);
    expect(result.failures).toEqual([
      { project: 'hourly', message: 'pg_dump failed (password s3cr3t)' },
    ]);
    const sent = alerts[0]!;
    expect(sent.projects.map((p) => p.name)).toEqual(['daily', 'hourly']);
    expect(sent.failed).toEqual(result.failures);
    expect(sent.succeeded.map((s) => s.project)).toEqual(['daily']);
    expect(sent.redact('s3cr3t')).toBe('***');
    // No token or repository (the CLI outside Actions): the issue alert is skipped, and says so.
    expect(ports.logger.lines).toContain(
      'alerts.issues needs GITHUB_TOKEN and GITHUB_REPOSITORY in the environment; no issues are opened or closed',
    );
    expect(ports.logger.lines).toContain(
      'hourly: alerts.webhook_url_secret names HOURLY_HOOK, which is not set; no webhook sent',
    );
  });

  it('a run without failures sends no failure alert', async () => {
    const { steps, alerts } = recordingSteps();
    const ports = memoryPorts();
    const result = await backupCommand(options(configFile(CONFIG), tmp('out-')), ports, steps);
    expect(result.failures).toEqual([]);
    expect(alerts[0]!.failed).toEqual([]);
    expect(ports.logger.lines.filter((l) => l.includes('webhook'))).toEqual([]);
  });
});
