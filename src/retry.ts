/**
 * Bounded exponential backoff. The clock is injected (`sleep`) so tests never wait, and the
 * bound is on attempts: a run never hangs on a resource that stays busy.
 */
export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Wait before the second attempt; each later wait doubles, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** For a pooler whose session pool is full: about a minute and a half of waits in all. */
export const POOL_FULL_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 3_000, maxDelayMs: 30_000 };

/** The waits between attempts, in order (attempts - 1 of them). */
export function backoffDelays(policy: RetryPolicy): number[] {
  return Array.from({ length: Math.max(0, policy.attempts - 1) }, (_, i) =>
    Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** i),
  );
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts (at once if it has). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/**
 * Calls `fn` until it succeeds, the error is not `retryable`, or the attempts are spent; then
 * throws the last error. `onRetry` hears each wait before it starts (for a log line).
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  options: {
    policy: RetryPolicy;
    retryable: (err: unknown) => boolean;
    sleep?: (ms: number) => Promise<void>;
    onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  },
): Promise<T> {
  const delays = backoffDelays(options.policy);
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delay = delays[attempt - 1];
      if (delay === undefined || !options.retryable(err)) throw err;
      options.onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}
