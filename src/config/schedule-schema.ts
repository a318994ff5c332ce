/**
 * `schedule:` — when a project is due, as a five-field cron expression in UTC (the syntax of
 * GitHub's `on: schedule`). The workflow's own cron decides when the action runs; a project's
 * schedule decides which runs back it up (see docs/config.md, Schedules).
 */
import { z } from 'zod';
import { CRON_RULE, cronProblem } from './cron.js';
import { describeValue } from './schema-helpers.js';

const scheduleSchema = z
  .string({
    error: (iss) =>
      `schedule must be a quoted cron expression such as "0 3 * * *", got ${describeValue(iss.input)}`,
  })
  .superRefine((value, ctx) => {
    const problem = cronProblem(value);
    if (problem !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid schedule ${JSON.stringify(value)} (${problem}); ${CRON_RULE}`,
      });
    }
  });

export const scheduleShape = {
  schedule: scheduleSchema
    .nullable()
    .optional()
    .describe(
      'When the project is due, as a cron expression in UTC ("minute hour day-of-month month ' +
        'day-of-week", e.g. "0 3 * * *"). A run backs it up when no good set exists since the ' +
        'latest scheduled time. Left out: due on every run; null in a project: no schedule ' +
        'despite `defaults`.',
    ),
};
