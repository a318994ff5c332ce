/**
 * The built action's plan for a fleet, as a workflow step runs it: the `matrix` output names
 * every due project once in at most `max-jobs` entries, the job summary shows the jobs, and a
 * `max-jobs` GitHub would not run fails the step before anything is read.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runAction } from '../support/action.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-action-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = join(dir, 'backups.config.yaml');
const names = Array.from({ length: 600 }, (_, i) => `shop-${String(i).padStart(3, '0')}`);
writeFileSync(
  config,
  `version: 1\ndefaults:\n  destinations: [local]\nprojects:\n${names
    .map((n) => `  - name: ${n}\n    db_url_secret: ${n.replace('-', '_').toUpperCase()}_URL\n`)
    .join('')}`,
);
const env = { PATH: process.env.PATH, GITHUB_EVENT_NAME: 'schedule' };

it('packs 600 due projects into max-jobs entries and shows the jobs in the summary', async () => {
  const run = await runAction({
    inputs: { command: 'plan', config, 'out-dir': join(dir, 'out'), 'max-jobs': '100' },
    env,
  });
  expect(run.code, run.log).toBe(0);
  const matrix = JSON.parse(run.outputs.matrix!) as {
    include: { projects: string; job: number; project?: string }[];
  };
  expect(matrix.include).toHaveLength(100);
  const listed = matrix.include.flatMap((e) => e.projects.split(','));
  expect([...listed].sort()).toEqual(names);
  expect(matrix.include.every((e) => e.project === undefined)).toBe(true);
  expect(run.outputs.projects).toBe(names.join(','));
  expect(run.summary).toContain('600 of 600 project(s) due');
  expect(run.summary).toContain('Matrix: 100 job(s), up to 6 project(s) each');
});

it('fails the step on a max-jobs above 256', async () => {
  const run = await runAction({ inputs: { command: 'plan', config, 'max-jobs': '300' }, env });
  expect(run.code).not.toBe(0);
  expect(run.log).toContain('input max-jobs: "300" is not a whole number from 1 to 256');
  expect(run.outputs.matrix).toBeUndefined();
});
