/**
 * JSON Schema (draft 2020-12) of backups.config.yaml, generated from the zod schema, for
 * editors (`# yaml-language-server: $schema=./dist/backups.schema.json`). The build writes it to
 * dist/backups.schema.json.
 */
import { z } from 'zod';
import { configFileSchema } from './schema.js';

/**
 * A stable URL: the file as the npm package `supabase-backup` ships it, for the current major
 * (editors and SchemaStore can fetch it; it changes only with a release of that major).
 */
export const CONFIG_SCHEMA_ID =
  'https://cdn.jsdelivr.net/npm/supabase-backup@0/dist/backups.schema.json';

export function configJsonSchema(): object {
  const generated = z.toJSONSchema(configFileSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  });
  // Keys first so the file reads well; `generated` carries $schema, type, properties, ...
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: CONFIG_SCHEMA_ID,
    title: 'supabase-backup-action config (backups.config.yaml)',
    ...generated,
  };
}

/** The schema as the file dist/backups.schema.json holds it. */
export function configJsonSchemaText(): string {
  return JSON.stringify(configJsonSchema(), null, 2) + '\n';
}
