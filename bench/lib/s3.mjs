// The s3 destination's section of the bench: a local S3 server (s3rver, in this process, so its
// memory and CPU are not counted as the tool's) with one bucket, the config lines and
// environment a run needs, and the report rows.
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { fmt, median } from './report.mjs';

export const S3_BUCKET = 'bench-backups';

export async function startS3(work) {
  const dir = mkdtempSync(path.join(work, 's3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: S3_BUCKET }));
  return {
    lines: [
      '    destinations: [s3]',
      '    s3:',
      `      bucket: ${S3_BUCKET}`,
      `      endpoint: ${endpoint}`,
      '      region: us-east-1',
      '      force_path_style: true',
      '      access_key_id_secret: BENCH_S3_KEY',
      '      secret_access_key_secret: BENCH_S3_SECRET',
    ],
    env: { BENCH_S3_KEY: 'S3RVER', BENCH_S3_SECRET: 'S3RVER' },
    async close() {
      client.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Markdown lines for results.s3 (undefined when the section did not run). */
export function s3Rows(s3) {
  if (!s3) return [];
  const med = (k, f) => median(s3.runs[k].map((r) => r[f]));
  const row = (label, k) =>
    `| ${label} | ${fmt(med(k, 'stored') / 1024 / 1024, 0)} MB | ${fmt(med(k, 'wall'), 1)} s | ${fmt(med(k, 'nodeRssKb') / 1024, 0)} MB |`;
  return [
    '',
    `### The s3 destination (${s3.mb} MB database, compression none, ${s3.runs.s3.length} run(s), medians)`,
    '',
    'The same backup stored in the output directory only (`local`) and uploaded to a local S3',
    'server (s3rver, in the bench process: its CPU and memory are not counted). Peak RSS is the',
    "tool's node process (VmHWM).",
    '',
    '| destination | set size | wall time | node peak RSS |',
    '| --- | --- | --- | --- |',
    row('local', 'local'),
    row('s3 (8 MiB parts, 4 in flight, Content-MD5 each)', 's3'),
  ];
}
