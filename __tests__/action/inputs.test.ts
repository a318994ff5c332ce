/** The action's max-jobs input: what GitHub can run, or a usage error before anything starts. */
import { afterEach, describe, expect, it } from 'vitest';
import { readInputs } from '../../src/action/inputs.js';
import { UsageError } from '../../src/errors.js';

const KEY = 'INPUT_MAX-JOBS';
afterEach(() => {
  delete process.env['INPUT_MAX-JOBS'];
  delete process.env.INPUT_COMMAND;
});

describe('input max-jobs', () => {
  it('is 256 when empty, else the number given from 1 to 256', () => {
    process.env.INPUT_COMMAND = 'plan';
    expect(readInputs().maxJobs).toBe(256);
    process.env[KEY] = '12';
    expect(readInputs().maxJobs).toBe(12);
  });

  it('refuses more than a matrix may hold, or less than one job', () => {
    process.env.INPUT_COMMAND = 'plan';
    for (const bad of ['257', '0', 'ten']) {
      process.env[KEY] = bad;
      expect(() => readInputs()).toThrow(UsageError);
    }
    process.env[KEY] = '1000';
    expect(() => readInputs()).toThrow(
      'input max-jobs: "1000" is not a whole number from 1 to 256',
    );
  });
});
