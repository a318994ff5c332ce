/**
 * `max_age:` — how old a project's newest good set may be before `check` calls it stale, written
 * as `retention.keep_within` is ("26h", "2d", "1w"). Left out: twice the longest gap between two
 * runs of the project's schedule, 26 hours without one (src/plan/staleness.ts).
 */
import {
  DURATION_RE,
  DURATION_RULE,
  durationProblem,
  isZeroDuration,
  parseDuration,
} from './duration.js';
import { matching } from './schema-helpers.js';

const maxAge = matching('max_age', 'a duration such as "26h"', DURATION_RE, (v) => {
  const problem = typeof v === 'string' ? durationProblem(v) : undefined;
  return `invalid max_age ${JSON.stringify(v)}${problem ? ` (${problem})` : ''}; ${DURATION_RULE}`;
}).refine((v) => durationProblem(v) !== undefined || !isZeroDuration(parseDuration(v)), {
  error: 'max_age must be longer than 0 (every set would be stale); e.g. "26h" or "2d"',
});

export const maxAgeShape = {
  max_age: maxAge
    .optional()
    .describe(
      '`check` reports the project stale when the newest good set at one of its destinations ' +
        'is older than this: whole numbers with units y, m, w, d, h, largest first, e.g. "26h", ' +
        '"2d", "1w". Default: twice the longest gap between two runs of `schedule`; 26h ' +
        'without a schedule.',
    ),
};
