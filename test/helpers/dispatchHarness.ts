import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RecordedRequest } from '../../src/simulator/index.js';

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

export interface CliRunOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Written to the CLI's stdin, which is then closed; without it stdin stays an open pipe. */
  input?: string;
  timeoutMs?: number;
  /** Bytes of stdout or stderr kept before the run fails; Node's default is 1 MB. */
  maxBuffer?: number;
}

/** Runs the built CLI as a process (stdout is a pipe, so output is JSON); never rejects. */
export function runCli(args: string[], options: CliRunOptions): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [DISPATCH_BIN, ...args], { env: options.env, cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, ...(options.maxBuffer === undefined ? {} : { maxBuffer: options.maxBuffer }) }, (error, stdout, stderr) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, json });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * The simulated provider's request log of a --simulate home (sim/requests.jsonl), oldest first.
 * Read while the simulator appends: a last line not yet ended is left for the next read.
 */
export function readRequestLog(home: string): RecordedRequest[] {
  const lines = readFileSync(path.join(home, 'sim', 'requests.jsonl'), 'utf8').split('\n');
  return lines
    .slice(0, -1)
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as RecordedRequest);
}

export interface DispatchHarness {
  home: string;
  workspace: string;
  env: NodeJS.ProcessEnv;
  /** Runs the built CLI in this home (see runCli); env and cwd default to the harness's. */
  run(args: string[], options?: Partial<CliRunOptions>): Promise<CliResult>;
  /** Like run, but fails the test with the CLI's stderr unless it exits 0. */
  ok<T = Record<string, unknown>>(args: string[], options?: { cwd?: string }): Promise<T>;
  close(): Promise<void>;
}

/** A throwaway DISPATCH_HOME whose daemon runs codex on the simulated provider. */
export async function startDispatchHarness(options: { daemonEnv?: NodeJS.ProcessEnv; configToml?: (home: string) => string } = {}): Promise<DispatchHarness> {
  // Short path: Unix socket paths are limited to ~100 bytes.
  const home = await mkdtemp(path.join(os.tmpdir(), 'dsp-'));
  const workspace = path.join(home, 'ws');
  await mkdir(workspace);
  if (options.configToml) await writeFile(path.join(home, 'config.toml'), options.configToml(home));
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, CODEX_HOME: path.join(home, 'no-codex-home'), NO_COLOR: '1' };
  const run = (args: string[], runOptions: Partial<CliRunOptions> = {}): Promise<CliResult> => runCli(args, { ...runOptions, env: runOptions.env ?? env, cwd: runOptions.cwd ?? workspace });
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

/** Reads until `done` holds, every 100 ms; fails with `what` and the last value after `timeoutMs`. */
export async function pollUntil<T, S extends T>(read: () => Promise<T>, done: (value: T) => value is S, what: string, timeoutMs?: number): Promise<S>;
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs?: number): Promise<T>;
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls `lane get` until the lane is no longer busy. */
export async function waitForLane(harness: DispatchHarness, lane: string, until: (lane: Record<string, unknown>) => boolean = (l) => l['status'] !== 'busy' && l['status'] !== 'waiting_approval', timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return pollUntil(() => harness.ok(['lane', 'get', lane]), until, `lane ${lane} settling`, timeoutMs);
}
