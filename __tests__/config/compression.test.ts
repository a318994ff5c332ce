import { describe, expect, it } from 'vitest';
import { resolveCompression } from '../../src/config/compression.js';
import { BackupError } from '../../src/errors.js';

describe('resolveCompression', () => {
  it('default: zstd where this Node has it', () => {
    expect(resolveCompression(undefined, true, '24.11.0')).toEqual({ compression: 'zstd' });
  });

  it('default without zstd: gzip, with a notice naming the Node version', () => {
    expect(resolveCompression(undefined, false, 'v20.19.1')).toEqual({
      compression: 'gzip',
      notice: 'zstd needs the zstd program or Node 22.15+ (this is Node 20.19.1): using gzip',
    });
  });

  it('explicit choices are kept', () => {
    expect(resolveCompression('gzip', true, '24.0.0')).toEqual({ compression: 'gzip' });
    expect(resolveCompression('none', false, '20.19.0')).toEqual({ compression: 'none' });
    expect(resolveCompression('zstd', true, '22.15.0')).toEqual({ compression: 'zstd' });
  });

  it('explicit zstd without zstd: a config error saying what to do', () => {
    let error: unknown;
    try {
      resolveCompression('zstd', false, '20.19.0');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BackupError);
    const { kind, message } = error as BackupError;
    expect(kind).toBe('config');
    expect(message).toContain('20.19.0');
    expect(message).toContain('lacks zlib zstd');
    expect(message).toContain('install zstd');
    expect(message).toContain('node24');
    expect(message).toContain('compression: gzip');
  });
});
