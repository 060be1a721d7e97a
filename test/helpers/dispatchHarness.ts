import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DISPATCH_BIN = path.join(ROOT, 'bin', 'dispatch.js');
export const DISPATCHD_BIN = path.join(ROOT, 'bin', 'dispatchd.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

export interface DispatchHarness {
  home: string;
  workspace: string;
  env: NodeJS.ProcessEnv;
  /** Runs the built CLI as a process (stdout is a pipe, so output is JSON). */
  run(args: string[], options?: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  /** Like run, but fails the test with the CLI's stderr unless it exits 0. */
  ok<T = Record<string, unknown>>(args: string[], options?: { cwd?: string }): Promise<T>;
  close(): Promise<void>;
}

/** A throwaway DISPATCH_HOME whose daemon runs codex on the simulated provider. */
export async function startDispatchHarness(options: { daemonEnv?: NodeJS.ProcessEnv } = {}): Promise<DispatchHarness> {
  // Short path: Unix socket paths are limited to ~100 bytes.
  const home = await mkdtemp(path.join(os.tmpdir(), 'dsp-'));
  const workspace = path.join(home, 'ws');
  await mkdir(workspace);
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, CODEX_HOME: path.join(home, 'no-codex-home'), NO_COLOR: '1' };
  const run = (args: string[], runOptions: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(process.execPath, [DISPATCH_BIN, ...args], { env: runOptions.env ?? env, cwd: runOptions.cwd ?? workspace, timeout: runOptions.timeoutMs ?? 60_000 }, (error, stdout, stderr) => {
        let json: unknown;
        try {
          json = JSON.parse(stdout);
        } catch {
          json = undefined;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, json });
      });
    });
  const harness: DispatchHarness = {
    home,
    workspace,
    env,
    run,
    async ok<T>(args: string[], options?: { cwd?: string }) {
      const result = await run(args, options);
      if (result.code !== 0) throw new Error(`dispatch ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return result.json as T;
    },
    async close() {
      await run(['down']);
      await rm(home, { recursive: true, force: true });
    },
  };
  const up = await run(['up', '--simulate', '--json'], { env: { ...env, ...options.daemonEnv } });
  if (up.code !== 0) throw new Error(`dispatch up failed (${up.code}): ${up.stderr}`);
  return harness;
}

/** Polls `lane get` until the lane is no longer busy. */
export async function waitForLane(harness: DispatchHarness, lane: string, until: (lane: Record<string, unknown>) => boolean = (l) => l['status'] !== 'busy' && l['status'] !== 'waiting_approval', timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = await harness.ok(['lane', 'get', lane]);
    if (until(shown)) return shown;
    if (Date.now() > deadline) throw new Error(`lane ${lane} did not settle: ${JSON.stringify(shown)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
