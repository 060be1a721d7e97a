import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { DispatchError } from '../shared/errors.js';
import type { CodexBinary } from './binary.js';

/**
 * dispatch's own variables (DISPATCH_HOME, DISPATCH_SOCKET, DISPATCH_CODEX_BIN, DISPATCH_FAILPOINT,
 * …): they configure dispatch, not codex, and would point an agent's own `dispatch` calls at this
 * daemon's internals. Everything else the user had when the daemon started is codex's to use.
 */
const DISPATCH_PREFIX = 'DISPATCH_';

export interface CodexEnvironmentOptions {
  codexHome: string;
  /** Variables set (or, when undefined, removed) on top of the inherited ones, e.g. the simulated provider's key. */
  extra?: Record<string, string | undefined>;
  parent?: NodeJS.ProcessEnv;
}

/**
 * The environment of an app-server: the parent's (the user's, as they started the daemon) minus
 * DISPATCH_*, with CODEX_HOME set and the extras applied. What the agent's commands then see is
 * codex's business (`shell_environment_policy`). Values never leave this function except to codex.
 */
export function codexEnvironment(binary: CodexBinary, options: CodexEnvironmentOptions): Record<string, string> {
  const parent = options.parent ?? process.env;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value !== undefined && !key.startsWith(DISPATCH_PREFIX)) env[key] = value;
  }
  env['CODEX_HOME'] = options.codexHome;
  if (binary.packageRoot) {
    // What the npm shim would have set, so codex reports itself as npm-managed.
    env['CODEX_MANAGED_BY_NPM'] = '1';
    env['CODEX_MANAGED_PACKAGE_ROOT'] = binary.packageRoot;
  }
  for (const [key, value] of Object.entries(options.extra ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Keeps the last lines a process wrote, bounded in count and bytes. */
export class RingBuffer {
  private lines: string[] = [];
  private partial = '';
  private readonly maxLines: number;

  constructor(maxLines = 200) {
    this.maxLines = maxLines;
  }

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = (parts.pop() ?? '').slice(-4096);
    for (const line of parts) this.lines.push(line.slice(0, 4096));
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  tail(count = this.maxLines): string[] {
    const all = this.partial ? [...this.lines, this.partial] : [...this.lines];
    return all.slice(-count);
  }
}

export interface SpawnAppServerOptions {
  binary: CodexBinary;
  env: Record<string, string>;
  cwd?: string;
  /** Extra arguments after `app-server --listen stdio://`. */
  args?: string[];
}

/**
 * One running `codex app-server --listen stdio://`. stdout carries JSONL only; stderr is logs,
 * kept as a bounded tail for error reports.
 */
export class AppServerProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderr = new RingBuffer();
  readonly exited: Promise<ProcessExit>;
  readonly startedAt = Date.now();
  private exitInfo: ProcessExit | undefined;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** Spawns the binary directly and waits until the OS has started it. */
  static async spawn(options: SpawnAppServerOptions): Promise<AppServerProcess> {
    const child = spawn(options.binary.path, ['app-server', '--listen', 'stdio://', ...(options.args ?? [])], {
      env: options.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const failed = once(child, 'error').then(([error]) => error as Error);
    const spawned = once(child, 'spawn').then(() => undefined);
    const error = await Promise.race([failed, spawned]);
    if (error) throw new DispatchError('codex_missing', `failed to spawn codex app-server: ${error.message}`, { cause: error });
    failed.catch(() => undefined);
    return new AppServerProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exit(): ProcessExit | undefined {
    return this.exitInfo;
  }

  /** Sends a signal (tests use SIGKILL to simulate a crash). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.exitInfo) this.child.kill(signal);
  }

  /** Closes gracefully: end stdin, then SIGTERM, then SIGKILL, each after a grace period. */
  async close(graceMs = 2000): Promise<ProcessExit> {
    if (this.exitInfo) return this.exitInfo;
    const waitExit = (ms: number): Promise<boolean> =>
      Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    this.child.stdin.end();
    if (await waitExit(graceMs)) return this.exited;
    this.child.kill('SIGTERM');
    if (await waitExit(graceMs)) return this.exited;
    this.child.kill('SIGKILL');
    return this.exited;
  }
}
