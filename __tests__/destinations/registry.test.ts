import { describe, expect, it } from 'vitest';
import { leavesRunner, withOutputDirectory } from '../../src/destinations/registry.js';

describe('destination registry', () => {
  it('says which destinations take sets off the runner (a public repository needs encryption)', () => {
    expect(leavesRunner(['local'])).toBe(false);
    expect(leavesRunner(['s3'])).toBe(true);
    expect(leavesRunner(['local', 'branch'])).toBe(true);
    expect(leavesRunner(['artifact'])).toBe(true);
  });

  it('reads sets back from the destinations and the output directory, once each', () => {
    expect(withOutputDirectory(['s3', 'local'])).toEqual(['s3', 'local']);
    expect(withOutputDirectory(['artifact', 'branch'])).toEqual(['artifact', 'branch', 'local']);
  });
});
