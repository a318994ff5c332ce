/**
 * Calendar durations for `retention.keep_within`, written like restic's (`7d`, `12h`, `1y6m`)
 * plus weeks (`2w`, stored as 14 days): numbers with units, largest unit first, each unit once.
 */
import { UsageError } from '../errors.js';
import type { Duration } from './types.js';

/** The same language as a JSON Schema pattern (for editors); `parseDuration` is the authority. */
export const DURATION_RE = /^(?=\d)(\d{1,6}y)?(\d{1,6}m)?(\d{1,6}w)?(\d{1,6}d)?(\d{1,6}h)?$/;

const UNITS = { y: 'years', m: 'months', w: 'weeks', d: 'days', h: 'hours' } as const;
type Unit = keyof typeof UNITS;
const ORDER = Object.keys(UNITS) as Unit[];

export const DURATION_RULE =
  'write whole numbers with units, largest first: y (years), m (months), w (weeks), d (days), ' +
  'h (hours), e.g. "7d", "12h", "2w", "1m", "1y6m"';

/**
 * '7d' -> {years: 0, months: 0, days: 7, hours: 0}; '2w' -> 14 days; '1y6m' -> 1 year 6 months.
 * Throws a UsageError saying what is allowed.
 */
export function parseDuration(text: string): Duration {
  const problem = durationProblem(text);
  if (problem !== undefined) {
    throw new UsageError(`invalid duration ${JSON.stringify(text)}: ${problem}; ${DURATION_RULE}`);
  }
  const n = (unit: Unit) => Number(new RegExp(`(\\d+)${unit}`).exec(text)?.[1] ?? 0);
  return { years: n('y'), months: n('m'), days: n('w') * 7 + n('d'), hours: n('h') };
}

/** Why `text` is not a duration (a short phrase), or undefined when it is one. */
export function durationProblem(text: string): string | undefined {
  if (text.trim() === '') return 'it is empty';
  if (/\s/.test(text)) return 'it contains spaces';
  if (text.startsWith('-')) return 'it cannot be negative';
  if (/[.,]/.test(text)) return 'numbers must be whole';
  const tokens = [...text.matchAll(/(\d*)([^\d]*)/g)].filter((m) => m[0] !== '');
  let last = -1;
  for (const [, digits = '', unit = ''] of tokens) {
    if (digits === '') return `"${unit}" has no number before it`;
    if (unit === '') return `${digits} has no unit after it`;
    const at = ORDER.indexOf(unit as Unit);
    if (at < 0) {
      if (unit === 'M' || unit === 'Y' || unit === 'D' || unit === 'H' || unit === 'W') {
        return `units are lowercase ("${unit.toLowerCase()}", not "${unit}")`;
      }
      return `unknown unit "${unit}"`;
    }
    if (at === last) return `"${unit}" appears twice`;
    if (at < last) return 'units must go from largest to smallest';
    if (digits.length > 6) return `${digits} is too large (at most 999999 per unit)`;
    last = at;
  }
  return undefined;
}

/** The canonical text of a duration: '1y6m', '14d', '0h' for the zero duration. */
export function formatDuration(d: Duration): string {
  const parts: [number, string][] = [
    [d.years, 'y'],
    [d.months, 'm'],
    [d.days, 'd'],
    [d.hours, 'h'],
  ];
  const text = parts
    .filter(([n]) => n !== 0)
    .map(([n, u]) => `${n}${u}`)
    .join('');
  return text === '' ? '0h' : text;
}

export function isZeroDuration(d: Duration): boolean {
  return d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0;
}

/**
 * `time` minus `d` by the calendar, in UTC, as restic (Go's AddDate) does: years, months and
 * days together, overflow normalised (March 31 minus 1m is March 3, or March 2 in a leap
 * year), then hours. A result before the earliest representable time is -Infinity.
 */
export function subtractDuration(time: Date, d: Duration): number {
  const t = new Date(time.getTime());
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  t.setUTCFullYear(
    time.getUTCFullYear() - d.years,
    time.getUTCMonth() - d.months,
    time.getUTCDate() - d.days,
  );
  const result = t.getTime() - d.hours * 3_600_000;
  return Number.isNaN(new Date(result).getTime()) ? -Infinity : result;
}
