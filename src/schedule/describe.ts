/**
 * Cron expressions in words ("every day at 03:00 UTC", "every Monday at 04:30 UTC", "every hour
 * at minute 15"); anything this does not phrase well is shown as the expression itself. Pure.
 */
import { parseCron, type Cron, type CronField } from '../config/cron.js';

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const pad = (n: number) => String(n).padStart(2, '0');

/** "a", "a and b", "a, b and c". */
function and(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** Every value of the field's full range (a `*`-like field). */
function isAll(f: CronField, min: number, max: number): boolean {
  return f.values.length === max - min + 1;
}

/** The step n when the values are min, min+n, ... (n > 1), else undefined. */
function stepOf(f: CronField, min: number, max: number): number | undefined {
  const [a, b] = f.values;
  if (a !== min || b === undefined || b - a < 2) return undefined;
  const n = b - a;
  const expected = Math.floor((max - min) / n) + 1;
  return f.values.length === expected && f.values.every((v, i) => v === min + i * n)
    ? n
    : undefined;
}

function weekdays(values: number[]): string {
  const contiguous =
    values.length > 2 && values.every((v, i) => i === 0 || v === values[i - 1]! + 1);
  if (contiguous) {
    return `${DAY_NAMES[values[0]!]} to ${DAY_NAMES[values[values.length - 1]!]}`;
  }
  return and(values.map((d) => DAY_NAMES[d] ?? String(d)));
}

/** "every day", "every Monday", "on day 1 of every month", ... or undefined (too complex). */
function dayPhrase(c: Cron): string | undefined {
  const allMonths = isAll(c.month, 1, 12);
  const allDom = c.dayOfMonth.star && isAll(c.dayOfMonth, 1, 31);
  const allDow = c.dayOfWeek.star && isAll(c.dayOfWeek, 0, 6);
  const domList = and(c.dayOfMonth.values.map(String));
  const months = and(c.month.values.map((m) => MONTH_NAMES[m - 1] ?? String(m)));
  if (allDom && allDow) return allMonths ? 'every day' : `every day in ${months}`;
  if (allDom && !c.dayOfWeek.star) {
    const days = `every ${weekdays(c.dayOfWeek.values)}`;
    return allMonths ? days : `${days} in ${months}`;
  }
  if (allDow && !c.dayOfMonth.star) {
    const plural = c.dayOfMonth.values.length > 1 ? 'days' : 'day';
    if (allMonths) return `on ${plural} ${domList} of every month`;
    if (c.dayOfMonth.values.length === 1 && c.month.values.length === 1)
      return `every year on ${domList} ${months}`;
    return `on ${plural} ${domList} of ${months}`;
  }
  return undefined;
}

/** "at 03:00 UTC", "every hour at minute 15", ... or undefined (too complex). */
function timePhrase(c: Cron): string | undefined {
  const { minute, hour } = c;
  const allHours = isAll(hour, 0, 23);
  const allMinutes = isAll(minute, 0, 59);
  const minuteStep = stepOf(minute, 0, 59);
  const hourStep = stepOf(hour, 0, 23);
  if (allMinutes && allHours) return 'every minute';
  if (minuteStep !== undefined && allHours) return `every ${minuteStep} minutes`;
  if (minute.values.length === 1) {
    const m = minute.values[0]!;
    if (allHours) return `every hour at minute ${m}`;
    if (hourStep !== undefined) return `every ${hourStep} hours at minute ${m} (from 00:${pad(m)})`;
    if (hour.values.length <= 4)
      return `at ${and(hour.values.map((h) => `${pad(h)}:${pad(m)}`))} UTC`;
  }
  if (allHours && minute.values.length <= 4)
    return `every hour at minutes ${and(minute.values.map(String))}`;
  return undefined;
}

/** The expression in words, or `cron "<expr>" (UTC)` when it is too intricate to phrase. */
export function describeCron(expr: string): string {
  const c = parseCron(expr);
  const day = dayPhrase(c);
  const time = timePhrase(c);
  if (day === undefined || time === undefined) return `cron "${c.expression}" (UTC)`;
  if (time.startsWith('at ')) return `${day} ${time}`;
  if (day === 'every day') return time;
  // "every hour at minute 15" on some days: say the days after.
  return `${time}, ${day.replace(/^every /, 'on every ')}`.replace('on every day in', 'in');
}
