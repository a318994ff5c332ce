/**
 * Every example workflow parses with GitHub's own workflow parser, grants least privilege, gives
 * the action only inputs it declares, keeps secrets out of pull requests and out of `run:`
 * scripts, and never expands user-controlled values inside a script.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTION_COMMANDS } from '../../src/action/commands.js';

// The parser imports its JSON schema without `with { type: 'json' }` (it is made for bundlers),
// which Node refuses; this resolve hook supplies the attribute for .json modules.
const hook = `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  return r.url.endsWith('.json') ? { ...r, importAttributes: { type: 'json' } } : r;
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } =
  await import('@actions/workflow-parser');

const DIR = 'workflows-examples';
const ACTION = 'your-org/supabase-backup-action@v0';
const FILES = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
const INPUTS = Object.keys(
  (parse(readFileSync('action.yml', 'utf8')) as { inputs: object }).inputs,
);

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  permissions?: unknown;
  env?: Record<string, unknown>;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: unknown;
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const PERMISSION_SCOPES = ['actions', 'contents', 'id-token', 'pull-requests', 'issues'];

it('there are examples for every way of running the action', () => {
  for (const name of [
    'backup',
    'backup-branch',
    'backup-private-repo',
    'validate',
    'manual-backup',
    'check',
  ])
    expect(FILES).toContain(`${name}.yml`);
});

describe.each(FILES)('%s', (file) => {
  const content = readFileSync(join(DIR, file), 'utf8');
  const workflow = parse(content) as Workflow;
  const jobs = Object.entries(workflow.jobs);
  const ours = jobs.flatMap(([, job]) => (job.steps ?? []).filter((s) => s.uses === ACTION));

  it('parses as a GitHub Actions workflow, without errors', async () => {
    const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(result.value).toBeDefined();
    const template = await convertWorkflowTemplate(result.context, result.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.length).toBeGreaterThan(0);
  });

  it('grants nothing at the top and only named scopes per job', () => {
    expect(workflow.permissions).toEqual({});
    for (const [id, job] of jobs) {
      expect(typeof job.permissions, `${id}: permissions must be a mapping`).toBe('object');
      for (const [scope, level] of Object.entries(job.permissions as object)) {
        expect(PERMISSION_SCOPES, `${id}: ${scope}`).toContain(scope);
        expect(['read', 'write', 'none'], `${id}: ${scope}`).toContain(level);
      }
    }
  });

  it("uses only node24 majors of GitHub's own actions", () => {
    for (const [, job] of jobs)
      for (const step of job.steps ?? [])
        if (step.uses?.startsWith('actions/')) expect(step.uses).toMatch(/@v([6-9]|\d\d)$/);
  });

  it('uses the action, with inputs it declares', () => {
    expect(ours.length).toBeGreaterThan(0);
    for (const step of ours)
      for (const input of Object.keys(step.with ?? {})) expect(INPUTS).toContain(input);
  });

  it('passes secrets only to the steps that use them, never to a script or a whole job', () => {
    expect(JSON.stringify(workflow.env ?? {})).not.toContain('secrets.');
    for (const [id, job] of jobs) {
      expect(JSON.stringify(job.env ?? {}), id).not.toContain('secrets.');
      for (const step of job.steps ?? [])
        if (step.run !== undefined) expect(JSON.stringify(step), id).not.toContain('secrets.');
    }
  });

  it('never expands inputs or event data inside a run: script', () => {
    for (const [, job] of jobs)
      for (const step of job.steps ?? [])
        expect(step.run ?? '').not.toMatch(/\$\{\{[^}]*(inputs\.|github\.event|github\.head_ref)/);
  });

  it('runs only validate, without secrets, on pull requests', () => {
    expect(Object.keys(workflow.on)).not.toContain('pull_request_target');
    if (!('pull_request' in workflow.on)) return;
    expect(content).not.toContain('secrets.');
    for (const step of ours) expect(step.with?.command).toBe('validate');
    for (const [, job] of jobs) expect(JSON.stringify(job.permissions)).not.toContain('write');
  });
});

const OWN = readdirSync('.github/workflows').map((f) => join('.github/workflows', f));
const own = (file: string) => {
  const content = readFileSync(file, 'utf8');
  const workflow = parse(content) as Workflow;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []) as (Step & {
    if?: string;
  })[];
  return { content, workflow, steps, runs: steps.map((s) => s.run ?? '').join('\n') };
};

describe.each(OWN)("the repository's own %s", (file) => {
  const { content, workflow, steps } = own(file);

  it('parses as a GitHub Actions workflow, without errors', async () => {
    const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(result.context, result.value!);
    expect(template.errors ?? []).toEqual([]);
  });

  it('grants nothing at the top and only named scopes per job', () => {
    expect(workflow.permissions).toEqual({});
    for (const job of Object.values(workflow.jobs))
      for (const scope of Object.keys(job.permissions as object))
        expect(['contents', 'id-token']).toContain(scope);
  });

  it("uses node24 majors of GitHub's actions, on Node 24", () => {
    for (const step of steps.filter((s) => s.uses?.startsWith('actions/')))
      expect(step.uses, step.uses).toMatch(/@v([6-9]|\d\d)$/);
    for (const step of steps.filter((s) => s.uses?.startsWith('actions/setup-node@')))
      expect(step.with?.['node-version']).toBe(24);
  });

  it('never expands event data inside a run: script', () => {
    for (const step of steps) expect(step.run ?? '').not.toMatch(/\$\{\{/);
  });
});

describe('ci.yml', () => {
  const { workflow, steps, runs } = own('.github/workflows/ci.yml');

  it('installs from the lockfile, checks dist/, lints and tests', () => {
    for (const command of ['npm ci', 'npm run build', 'git status --porcelain -- dist'])
      expect(runs).toContain(command);
    for (const command of ['npm run lint', 'npm run typecheck', 'npm run format:check', 'npm test'])
      expect(runs).toContain(command);
    for (const job of Object.values(workflow.jobs))
      expect(job.permissions).toEqual({ contents: 'read' });
  });

  it('uploads the expected dist/ only when the comparison failed', () => {
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with?.path).toBe('dist/');
    expect(upload?.if).toContain("steps.diff.outcome == 'failure'");
  });
});

describe('release.yml', () => {
  const { workflow, runs } = own('.github/workflows/release.yml');

  it('runs on version tags only, and checks dist/ and the version before anything is published', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } });
    const order = [
      'require("./package.json").version',
      'npm run build',
      'git status --porcelain -- dist',
      'scripts/changelog-notes.mjs',
      'gh release create',
      'git push --force origin "refs/tags/$major"',
      'npm publish --provenance',
    ].map((command) => runs.indexOf(command));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});

it('dependabot updates the npm packages and the actions', () => {
  const config = parse(readFileSync('.github/dependabot.yml', 'utf8')) as {
    version: number;
    updates: { 'package-ecosystem': string; directory: string }[];
  };
  expect(config.version).toBe(2);
  expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual([
    'github-actions',
    'npm',
  ]);
});

it('the changelog has the notes of the current version, and a missing one fails the release', () => {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const notes = execFileSync(process.execPath, ['scripts/changelog-notes.mjs', `v${version}`], {
    encoding: 'utf8',
  });
  expect(notes.length).toBeGreaterThan(100);
  expect(notes).not.toMatch(/^## /m);
  const missing = spawnSync(process.execPath, ['scripts/changelog-notes.mjs', 'v99.0.0'], {
    encoding: 'utf8',
  });
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain('has no "## [99.0.0]" section');
});

it("action.yml's command input describes every command the action takes", () => {
  const commands = Object.keys(ACTION_COMMANDS);
  expect(commands.length).toBeGreaterThanOrEqual(6);
  const described = (
    parse(readFileSync('action.yml', 'utf8')) as {
      inputs: { command: { description: string } };
    }
  ).inputs.command.description;
  for (const command of commands)
    expect(described, command).toMatch(new RegExp(`\\b${command} \\(`));
});

describe('fan-out.yml', () => {
  const workflow = parse(readFileSync(join(DIR, 'fan-out.yml'), 'utf8')) as Workflow & {
    jobs: Record<string, Job & { strategy?: { matrix?: unknown } }>;
  };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
  const ours = (command: string) =>
    steps.find((s) => s.uses === ACTION && s.with?.command === command);

  it("plans at most 256 jobs and backs up each entry's projects", () => {
    const maxJobs = Number(ours('plan')?.with?.['max-jobs'] ?? 256);
    expect(maxJobs).toBeGreaterThanOrEqual(1);
    expect(maxJobs).toBeLessThanOrEqual(256);
    expect(workflow.jobs.backup?.strategy?.matrix).toBe(
      '${{ fromJSON(needs.plan.outputs.matrix) }}',
    );
    expect(ours('backup')?.with?.projects).toBe('${{ matrix.projects }}');
  });
});
