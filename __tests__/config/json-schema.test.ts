import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CONFIG_SCHEMA_ID,
  configJsonSchema,
  configJsonSchemaText,
} from '../../src/config/json-schema.js';
import { DURATION_RE } from '../../src/config/duration.js';
import { PROJECT_NAME_RE } from '../../src/config/schema-helpers.js';
import { BRANCH_RE, REPOSITORY_RE } from '../../src/config/storage-schema.js';
import { COMPRESSIONS, DESTINATIONS, ENGINES, KEEP_RULES, PARTS } from '../../src/config/types.js';

interface Schema {
  [key: string]: unknown;
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  required?: string[];
  additionalProperties?: boolean;
  enum?: string[];
  pattern?: string;
}

const schema = configJsonSchema() as Schema;
const props = schema.properties ?? {};
const project = props.projects?.items ?? {};
const defaults = props.defaults?.anyOf?.find((s) => s.type === 'object') ?? {};

/** Every property schema in the tree, with its path. */
function properties(s: Schema, path = ''): [string, Schema][] {
  const own = Object.entries(s.properties ?? {}).map(([k, v]): [string, Schema] => [
    `${path}.${k}`,
    v,
  ]);
  const nested = [
    ...own.flatMap(([p, v]) => properties(v, p)),
    ...(s.items ? properties(s.items, `${path}[]`) : []),
    ...(s.anyOf ?? []).flatMap((v) => properties(v, path)),
  ];
  return [...own, ...nested];
}

describe('configJsonSchema', () => {
  it('is a draft 2020-12 schema with an id and a title', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(CONFIG_SCHEMA_ID);
    expect(schema.title).toMatch(/backups\.config\.yaml/);
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['version', 'projects']);
    expect(schema.additionalProperties).toBe(false);
    expect(props.version).toMatchObject({ const: 1 });
  });

  it('projects: a non-empty list of closed objects requiring name and db_url_secret', () => {
    expect(props.projects).toMatchObject({ type: 'array', minItems: 1 });
    expect(project.type).toBe('object');
    expect(project.additionalProperties).toBe(false);
    expect(project.required).toEqual(['name', 'db_url_secret']);
    expect(Object.keys(project.properties ?? {})).toEqual([
      'name',
      'ref',
      'db_url_secret',
      'parts',
      'schemas',
      'exclude_tables',
      'compression',
      'engine',
      'supabase_cli_version',
      'destinations',
      'branch',
      'repository',
      'artifact_prefix',
      'artifact_retention_days',
      'storage',
      'encryption',
      'allow_unencrypted_public',
      'schedule',
      'max_age',
      'alerts',
      's3',
      'access_token_secret',
      'api_url',
      'drill',
      'retention',
    ]);
    expect(project.properties?.name?.pattern).toBe('^[a-z0-9][a-z0-9_-]{0,62}$');
    expect(project.properties?.db_url_secret?.pattern).toBe('^[A-Za-z_][A-Za-z0-9_]*$');
    expect(project.properties?.max_age?.pattern).toBe(DURATION_RE.source);
  });

  it('lists the enums', () => {
    for (const s of [project, defaults]) {
      expect(s.properties?.compression?.enum).toEqual([...COMPRESSIONS]);
      expect(s.properties?.engine?.enum).toEqual([...ENGINES]);
      expect(s.properties?.parts?.items?.enum).toEqual([...PARTS]);
      expect(s.properties?.parts).toMatchObject({ minItems: 1, uniqueItems: true });
      expect(s.properties?.destinations?.items?.enum).toEqual([...DESTINATIONS]);
      expect(s.properties?.destinations).toMatchObject({ minItems: 1, uniqueItems: true });
    }
  });

  it('storage keys: patterns and bounds that match the loader', () => {
    for (const s of [project, defaults]) {
      const p = s.properties ?? {};
      expect(p.artifact_retention_days).toMatchObject({ type: 'integer', minimum: 1, maximum: 90 });
      expect(p.artifact_prefix?.pattern).toBe(PROJECT_NAME_RE.source);
      expect(p.branch?.pattern).toBe(BRANCH_RE.source);
      expect(p.repository?.pattern).toBe(REPOSITORY_RE.source);
    }
  });

  it('retention: a closed, non-empty mapping of rules, or null', () => {
    for (const s of [project, defaults]) {
      const variants = s.properties?.retention?.anyOf ?? [];
      expect(variants.map((v) => v.type)).toEqual(['object', 'null']);
      const rules = variants[0] ?? {};
      expect(rules).toMatchObject({ additionalProperties: false, minProperties: 1 });
      expect(Object.keys(rules.properties ?? {})).toEqual([...KEEP_RULES, 'keep_within']);
      for (const rule of KEEP_RULES) {
        expect(rules.properties?.[rule]).toMatchObject({ type: 'integer', minimum: 0 });
      }
      expect(rules.properties?.keep_within).toMatchObject({
        type: 'string',
        pattern: DURATION_RE.source,
      });
    }
  });

  it('defaults: closed, without the per-project keys', () => {
    expect(defaults.additionalProperties).toBe(false);
    expect(Object.keys(defaults.properties ?? {})).not.toContain('name');
    expect(Object.keys(defaults.properties ?? {})).not.toContain('db_url_secret');
    expect(defaults.required ?? []).toEqual([]);
  });

  it('describes every property', () => {
    const all = properties(schema);
    expect(all.length).toBeGreaterThan(15);
    const undescribed = all.filter(([, s]) => !s.description).map(([p]) => p);
    expect(undescribed).toEqual([]);
  });

  it('knows every key and value the example backups.config.yaml uses', async () => {
    const text = await readFile(resolve(import.meta.dirname, '../../backups.config.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./dist/backups.schema.json');
    const example = parse(text) as Record<string, unknown> & {
      defaults: Record<string, unknown>;
      projects: Record<string, unknown>[];
    };
    expect(Object.keys(example).every((k) => k in (schema.properties ?? {}))).toBe(true);
    const checks: [Schema, Record<string, unknown>][] = [
      [defaults, example.defaults],
      ...example.projects.map((p): [Schema, Record<string, unknown>] => [project, p]),
    ];
    for (const [s, values] of checks) {
      for (const [key, value] of Object.entries(values)) {
        const prop = s.properties?.[key];
        expect(prop, key).toBeDefined();
        if (prop?.enum) expect(prop.enum).toContain(value);
        if (prop?.pattern) expect(String(value)).toMatch(new RegExp(prop.pattern));
        if (key === 'retention' && value) {
          const rules = prop?.anyOf?.[0]?.properties ?? {};
          for (const rule of Object.keys(value)) expect(rules[rule], rule).toBeDefined();
        }
      }
    }
  });

  it('serialises as the text the build writes', () => {
    expect(JSON.parse(configJsonSchemaText())).toEqual(schema);
    expect(configJsonSchemaText().endsWith('}\n')).toBe(true);
  });
});
