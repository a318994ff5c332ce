import { describe, expect, it } from 'vitest';
import { runStreaming } from '../../src/proc/run.js';

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

describe('runStreaming', () => {
  // Node resumes, and so discards, a child's unread stdout when it exits: a dump that ended
  // before its reader began came back empty with exit 0 (seen as an empty roles part).
  it('keeps what a child printed before it exited, however late the reader starts', async () => {
    const child = runStreaming('sh', ['-c', 'echo "CREATE ROLE app_editor;"; echo "RESET ALL;"']);
    await child.done;
    await new Promise((r) => setTimeout(r, 100));
    expect((await readAll(child.stdout)).toString()).toBe('CREATE ROLE app_editor;\nRESET ALL;\n');
  });

  it('holds back a child whose output is not read (backpressure), then delivers all of it', async () => {
    const child = runStreaming('sh', ['-c', 'head -c 8000000 /dev/zero']);
    let exited = false;
    void child.done.then(() => (exited = true));
    await new Promise((r) => setTimeout(r, 500));
    // 8 MB do not fit the pipe and the 1 MiB buffer: the child is still writing.
    expect(exited).toBe(false);
    expect((await readAll(child.stdout)).length).toBe(8_000_000);
    await child.done;
  });
});
