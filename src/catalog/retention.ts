/**
 * Which backup sets a retention policy keeps: restic's `forget` semantics (see
 * docs/retention.md), pure. Only complete, ok sets are the policy's business; the caller
 * deletes `remove` and nothing else.
 */
import { formatDuration, isZeroDuration, subtractDuration } from '../config/duration.js';
import { KEEP_RULES, type KeepRule, type RetentionPolicy } from '../config/types.js';
import { UsageError } from '../errors.js';

export { formatDuration, parseDuration } from '../config/duration.js';
export type { Duration, RetentionPolicy } from '../config/types.js';

export interface RetentionSet {
  id: string;
  /** The time the set records (backup.json), not its name. */
  time: Date;
  status: 'ok' | 'failed' | 'incomplete';
  /** A restore drill passed for it before it was stored (backup.json `drill`); unknown: false. */
  drilled?: boolean;
}

export interface RetentionDecision {
  /** Newest first, each with every reason that kept it (e.g. "daily snapshot"). */
  keep: { set: RetentionSet; reasons: string[] }[];
  /** Ok sets no rule keeps, newest first. */
  remove: RetentionSet[];
  /** Failed and incomplete sets, newest first: never counted, kept, or removed by a policy. */
  ignored: RetentionSet[];
}

/** Reasons that are not a rule's. */
const FUTURE_DATED = 'future-dated';
const NEWEST_OK = 'newest ok set';
const NEWEST_DRILLED = 'newest drilled set';

/** Bucket of a time per counting rule; keep_last puts every set in its own bucket. */
const BUCKETS: Record<KeepRule, { reason: string; bucket: (t: Date, nr: number) => string }> = {
  keep_last: { reason: 'last snapshot', bucket: (_t, nr) => String(nr) },
  keep_hourly: { reason: 'hourly snapshot', bucket: (t) => t.toISOString().slice(0, 13) },
  keep_daily: { reason: 'daily snapshot', bucket: (t) => t.toISOString().slice(0, 10) },
  keep_weekly: { reason: 'weekly snapshot', bucket: (t) => isoWeek(t) },
  keep_monthly: { reason: 'monthly snapshot', bucket: (t) => t.toISOString().slice(0, 7) },
  keep_yearly: { reason: 'yearly snapshot', bucket: (t) => String(t.getUTCFullYear()) },
};

/**
 * Applies `policy` at time `now`:
 * - ok sets, newest first by recorded time (equal times: the greater id counts as newer), are
 *   walked once; each keep_* rule keeps the first set of every new bucket until it has kept N,
 *   and, as restic does, the oldest set too while it still has a count left ("oldest daily
 *   snapshot"); keep_within keeps every set newer than `now` minus the duration;
 * - rules are ORed; sets dated after `now` are kept ("future-dated") and count for no rule;
 * - the newest ok set that is not future-dated is always kept ("newest ok set"), and so is the
 *   newest one whose restore drill passed ("newest drilled set"): the last set proven restorable;
 * - failed and incomplete sets are returned in `ignored`, untouched.
 * A policy without a rule above 0 throws a UsageError: it would remove every set.
 */
export function applyRetention(
  sets: RetentionSet[],
  policy: RetentionPolicy,
  now: Date,
): RetentionDecision {
  checkPolicy(policy);
  if (Number.isNaN(now.getTime())) throw new UsageError('retention: the current time is invalid');
  for (const s of sets) {
    if (Number.isNaN(s.time.getTime())) {
      throw new UsageError(`retention: backup set ${s.id} has no valid time`);
    }
  }
  const sorted = [...sets].sort(newestFirst);
  const ok = sorted.filter((s) => s.status === 'ok');
  const future = ok.filter((s) => s.time.getTime() > now.getTime());
  const counted = ok.filter((s) => s.time.getTime() <= now.getTime());

  const reasons = new Map<RetentionSet, string[]>(future.map((s) => [s, [FUTURE_DATED]]));
  const add = (s: RetentionSet, reason: string) => {
    const list = reasons.get(s);
    if (list) list.push(reason);
    else reasons.set(s, [reason]);
  };

  const within = policy.keep_within;
  if (within && !isZeroDuration(within)) {
    const cutoff = subtractDuration(now, within);
    const reason = `within ${formatDuration(within)}`;
    for (const s of counted) if (s.time.getTime() > cutoff) add(s, reason);
  }
  for (const rule of KEEP_RULES) {
    let left = policy[rule] ?? 0;
    const { reason, bucket } = BUCKETS[rule];
    let last: string | undefined;
    counted.forEach((s, nr) => {
      if (left === 0) return;
      const b = bucket(s.time, nr);
      const oldest = nr === counted.length - 1;
      if (b === last && !oldest) return;
      add(s, b === last ? `oldest ${reason}` : reason);
      last = b;
      left--;
    });
  }
  const newest = counted[0];
  if (newest && !reasons.has(newest)) add(newest, NEWEST_OK);
  const drilled = counted.find((s) => s.drilled);
  if (drilled && !reasons.has(drilled)) add(drilled, NEWEST_DRILLED);

  return {
    keep: ok.flatMap((set) => {
      const r = reasons.get(set);
      return r ? [{ set, reasons: r }] : [];
    }),
    remove: ok.filter((s) => !reasons.has(s)),
    ignored: sorted.filter((s) => s.status !== 'ok'),
  };
}

/** Throws a UsageError unless some rule keeps something (and every count is whole, >= 0). */
function checkPolicy(policy: RetentionPolicy): void {
  for (const rule of KEEP_RULES) {
    const n = policy[rule];
    if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0)) {
      throw new UsageError(`retention: ${rule} must be a whole number, 0 or more, got ${n}`);
    }
  }
  const within = policy.keep_within !== undefined && !isZeroDuration(policy.keep_within);
  if (!within && !KEEP_RULES.some((rule) => (policy[rule] ?? 0) > 0)) {
    throw new UsageError(
      'retention: the policy has no rule above 0, and a policy that keeps nothing would ' +
        `remove every backup set; set one of ${KEEP_RULES.join(', ')} or keep_within`,
    );
  }
}

/** ISO 8601 week of a UTC time: "2026-W53" (the week-year can differ from the year). */
export function isoWeek(t: Date): string {
  const day = Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  const thursday = new Date(day + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const ordinal = (thursday.getTime() - Date.UTC(year, 0, 1)) / 86_400_000; // 0-based
  const week = Math.floor(ordinal / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function newestFirst(a: RetentionSet, b: RetentionSet): number {
  return b.time.getTime() - a.time.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}
