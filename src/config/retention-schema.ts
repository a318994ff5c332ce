/**
 * The `retention` key: restic's `forget` policy (see docs/retention.md), validated as written;
 * `toRetentionPolicy` turns it into the typed `RetentionPolicy`.
 */
import { z } from 'zod';
import {
  DURATION_RE,
  DURATION_RULE,
  durationProblem,
  isZeroDuration,
  parseDuration,
} from './duration.js';
import { matching, mappingError, whole } from './schema-helpers.js';
import { KEEP_RULES, type RetentionPolicy } from './types.js';

const count = (key: string, description: string) =>
  whole(key, 'a whole number, 0 or more', 0)
    .optional()
    .describe(`${description} 0 or left out: no such rule.`);

/** "Keep the newest set of each of the last N <period>s that have a set." */
const per = (period: string) =>
  `For the last N ${period} that have an ok set, keep the newest set of each.`;

const keepWithin = matching('keep_within', 'a duration such as "7d"', DURATION_RE, (v) => {
  const problem = typeof v === 'string' ? durationProblem(v) : undefined;
  return `invalid duration ${JSON.stringify(v)}${problem ? ` (${problem})` : ''}; ${DURATION_RULE}`;
});

const NO_RULE_MESSAGE =
  'retention has no rule that keeps anything, and a policy that keeps nothing would delete ' +
  `every backup; set at least one of ${KEEP_RULES.join(', ')} (above 0) or keep_within, or ` +
  'remove `retention` to keep every backup';

export const retentionSchema = z
  .strictObject(
    {
      keep_last: count('keep_last', 'Keep the N newest ok sets.'),
      keep_hourly: count('keep_hourly', per('hours (UTC)')),
      keep_daily: count('keep_daily', per('days (UTC dates)')),
      keep_weekly: count('keep_weekly', per('ISO 8601 weeks (Monday to Sunday, UTC)')),
      keep_monthly: count('keep_monthly', per('months (UTC)')),
      keep_yearly: count('keep_yearly', per('years (UTC)')),
      keep_within: keepWithin
        .optional()
        .describe(
          'Keep every set newer than the time of the run minus this duration: whole numbers ' +
            'with units y, m, w, d, h, largest first, e.g. "7d", "12h", "2w", "1y6m".',
        ),
    },
    { error: mappingError('retention', 'a mapping of rules such as {keep_daily: 7}') },
  )
  .check((payload) => {
    // Only for an otherwise valid mapping: after a misspelt rule, "no rule" would be noise.
    if (payload.issues.length === 0 && !hasRule(payload.value)) {
      payload.issues.push({ code: 'custom', message: NO_RULE_MESSAGE, input: payload.value });
    }
  })
  .meta({ minProperties: 1 });

export type RetentionFile = z.infer<typeof retentionSchema>;

export const RETENTION_KEYS = Object.keys(retentionSchema.shape);

function hasRule(r: RetentionFile): boolean {
  const within = r.keep_within !== undefined && !isZeroDuration(parseDuration(r.keep_within));
  return within || KEEP_RULES.some((k) => (r[k] ?? 0) > 0);
}

/** The policy as written, keep_within parsed; rules left out stay out (0 is kept as written). */
export function toRetentionPolicy(r: RetentionFile): RetentionPolicy {
  const policy: RetentionPolicy = {};
  for (const k of KEEP_RULES) {
    const n = r[k];
    if (n !== undefined) policy[k] = n;
  }
  if (r.keep_within !== undefined) policy.keep_within = parseDuration(r.keep_within);
  return policy;
}
