import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ChunkedFileWriter } from '../../src/pipeline/chunked-file.js';

/** This process's open descriptors that point into dir. */
function openIn(dir: string): string[] {
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(join('/proc/self/fd', fd));
      } catch {
        return '';
      }
    })
    .filter((target) => target.startsWith(dir));
}

describe('ChunkedFileWriter', () => {
  it('leaves no file open when destroyed while a chunk is being opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chunked-destroy-'));
    for (let i = 0; i < 20; i++) {
      const w = new ChunkedFileWriter(dir, `part-${i}`, 4);
      w.on('error', () => undefined);
      w.write(Buffer.from('0123456789'));
      // The first chunk's open is in flight now; destroy before it resolves.
      w.destroy(new Error('stopped'));
    }
    await sleep(200);
    expect(openIn(dir)).toEqual([]);
  });
});
