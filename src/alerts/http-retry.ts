/**
 * Retries for calls to GitHub and webhooks: 429 and 5xx answers and network errors are tried
 * again after an exponential backoff (or the server's Retry-After, capped); anything else fails
 * at once, since asking again would get the same answer.
 */
import { abortableSleep } from '../retry.js';
export interface RetryOptions {
  /** Tries in all, the first included. Default 4. */
  attempts?: number;
  /** The first wait; each next one doubles. Default 1000 ms. */
  baseDelayMs?: number;
  /** No wait is longer, whatever Retry-After says. Default 30 s. */
  maxDelayMs?: number;
  signal?: AbortSignal | undefined;
}

/** Whether a failed try may succeed later, and after how long the server asked us to wait. */
export interface Verdict {
  retry: boolean;
  afterMs?: number | undefined;
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Calls `fn` until it succeeds, `verdict` says the error is final, or the tries run out. */
export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  verdict: (err: unknown) => Verdict,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const v = verdict(err);
      if (!v.retry || attempt >= attempts || options.signal?.aborted) throw err;
      await abortableSleep(Math.min(max, v.afterMs ?? base * 2 ** (attempt - 1)), options.signal);
    }
  }
}

/** One failed try of a POST: a message that never holds the URL, and whether to try again. */
export class Attempt extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    readonly afterMs?: number,
  ) {
    super(message);
  }
}

/** The verdict for withRetries when a try fails with an Attempt (anything else is final). */
export function attemptVerdict(err: unknown): Verdict {
  return {
    retry: err instanceof Attempt && err.retry,
    afterMs: err instanceof Attempt ? err.afterMs : undefined,
  };
}

/** A non-2xx answer as an Attempt: 429 and 5xx are tried again, after Retry-After if given. */
export function answerAttempt(who: string, res: Response): Attempt {
  return new Attempt(
    `${who} answered ${res.status} ${res.statusText}`.trim(),
    isRetryableStatus(res.status),
    retryAfterMs(res.headers.get('retry-after')),
  );
}

/**
 * POSTs `body` to `url`, retried as above; each try may have its own time-out. Throws an Error
 * whose message says what `who` answered and after how many tries, never the URL (fetch's own
 * messages can quote it).
 */
export async function postWithRetries(
  who: string,
  url: string,
  body: { contentType: string; text: string },
  options: RetryOptions & { timeoutMs?: number } = {},
): Promise<void> {
  const tries = options.attempts ?? 4;
  await withRetries(
    async () => {
      const timeout = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
      const signals = [options.signal, timeout].filter((s) => s !== undefined);
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': body.contentType },
          body: body.text,
          signal: signals.length > 0 ? AbortSignal.any(signals) : null,
          redirect: 'error',
        });
      } catch (err) {
        const code = timeout?.aborted
          ? 'timed out'
          : ((err as { cause?: { code?: string } }).cause?.code ?? 'network error');
        throw new Attempt(`${who} could not be reached (${code})`, true);
      }
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return;
      throw answerAttempt(who, res);
    },
    attemptVerdict,
    { ...options, attempts: tries },
  ).catch((err: unknown) => {
    if (!(err instanceof Attempt)) throw new Error(`${who} failed`);
    throw new Error(`${err.message}${err.retry ? ` after ${tries} tries` : ''}`);
  });
}
