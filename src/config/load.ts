/**
 * Reads `backups.config.yaml`: YAML -> zod validation -> defaults merged into `Config`. Every
 * problem becomes a ConfigIssue located at its YAML node (file:line:col), all reported at once.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, YAMLError } from 'yaml';
import type { z } from 'zod';
import { ConfigError, UsageError, errorMessage, type ConfigIssue } from '../errors.js';
import { configFileSchema, mergeDefaults } from './schema.js';
import { DEFAULTS_KEYS, PROJECT_KEYS, RETENTION_KEYS, ROOT_KEYS } from './schema.js';
import { dockerNameProblems } from './names.js';
import { tokenUnset } from './management-schema.js';
import type { Config, ProjectConfig } from './types.js';

type Path = readonly PropertyKey[];
/** A problem before it is located; `at: 'key'` points at the key rather than its value. */
interface Problem {
  path: Path;
  message: string;
  at?: 'key';
}

/** Parses and validates config text; `file` is only used in messages. Throws ConfigError. */
export function parseConfig(text: string, file: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    merge: true,
  });
  const issueAt = (offset: number, path: Path, message: string): ConfigIssue => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col, path: formatPath(path), message };
  };

  const yamlIssues = doc.errors.map((e) => {
    const path = pathAt(doc.contents, e.pos[0], []);
    return issueAt(e.pos[0], path, yamlMessage(e, path));
  });
  // A broken document would only add confusing schema errors; duplicate keys are not that.
  if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) throw new ConfigError(yamlIssues);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError([issueAt(0, [], `cannot read the YAML: ${errorMessage(err)}`)]);
  }
  const result = configFileSchema.safeParse(data, { reportInput: true });
  const problems = [
    ...(result.success ? [] : result.error.issues.flatMap(fromZod)),
    ...duplicateNames(data),
  ];
  const issues = [
    ...yamlIssues,
    ...problems.map((p) => issueAt(locate(doc, p), p.path, p.message)),
  ];
  if (issues.length > 0 || !result.success) throw new ConfigError(sortIssues(issues));
  const config = mergeDefaults(result.data, file);
  const unset = [
    ...storageUnset(config),
    ...s3Unset(config),
    ...dockerNames(config),
    ...managementUnset(config),
  ];
  if (unset.length > 0)
    throw new ConfigError(unset.map((p) => issueAt(locate(doc, p), p.path, p.message)));
  return config;
}

/** Projects with the s3 destination but no `s3:` mapping (from themselves or defaults). */
function s3Unset(config: Config): Problem[] {
  return config.projects.flatMap((p, i): Problem[] =>
    p.destinations.includes('s3') && !p.s3
      ? [
          {
            path: ['projects', i, 'name'],
            message:
              'the s3 destination needs an s3: mapping (at least bucket) in the project or in defaults; see docs/s3.md',
          },
        ]
      : [],
  );
}

/** Projects with the storage part but no `storage:` mapping (from themselves or defaults). */
function storageUnset(config: Config): Problem[] {
  return config.projects.flatMap((p, i): Problem[] =>
    p.parts.includes('storage') && !p.storage
      ? [
          {
            path: ['projects', i, 'parts'],
            message:
              'the storage part needs a storage: mapping (s3_endpoint, access_key_id_secret, secret_access_key_secret) in the project or in defaults; see docs/storage.md',
          },
        ]
      : [],
  );
}

/** Projects with the functions or settings part but no token variable (management-schema.ts). */
function managementUnset(config: Config): Problem[] {
  return tokenUnset(config.projects).map(({ index, part }) => ({
    path: ['projects', index, 'parts'],
    message: `the ${part} part needs access_token_secret (the NAME of the variable holding a Supabase access token) in the project or in defaults; see docs/management-api.md`,
  }));
}

/** Names the docker engine cannot pass on unchanged (names.ts). */
function dockerNames(config: Config): Problem[] {
  return config.projects.flatMap((p, i) =>
    dockerNameProblems(p).map(({ key, index, message }) => ({
      path: ['projects', i, key, index],
      message,
    })),
  );
}

/** Reads and parses a config file; a missing or unreadable file is a one-issue ConfigError. */
export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'config file not found; create it with `version: 1` and a `projects:` list whose ' +
          'entries have a name and a db_url_secret (see docs/config.md and the example ' +
          'backups.config.yaml), or pass the path of an existing file'
        : code === 'EISDIR'
          ? 'this is a directory; pass the path of the config file, e.g. backups.config.yaml'
          : `cannot read the config file (${code ?? errorMessage(err)})`;
    throw new ConfigError([{ file: path, line: 1, column: 1, path: '', message }]);
  }
  return parseConfig(text, path);
}

/**
 * The projects to work on, in config order. `names` undefined or empty means all; entries may
 * also be comma- or space-separated lists. An unknown name is a UsageError.
 */
export function selectProjects(config: Config, names: string[] | undefined): ProjectConfig[] {
  const wanted = new Set((names ?? []).flatMap((n) => n.split(/[\s,]+/)).filter((n) => n !== ''));
  if (wanted.size === 0) return [...config.projects];
  const configured = config.projects.map((p) => p.name);
  const unknown = [...wanted].filter((n) => !configured.includes(n));
  if (unknown.length > 0) {
    const described = unknown.map((n) => {
      const near = closest(n, configured);
      return `"${n}"${near ? ` (did you mean "${near}"?)` : ''}`;
    });
    throw new UsageError(
      `unknown project ${described.join(', ')}; ${config.file} configures: ${configured.join(', ')}`,
    );
  }
  return config.projects.filter((p) => wanted.has(p.name));
}

/** `projects[1].compression`, `defaults.parts[0]`. */
function formatPath(path: Path): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(String(k))) out += `${out ? '.' : ''}${String(k)}`;
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out;
}

function fromZod(issue: z.core.$ZodIssue): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: [...issue.path, key],
      message: unknownKeyMessage(key, issue.path),
      at: 'key' as const,
    }));
  }
  let message = issue.message;
  if (issue.code === 'invalid_value' && typeof issue.input === 'string') {
    const values = issue.values.filter((v): v is string => typeof v === 'string');
    const near = closest(issue.input, values);
    if (near) message += `; did you mean "${near}"?`;
  }
  return [{ path: issue.path, message }];
}

function unknownKeyMessage(key: string, path: Path): string {
  const inDefaults = path.length === 1 && path[0] === 'defaults';
  if (inDefaults && PROJECT_KEYS.includes(key)) {
    return `"${key}" cannot be set in defaults; set it on each project`;
  }
  const known =
    path[path.length - 1] === 'retention'
      ? RETENTION_KEYS
      : path.length === 0
        ? ROOT_KEYS
        : inDefaults
          ? DEFAULTS_KEYS
          : PROJECT_KEYS;
  const near = closest(key, known);
  return near
    ? `unknown key "${key}"; did you mean "${near}"?`
    : `unknown key "${key}"; allowed keys: ${known.join(', ')}`;
}

function yamlMessage(e: YAMLError, path: Path): string {
  if (e.code === 'DUPLICATE_KEY') {
    return `duplicate key "${String(path[path.length - 1] ?? '')}"; a key may appear once per mapping`;
  }
  if (e.code === 'MULTIPLE_DOCS') {
    return 'the file holds more than one YAML document (a "---" line); keep everything in one';
  }
  return `YAML syntax error: ${e.message}`;
}

/** The key node and value node at `path`, as far as the document has them. */
function entry(doc: Document, path: Path): { key?: YamlNode; value?: YamlNode } | undefined {
  if (path.length === 0) return isNode(doc.contents) ? { value: doc.contents } : {};
  const parent = entry(doc, path.slice(0, -1))?.value;
  const last = path[path.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
    if (!pair) return undefined;
    return {
      ...(isNode(pair.key) && { key: pair.key }),
      ...(isNode(pair.value) && { value: pair.value }),
    };
  }
  if (isSeq(parent) && typeof last === 'number') {
    const item = parent.items[last];
    return isNode(item) ? { value: item } : undefined;
  }
  return undefined;
}

/**
 * Offset of the node a problem is about: its value (or key when asked, or when the value is
 * empty); for a missing key, the mapping that lacks it.
 */
function locate(doc: Document, problem: Problem): number {
  for (let n = problem.path.length; n >= 0; n--) {
    const { key, value } = entry(doc, problem.path.slice(0, n)) ?? {};
    const keyAt = key?.range?.[0];
    const valueAt = value?.range && value.range[1] > value.range[0] ? value.range[0] : undefined;
    const at =
      problem.at === 'key' && n === problem.path.length ? (keyAt ?? valueAt) : (valueAt ?? keyAt);
    if (at !== undefined) return at;
  }
  return 0;
}

/** The key path of the deepest node containing `offset` (for YAML errors). */
function pathAt(node: unknown, offset: number, path: PropertyKey[]): PropertyKey[] {
  const within = (n: unknown) =>
    isNode(n) && !!n.range && offset >= n.range[0] && offset < n.range[2];
  if (isMap(node)) {
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? pair.key.value : undefined;
      const name = typeof k === 'symbol' ? (k.description ?? '') : String(k);
      if (within(pair.key)) return [...path, name];
      if (within(pair.value)) return pathAt(pair.value, offset, [...path, name]);
    }
  } else if (isSeq(node)) {
    const i = node.items.findIndex(within);
    if (i >= 0) return pathAt(node.items[i], offset, [...path, i]);
  }
  return path;
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues
    .filter((i) => {
      const id = `${i.line}:${i.column}:${i.path}:${i.message}`;
      return !seen.has(id) && !!seen.add(id);
    })
    .sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Repeated project names, each reported at its later occurrence; runs on unvalidated data. */
function duplicateNames(data: unknown): Problem[] {
  const projects: unknown = (data as { projects?: unknown } | null)?.projects;
  const first = new Map<string, number>();
  return (Array.isArray(projects) ? projects : []).flatMap((p: unknown, i): Problem[] => {
    const name = (p as { name?: unknown } | null)?.name;
    const j = typeof name === 'string' ? first.get(name) : undefined;
    if (typeof name !== 'string' || j === undefined) {
      if (typeof name === 'string') first.set(name, i);
      return [];
    }
    const message = `duplicate project name "${name}" (already used by projects[${j}]); names must be unique`;
    return [{ path: ['projects', i, 'name'], message }];
  });
}

/** The candidate within edit distance 2 (a transposition counts 1), ignoring case. */
function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(input.toLowerCase(), c.toLowerCase());
    if (d <= 2 && d < Math.max(input.length, 2) && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}

/** Optimal string alignment distance. */
function distance(a: string, b: string): number {
  const row = (n: number) => Array.from({ length: n }, (_, j) => j);
  let [prev2, prev, cur] = [row(b.length + 1), row(b.length + 1), row(b.length + 1)];
  for (let i = 1; i <= a.length; i++) {
    cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, (prev2[j - 2] ?? 0) + 1);
      }
      cur[j] = v;
    }
    [prev2, prev] = [prev, cur];
  }
  return prev[b.length] ?? 0;
}
