/**
 * A throwaway simulated home for the benches that need a real daemon and app-server: `dispatch up
 * --simulate` through the built CLI in a temp DISPATCH_HOME, then a control-socket client to drive it
 * (hundreds of CLI processes would measure node start-up, not the daemon).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DaemonClient } from '../src/client/client.js';
import { resolvePaths } from '../src/control/paths.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const CLI = path.join(ROOT, 'bin', 'dispatch.js');

export interface SimulatedHome {
  home: string;
  workspace: string;
  env: NodeJS.ProcessEnv;
  client: DaemonClient;
  cli(args: string[]): string;
  close(): Promise<void>;
}

/** `configToml`: the home's config.toml (e.g. a `[fleet]` section), written before the daemon starts. */
export async function openSimulatedHome(options: { configToml?: string } = {}): Promise<SimulatedHome> {
  // Short path: Unix socket paths are limited to ~100 bytes.
  const home = mkdtempSync(path.join(os.tmpdir(), 'dsp-bench-'));
  if (options.configToml !== undefined) writeFileSync(path.join(home, 'config.toml'), options.configToml);
  const workspace = home;
  // A fresh environment: NODE_EXTRA_CA_CERTS (which makes node read a CA bundle at start) is unset.
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, CODEX_HOME: path.join(home, 'no-codex-home'), NO_COLOR: '1' };
  const cli = (args: string[]): string => execFileSync(process.execPath, [CLI, ...args], { env, cwd: workspace, stdio: 'pipe', encoding: 'utf8' });
  try {
    cli(['up', '--simulate']);
    const client = await DaemonClient.connect(resolvePaths(env).socket);
    return {
      home,
      workspace,
      env,
      client,
      cli,
      async close() {
        await client.close().catch(() => undefined);
        try {
          cli(['down']);
        } finally {
          rmSync(home, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    try {
      cli(['down']);
    } catch {
      // Nothing came up; the error that matters is the first one.
    }
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}

/** A field of /proc/<pid>/status in MB (VmRSS now, VmHWM the peak); NaN when unreadable (not Linux, gone). */
export function procMemoryMb(pid: number | null | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (!pid) return Number.NaN;
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Polls `read` until it returns a value, every `everyMs`; throws `what` after `timeoutMs`. */
export async function waitFor<T>(read: () => Promise<T | undefined>, what: string, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Runs `task` over `items`, at most `limit` at a time. */
export async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
