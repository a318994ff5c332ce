/**
 * Are the config's secrets wired into the workflows that back up (pure)? Each key ending in
 * `_secret` names an environment variable; every workflow step that runs this action's backup
 * for a project must pass that variable through `env:` (the step's, its job's or the
 * workflow's). Only names are compared: no secret value is needed or read.
 */
import { LineCounter, isMap, isScalar, parse, parseDocument, type Node as YamlNode } from 'yaml';

export interface WorkflowFile {
  /** Path for messages, e.g. .github/workflows/backup.yml */
  file: string;
  text: string;
}

export interface WiringIssue {
  project: string;
  /** The config key naming the variable, e.g. projects[1].encryption.recipients_secret */
  key: string;
  variable: string;
  line: number;
  column: number;
  message: string;
}

export interface WiringReport {
  /** Workflow files with at least one step running this action's backup. */
  checked: string[];
  issues: WiringIssue[];
}

interface SecretRef {
  path: string[];
  variable: string;
  offset: number;
}

interface BackupStep {
  where: string;
  /** undefined = every project (no `projects` input, "all", or an expression). */
  projects: Set<string> | undefined;
  /** undefined = unknown (env given as an expression): counted as passing everything. */
  env: Set<string> | undefined;
}

/**
 * A step runs this action when its `uses:` is `<owner>/supabase-backup-action[/path]@<ref>`, or
 * the repository's own copy: `./` (the action at the repository root) or a `./` path whose
 * last segment contains "supabase-backup".
 */
export function usesThisAction(uses: unknown): boolean {
  if (typeof uses !== 'string') return false;
  const u = uses.trim();
  if (/^[^/\s]+\/supabase-backup-action(\/[^@\s]*)?@\S+$/.test(u)) return true;
  return u === './' || u === '.' || /^\.\/(.*\/)?[^/]*supabase-backup[^/]*\/?$/.test(u);
}

const isExpression = (v: unknown) => typeof v === 'string' && v.includes('${{');
const record = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function envNames(...levels: unknown[]): Set<string> | undefined {
  const names = new Set<string>();
  for (const env of levels) {
    if (isExpression(env)) return undefined;
    for (const k of Object.keys(record(env))) names.add(k);
  }
  return names;
}

/** The steps of a workflow that run this action's `backup` command. */
function backupSteps(workflow: WorkflowFile): BackupStep[] {
  let doc: unknown;
  try {
    doc = parse(workflow.text);
  } catch {
    return []; // not YAML: GitHub would refuse it too; nothing to check against
  }
  const root = record(doc);
  const out: BackupStep[] = [];
  for (const [jobId, jobValue] of Object.entries(record(root.jobs))) {
    const job = record(jobValue);
    const steps = Array.isArray(job.steps) ? job.steps : [];
    steps.forEach((stepValue: unknown, i: number) => {
      const step = record(stepValue);
      if (!usesThisAction(step.uses)) return;
      const inputs = record(step.with);
      const command = inputs.command;
      if (command !== undefined && !isExpression(command) && String(command).trim() !== 'backup')
        return;
      const listed = inputs.projects;
      const names =
        typeof listed === 'string' && !isExpression(listed)
          ? listed.split(/[\s,]+/).filter((n) => n !== '' && n !== 'all')
          : [];
      out.push({
        where: `${workflow.file} (job ${jobId}, step ${typeof step.id === 'string' ? step.id : i + 1})`,
        projects: names.length > 0 ? new Set(names) : undefined,
        env: envNames(root.env, job.env, step.env),
      });
    });
  }
  return out;
}

/** Every `*_secret` key with a name value under a mapping node, with its path and offset. */
function secretRefs(node: unknown, path: string[] = []): SecretRef[] {
  if (!isMap(node)) return [];
  return node.items.flatMap((pair) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value as YamlNode | null;
    if (key.endsWith('_secret') && isScalar(value) && typeof value.value === 'string') {
      return [{ path: [...path, key], variable: value.value, offset: value.range?.[0] ?? 0 }];
    }
    return secretRefs(value, [...path, key]);
  });
}

export function checkWiring(configText: string, workflows: readonly WorkflowFile[]): WiringReport {
  const steps = workflows.map((w) => ({ file: w.file, steps: backupSteps(w) }));
  const checked = steps.filter((s) => s.steps.length > 0).map((s) => s.file);
  const all = steps.flatMap((s) => s.steps);
  if (all.length === 0) return { checked, issues: [] };

  const lines = new LineCounter();
  const doc = parseDocument(configText, { lineCounter: lines });
  const root = doc.contents;
  const defaults = isMap(root) ? secretRefs(root.get('defaults', true)) : [];
  const projects = isMap(root) ? root.get('projects', true) : undefined;
  const items = projects && 'items' in projects ? (projects.items as unknown[]) : [];
  const issues: WiringIssue[] = [];
  items.forEach((item, index) => {
    if (!isMap(item)) return;
    const name = String(item.get('name') ?? '');
    const own = secretRefs(item).map((r) => ({
      ...r,
      key: `projects[${index}].${r.path.join('.')}`,
    }));
    // A project key replaces the defaults' key of the same name wholesale (mergeDefaults).
    const inherited = defaults
      .filter((r) => !item.has(r.path[0]))
      .map((r) => ({ ...r, key: `defaults.${r.path.join('.')}` }));
    const covering = all.filter((s) => s.projects === undefined || s.projects.has(name));
    for (const ref of [...own, ...inherited]) {
      const { line, col } = lines.linePos(ref.offset);
      const at = { project: name, key: ref.key, variable: ref.variable, line, column: col };
      if (covering.length === 0) {
        issues.push({
          ...at,
          message: `project "${name}": no workflow step runs this action's backup for it (checked ${checked.join(', ')})`,
        });
        continue;
      }
      const missing = covering.filter((s) => s.env !== undefined && !s.env.has(ref.variable));
      if (missing.length > 0) {
        issues.push({
          ...at,
          message:
            `project "${name}": ${ref.key} names ${ref.variable}, but ${missing.map((s) => s.where).join('; ')} ` +
            `does not pass it: add \`${ref.variable}: \${{ secrets.${ref.variable} }}\` to that step's env`,
        });
      }
    }
  });
  return { checked, issues };
}
