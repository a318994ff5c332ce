/**
 * Runs the built action (dist/index.js) the way the runner does: inputs as INPUT_* variables,
 * GITHUB_ACTIONS=true, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, RUNNER_TEMP. Asynchronously:
 * the emulators (git server, artifact service, REST API) live in the test's process and must
 * keep answering while the action talks to them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ActionOptions {
  /** The `with:` inputs, by their action.yml names. */
  inputs: Record<string, string>;
  /** The environment underneath the runner's variables (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** RUNNER_TEMP, holding the `output` and `summary` files (default: a fresh temp dir). */
  temp?: string;
  /** The workspace the action runs in (default: `temp`). */
  cwd?: string;
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr as they arrived, interleaved. */
  log: string;
  /** What the run set with core.setOutput, parsed from the GITHUB_OUTPUT file. */
  outputs: Record<string, string>;
  /** The job summary the run wrote. */
  summary: string;
  temp: string;
}

/**
 * One run. Runs sharing a `temp` must not overlap: the output and summary files are emptied at
 * the start of each, as a runner gives each step its own.
 */
export function runAction({
  inputs,
  env = process.env,
  temp,
  cwd,
}: ActionOptions): Promise<ActionRun> {
  const dir = temp ?? mkdtempSync(join(tmpdir(), 'runner-'));
  const [output, summary] = [join(dir, 'output'), join(dir, 'summary')];
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const inputEnv = Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]);
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    ...Object.fromEntries(inputEnv),
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: dir,
  };
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [resolve('dist/index.js')], {
      cwd: cwd ?? dir,
      env: childEnv,
    });
    const text = { stdout: '', stderr: '', log: '' };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].on('data', (c: Buffer) => {
        text[stream] += c.toString();
        text.log += c.toString();
      });
    }
    child.on('error', rej);
    child.on('close', (code) => {
      try {
        const outputs = parseOutputs(readFileSync(output, 'utf8'));
        res({
          code: code ?? 1,
          ...text,
          outputs,
          summary: readFileSync(summary, 'utf8'),
          temp: dir,
        });
      } catch (err) {
        rej(err as Error);
      }
    });
  });
}

/** The runner's GITHUB_OUTPUT format: `name<<DELIMITER`, the value's lines, `DELIMITER`. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const end = lines.indexOf(m[2]!, i + 1);
    if (end === -1) throw new Error(`GITHUB_OUTPUT: ${m[1]} has no closing ${m[2]}`);
    outputs[m[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}
