import { describe, expect, it } from 'vitest';
import { backoffDelays, POOL_FULL_RETRY, withRetry } from '../src/retry.js';

describe('backoffDelays', () => {
  it('doubles from the base and stops at the cap, one wait fewer than attempts', () => {
    expect(backoffDelays({ attempts: 6, baseDelayMs: 1000, maxDelayMs: 5000 })).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
    expect(backoffDelays({ attempts: 1, baseDelayMs: 1000, maxDelayMs: 5000 })).toEqual([]);
  });

  it('keeps the pool-full policy bounded (under two minutes of waiting)', () => {
    const total = backoffDelays(POOL_FULL_RETRY).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(30_000);
    expect(total).toBeLessThan(120_000);
  });
});

describe('withRetry', () => {
  const policy = { attempts: 4, baseDelayMs: 10, maxDelayMs: 15 };

  it('retries a retryable error with the policy waits, then succeeds', async () => {
    const waits: number[] = [];
    const heard: number[] = [];
    let calls = 0;
    const out = await withRetry(
      async () => {
        if (++calls < 3) throw new Error('busy');
        return 'ok';
      },
      {
        policy,
        retryable: (e) => (e as Error).message === 'busy',
        sleep: async (ms) => void waits.push(ms),
        onRetry: (_e, attempt) => heard.push(attempt),
      },
    );
    expect(out).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([10, 15]);
    expect(heard).toEqual([1, 2]);
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    const waits: number[] = [];
    await expect(
      withRetry(
        async () => {
          throw new Error(`busy ${++calls}`);
        },
        { policy, retryable: () => true, sleep: async (ms) => void waits.push(ms) },
      ),
    ).rejects.toThrow('busy 4');
    expect(waits).toEqual([10, 15, 15]);
  });

  it('does not retry an error that is not retryable', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('wrong password');
        },
        { policy, retryable: () => false, sleep: async () => undefined },
      ),
    ).rejects.toThrow('wrong password');
    expect(calls).toBe(1);
  });
});
