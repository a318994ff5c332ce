/** The zod types of `schemas` and `exclude_tables`: names as names.ts reads them. */
import { z } from 'zod';
import { parseSchemaName, parseTableName } from './names.js';
import { describeValue, invalid, list } from './schema-helpers.js';

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** One entry: a string that `parse` accepts, else its message after `invalid <what> "..."`. */
const nameEntry = (key: string, expected: string, what: string, parse: (t: string) => Parsed) =>
  z
    .string({ error: (iss) => `${key} must be ${expected}, got ${describeValue(iss.input)}` })
    .superRefine((value, ctx) => {
      const parsed = parse(value);
      if (!parsed.ok)
        ctx.addIssue({ code: 'custom', message: invalid(what, parsed.message)(value) });
    });

/** Entries written differently that name the same thing (`MyApp` and `"MyApp"`). */
const sameNames =
  (key: string, parse: (t: string) => Parsed) => (values: string[], ctx: z.RefinementCtx) => {
    const first = new Map<string, number>();
    values.forEach((v, i) => {
      const parsed = parse(v);
      if (!parsed.ok) return;
      const id = JSON.stringify(parsed.value);
      const j = first.get(id);
      if (j === undefined) first.set(id, i);
      else if (values[j] !== v) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `${v} names the same as ${values[j]} (${key}[${j}]); list it once`,
        });
      }
    });
  };

export const schemasList = list(
  'schemas',
  nameEntry('schemas[]', 'a schema name', 'schema', parseSchemaName),
  '[public, app]',
).superRefine(sameNames('schemas', parseSchemaName));

export const excludeTablesList = list(
  'exclude_tables',
  nameEntry('exclude_tables[]', 'a "schema.table" name', 'table', parseTableName),
  '[public.audit_log]',
  0,
).superRefine(sameNames('exclude_tables', parseTableName));
