import { describe, expect, it } from 'vitest';
import { mapLimit } from '../src/concurrency.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapLimit', () => {
  it('keeps the order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      peak = Math.max(peak, ++running);
      await sleep(n * 3);
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });

  it('after a failure starts nothing new, waits for the running calls, then throws the first error', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const err = await mapLimit([0, 1, 2, 3, 4, 5], 3, async (i) => {
      started.push(i);
      if (i === 1) throw new Error('boom 1');
      await sleep(30);
      if (i === 2) throw new Error('boom 2');
      finished.push(i);
      return i;
    }).catch((e: Error) => e);
    expect((err as Error).message).toBe('boom 1');
    // 0 and 2 were running when 1 failed: both ran to their end before the rejection.
    expect(started).toEqual([0, 1, 2]);
    expect(finished).toEqual([0]);
  });
});
