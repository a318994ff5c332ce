/** Building blocks of the config schema: zod types whose messages say what is allowed. */
import { z } from 'zod';

/** Names safe in paths and artifact names (projects, the artifact prefix). */
export const PROJECT_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Issue = { code: string; input?: unknown };

/** How a wrong value reads in a message ("the string \"x\"", "a list", "nothing"). */
export function describeValue(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `the ${typeof v} ${String(v)}`;
}

/** A connection string pasted where a variable name belongs. */
export function looksLikeUrl(v: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v) || v.includes('@') || /\bhost=/.test(v);
}

/** A string key: "missing" and "not a string" messages, then `re` explained by `bad`. */
export const matching = (
  key: string,
  expected: string,
  re: RegExp,
  bad: (input: unknown) => string,
) =>
  z
    .string({
      error: (iss) =>
        iss.input === undefined
          ? `missing required key "${key}"`
          : `${key} must be ${expected}, got ${describeValue(iss.input)}`,
    })
    .regex(re, { error: (iss) => bad(iss.input) });

/** The offending value quoted, then the rule. */
export const invalid = (what: string, rule: string) => (input: unknown) =>
  `invalid ${what} ${JSON.stringify(input)}; ${rule}`;

/** One of a fixed set of words; load.ts appends a "did you mean" to near misses. */
export const oneOf = <const T extends readonly [string, ...string[]]>(what: string, values: T) =>
  z.enum(values, {
    error: (iss) =>
      typeof iss.input === 'string'
        ? `unknown ${what} ${JSON.stringify(iss.input)}; allowed: ${values.join(', ')}`
        : `${what} must be one of ${values.join(', ')}, got ${describeValue(iss.input)}`,
  });

/** A list without repeats (each repeat reported at its index). */
export function list<T extends z.ZodType<string>>(key: string, item: T, example: string, min = 1) {
  return z
    .array(item, {
      error: (iss) => `${key} must be a list such as ${example}, got ${describeValue(iss.input)}`,
    })
    .min(min, { error: `${key} must not be empty; remove the key to use the default` })
    .superRefine((values, ctx) => {
      const seen = new Set<string>();
      values.forEach((v, i) => {
        if (seen.has(v)) {
          ctx.addIssue({ code: 'custom', path: [i], message: `"${v}" is listed twice in ${key}` });
        }
        seen.add(v);
      });
    });
}

export const mappingError =
  (what: string, expected = 'a mapping of keys') =>
  (iss: Issue) =>
    iss.code === 'invalid_type'
      ? `${what} must be ${expected}, got ${describeValue(iss.input)}`
      : undefined;

/** A whole number in [min, max]; `expected` finishes "KEY must be ...". */
export const whole = (key: string, expected: string, min: number, max?: number) => {
  const message = (input: unknown) => `${key} must be ${expected}, got ${describeValue(input)}`;
  const int = z.int({ error: (iss) => message(iss.input) }).min(min, {
    error: (iss) => message(iss.input),
  });
  return max === undefined ? int : int.max(max, { error: (iss) => message(iss.input) });
};
