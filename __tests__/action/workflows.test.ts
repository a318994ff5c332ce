/**
 * Every example workflow parses with GitHub's own workflow parser, grants least privilege, gives
 * the action only inputs it declares, keeps secrets out of pull requests and out of `run:`
 * scripts, and never expands user-controlled values inside a script.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

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

describe("the repository's own CI workflow", () => {
  const file = '.github/workflows/ci.yml';
  const content = readFileSync(file, 'utf8');
  const workflow = parse(content) as Workflow;
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
  const runs = steps.map((s) => s.run ?? '').join('\n');

  it('parses as a GitHub Actions workflow, without errors', async () => {
    const result = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(result.context, result.value!);
    expect(template.errors ?? []).toEqual([]);
  });

  it('grants nothing but reading the repository', () => {
    expect(workflow.permissions).toEqual({});
    for (const job of Object.values(workflow.jobs))
      expect(job.permissions).toEqual({ contents: 'read' });
  });

  it('installs from the lockfile, checks dist/, lints and tests on Node 24', () => {
    for (const command of ['npm ci', 'npm run build', 'git status --porcelain -- dist'])
      expect(runs).toContain(command);
    for (const command of ['npm run lint', 'npm run typecheck', 'npm run format:check', 'npm test'])
      expect(runs).toContain(command);
    for (const step of steps.filter((s) => s.uses?.startsWith('actions/setup-node@')))
      expect(step.with?.['node-version']).toBe(24);
  });

  it('uploads the expected dist/ only when the comparison failed', () => {
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@')) as
      (Step & { if?: string }) | undefined;
    expect(upload?.with?.path).toBe('dist/');
    expect(upload?.if).toContain("steps.diff.outcome == 'failure'");
  });

  it('uses only node24 majors of GitHub’s actions', () => {
    for (const step of steps.filter((s) => s.uses?.startsWith('actions/')))
      expect(step.uses, step.uses).toMatch(/@v(6|[7-9])$/);
  });
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
