/**
 * Five-field cron expressions, in UTC, as GitHub's `on: schedule` reads them: minute, hour,
 * day of month, month, day of week; each field `*`, a number or name, a range `a-b`, a step
 * `*\/n`, `a-b/n` or `a/n`, or a comma list of those. Names: JAN-DEC, SUN-SAT (any case); day of
 * week 0 and 7 are both Sunday. As in cron, when both day of month and day of week are
 * restricted (neither starts with `*`), a day matches when EITHER does. Pure.
 */

export interface CronField {
  /** The allowed values, ascending. */
  values: number[];
  /** The field starts with `*` (unrestricted for the day-of-month/day-of-week rule). */
  star: boolean;
}

export interface Cron {
  expression: string;
  minute: CronField;
  hour: CronField;
  dayOfMonth: CronField;
  month: CronField;
  dayOfWeek: CronField;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** The first name's number (JAN = 1, SUN = 0). */
  nameBase?: number;
}

const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, nameBase: 0 },
];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export const CRON_RULE =
  'write five fields in UTC, "minute hour day-of-month month day-of-week", e.g. "0 3 * * *" ' +
  '(every day at 03:00 UTC) or "30 4 * * MON"; each field is *, a number, a range a-b, a step ' +
  '*/n or a-b/n, or a comma list';

class CronSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronSyntaxError';
  }
}

/** Parses `expr`; throws CronSyntaxError with a short phrase saying what is wrong. */
export function parseCron(expr: string): Cron {
  const text = expr.trim();
  const macro = MACROS[text.toLowerCase()];
  if (macro !== undefined) {
    throw new CronSyntaxError(
      `"${text}" is not supported (GitHub does not read it); write "${macro}"`,
    );
  }
  if (text === '') throw new CronSyntaxError('it is empty');
  const fields = text.split(/\s+/);
  if (fields.length !== 5) {
    throw new CronSyntaxError(
      `it has ${fields.length} field${fields.length === 1 ? '' : 's'}, not 5` +
        (fields.length === 6 ? ' (seconds are not supported)' : ''),
    );
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields.map((f, i) =>
    parseField(f, FIELDS[i]!),
  ) as [CronField, CronField, CronField, CronField, CronField];
  // 7 is Sunday, like 0.
  const dow = new Set(dayOfWeek.values.map((d) => d % 7));
  const cron: Cron = {
    expression: fields.join(' '),
    minute,
    hour,
    dayOfMonth,
    month,
    dayOfWeek: { values: [...dow].sort((a, b) => a - b), star: dayOfWeek.star },
  };
  if (!canFire(cron)) {
    throw new CronSyntaxError('it never fires (no month in it has such a day)');
  }
  return cron;
}

/** Why `expr` is not a usable cron expression, or undefined when it is one. */
export function cronProblem(expr: string): string | undefined {
  try {
    parseCron(expr);
    return undefined;
  } catch (err) {
    if (err instanceof CronSyntaxError) return err.message;
    throw err;
  }
}

function parseField(text: string, spec: FieldSpec): CronField {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '')
      throw new CronSyntaxError(`the ${spec.name} field "${text}" has an empty item`);
    const [range = '', step, ...extra] = item.split('/');
    if (extra.length > 0)
      throw new CronSyntaxError(`"${item}" in the ${spec.name} field has two "/"`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [spec.min, spec.name === 'day of week' ? 6 : spec.max];
    else {
      const [a = '', b, ...more] = range.split('-');
      if (more.length > 0)
        throw new CronSyntaxError(`"${item}" in the ${spec.name} field has two "-"`);
      lo = value(a, spec);
      // "a/n" means from a to the end, stepping n.
      hi = b !== undefined ? value(b, spec) : step !== undefined ? spec.max : lo;
      if (hi < lo)
        throw new CronSyntaxError(`the range "${range}" in the ${spec.name} field goes backwards`);
    }
    let by = 1;
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) === 0)
        throw new CronSyntaxError(
          `the step "/${step}" in the ${spec.name} field must be a whole number above 0`,
        );
      by = Number(step);
    }
    for (let v = lo; v <= hi; v += by) values.add(v);
  }
  return { values: [...values].sort((a, b) => a - b), star: text.startsWith('*') };
}

function value(text: string, spec: FieldSpec): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (spec.nameBase ?? 0);
  if (!/^\d+$/.test(text)) {
    const names = spec.names
      ? ` or a name ${spec.names[0]}-${spec.names[spec.names.length - 1]}`
      : '';
    throw new CronSyntaxError(
      `"${text}" in the ${spec.name} field is not a number from ${spec.min} to ${spec.max}${names}`,
    );
  }
  const n = Number(text);
  if (n < spec.min || n > spec.max)
    throw new CronSyntaxError(
      `${text} is out of range for the ${spec.name} field (${spec.min}-${spec.max})`,
    );
  return n;
}

const MAX_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function canFire(c: Cron): boolean {
  if (c.dayOfMonth.star || !c.dayOfWeek.star) return true; // a weekday exists in every month
  const first = c.dayOfMonth.values[0] ?? 32;
  return c.month.values.some((m) => first <= (MAX_DAYS[m - 1] ?? 0));
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** Whether the UTC date (year, month 0-11, day) is a day the expression fires on. */
function dayMatches(c: Cron, year: number, month0: number, day: number): boolean {
  if (!c.month.values.includes(month0 + 1)) return false;
  if (day > daysInMonth(year, month0)) return false;
  const dom = c.dayOfMonth.values.includes(day);
  const dow = c.dayOfWeek.values.includes(new Date(Date.UTC(year, month0, day)).getUTCDay());
  if (c.dayOfMonth.star || c.dayOfWeek.star) return dom && dow;
  return dom || dow;
}

/** Searching further than this (days) means the expression never fires there. */
const SEARCH_DAYS = 366 * 9;

/** The latest time the expression fires at that is <= `at` (seconds 0, UTC). */
export function previousFire(cron: Cron | string, at: Date): Date {
  const c = typeof cron === 'string' ? parseCron(cron) : cron;
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const minuteOfDay = at.getUTCHours() * 60 + at.getUTCMinutes();
  for (let i = 0; i <= SEARCH_DAYS; i++) {
    const d = new Date(day.getTime() - i * 86_400_000);
    if (!dayMatches(c, d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())) continue;
    const limit = i === 0 ? minuteOfDay : 24 * 60 - 1;
    const time = latestTime(c, limit);
    if (time !== undefined) return new Date(d.getTime() + time * 60_000);
  }
  throw new Error(
    `cron "${c.expression}" does not fire in the ${SEARCH_DAYS} days before ${at.toISOString()}`,
  );
}

/** The earliest time the expression fires at that is > `at` (seconds 0, UTC). */
export function nextFire(cron: Cron | string, at: Date): Date {
  const c = typeof cron === 'string' ? parseCron(cron) : cron;
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  const minuteOfDay = at.getUTCHours() * 60 + at.getUTCMinutes();
  for (let i = 0; i <= SEARCH_DAYS; i++) {
    const d = new Date(day.getTime() + i * 86_400_000);
    if (!dayMatches(c, d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())) continue;
    const time = earliestTime(c, i === 0 ? minuteOfDay + 1 : 0);
    if (time !== undefined) return new Date(d.getTime() + time * 60_000);
  }
  throw new Error(
    `cron "${c.expression}" does not fire in the ${SEARCH_DAYS} days after ${at.toISOString()}`,
  );
}

/** The latest minute of the day (hour * 60 + minute) <= limit the expression allows. */
function latestTime(c: Cron, limit: number): number | undefined {
  for (const h of [...c.hour.values].reverse()) {
    for (const m of [...c.minute.values].reverse()) {
      if (h * 60 + m <= limit) return h * 60 + m;
    }
  }
  return undefined;
}

function earliestTime(c: Cron, from: number): number | undefined {
  for (const h of c.hour.values) {
    for (const m of c.minute.values) {
      if (h * 60 + m >= from) return h * 60 + m;
    }
  }
  return undefined;
}

/**
 * The longest time between two consecutive fires (ms), over the year before `at` and the gap
 * `at` sits in. A schedule firing less than once a year (`0 0 29 2 *`) is measured from the
 * fire before that year.
 */
export function longestGapMs(cron: Cron | string, at: Date): number {
  const c = typeof cron === 'string' ? parseCron(cron) : cron;
  const times = c.hour.values.flatMap((h) => c.minute.values.map((m) => h * 60 + m));
  let longest = 0;
  for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
  const from = previousFire(c, new Date(at.getTime() - 366 * 86_400_000)).getTime();
  const to = nextFire(c, at).getTime();
  let lastOfPrevious: number | undefined;
  for (let day = from - (from % 86_400_000); day <= to; day += 86_400_000) {
    const d = new Date(day);
    if (!dayMatches(c, d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())) continue;
    const first = day + times[0]! * 60_000;
    if (lastOfPrevious !== undefined) longest = Math.max(longest, first - lastOfPrevious);
    lastOfPrevious = day + times[times.length - 1]! * 60_000;
  }
  return longest;
}
