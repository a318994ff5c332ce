/** Cron expressions in words. */
import { describe, expect, it } from 'vitest';
import { describeCron } from '../../src/schedule/describe.js';

describe('describeCron', () => {
  it.each([
    ['0 3 * * *', 'every day at 03:00 UTC'],
    ['30 4 * * MON', 'every Monday at 04:30 UTC'],
    ['30 4 * * 1', 'every Monday at 04:30 UTC'],
    ['15 * * * *', 'every hour at minute 15'],
    ['0 3,15 * * *', 'every day at 03:00 and 15:00 UTC'],
    ['0 2 * * MON-FRI', 'every Monday to Friday at 02:00 UTC'],
    ['0 2 * * SAT,SUN', 'every Sunday and Saturday at 02:00 UTC'],
    ['0 1 1 * *', 'on day 1 of every month at 01:00 UTC'],
    ['0 1 1,15 * *', 'on days 1 and 15 of every month at 01:00 UTC'],
    ['0 0 1 1 *', 'every year on 1 January at 00:00 UTC'],
    ['0 6 * 1,7 *', 'every day in January and July at 06:00 UTC'],
    ['*/15 * * * *', 'every 15 minutes'],
    ['* * * * *', 'every minute'],
    ['0 */6 * * *', 'every 6 hours at minute 0 (from 00:00)'],
    ['0,30 * * * *', 'every 30 minutes'],
    ['5,35 * * * *', 'every hour at minutes 5 and 35'],
    ['15 * * * MON', 'every hour at minute 15, on every Monday'],
    ['0 3 1-7 * MON', 'cron "0 3 1-7 * MON" (UTC)'],
    ['5 1,2,3,4,5 * * *', 'cron "5 1,2,3,4,5 * * *" (UTC)'],
  ])('%s: %s', (expr, text) => {
    expect(describeCron(expr)).toBe(text);
  });
});
