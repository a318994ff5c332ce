import { describe, expect, it } from 'vitest';
import { MIN_NODE, nodeTooOld } from '../src/node-version.js';
import pkg from '../package.json' with { type: 'json' };

describe('nodeTooOld', () => {
  it('accepts 22.15 and every later Node', () => {
    for (const v of ['22.15.0', '22.20.1', 'v23.0.0', '24.11.1', '30.0.0'])
      expect(nodeTooOld(v), v).toBe(null);
  });

  it('refuses older ones with what to do', () => {
    for (const v of ['22.14.9', '20.19.5', '18.0.0', 'v21.7.3']) {
      const message = nodeTooOld(v);
      expect(message, v).toContain(`needs Node ${MIN_NODE} or newer; this is Node ${v}`);
      expect(message).toMatch(/Install a current Node/);
    }
  });

  it("is the package's engines range", () => {
    expect(pkg.engines.node).toBe(`>=${MIN_NODE.replace(/\.0$/, '')}`);
  });
});
