import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/index.js';
import { runCli, type CliResult, type CliRunOptions } from './dispatchHarness.js';

/**
 * Stations of one fleet for end-to-end tests: each a dispatch home of its own (daemon, codex home
 * on the simulated provider, registry) whose config.toml points at the same test database.
 */
export interface TestStation {
  name: string;
  home: string;
  workspace: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], options?: Partial<CliRunOptions>): Promise<CliResult>;
  ok<T = Record<string, unknown>>(args: string[]): Promise<T>;
  /** `dispatch up --simulate` with these extra daemon variables (DISPATCH_FAILPOINT, a short lease …). */
  up(daemonEnv?: NodeJS.ProcessEnv): Promise<CliResult>;
  /** The daemon's pid (from `daemon status`), e.g. to kill -9 it. */
  pid(): Promise<number>;
  close(): Promise<void>;
}

export async function createStation(name: string, url: string, options: { daemonEnv?: NodeJS.ProcessEnv } = {}): Promise<TestStation> {
  // Short path: Unix socket paths are limited to ~100 bytes.
  const home = await mkdtemp(path.join(os.tmpdir(), 'dsf-'));
  const workspace = path.join(home, 'ws');
  await mkdir(workspace);
  await writeFile(path.join(home, 'config.toml'), `[fleet]\nurl = ${JSON.stringify(url)}\nstation = ${JSON.stringify(name)}\n`);
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: home, DISPATCH_HOME: home, CODEX_HOME: path.join(home, 'no-codex-home'), NO_COLOR: '1' };
  const run = (args: string[], runOptions: Partial<CliRunOptions> = {}): Promise<CliResult> => runCli(args, { ...runOptions, env: runOptions.env ?? env, cwd: runOptions.cwd ?? workspace });
  const station: TestStation = {
    name,
    home,
    workspace,
    env,
    run,
    async ok<T>(args: string[]) {
      const result = await run(args);
      if (result.code !== 0) throw new Error(`[${name}] dispatch ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return result.json as T;
    },
    up: (daemonEnv = {}) => run(['up', '--simulate', '--json'], { env: { ...env, ...options.daemonEnv, ...daemonEnv } }),
    async pid() {
      return (await station.ok<{ daemon: { pid: number } }>(['daemon', 'status'])).daemon.pid;
    },
    async close() {
      await run(['down']);
      // KEEP_FLEET_HOMES=1 keeps the homes (daemon logs, registries) to look into a failure.
      if (process.env['KEEP_FLEET_HOMES'] !== '1') await rm(home, { recursive: true, force: true });
    },
  };
  return station;
}

/** Starts a station's daemon; fails the test with the CLI's stderr when it does not start. */
export async function startStation(name: string, url: string, options: { daemonEnv?: NodeJS.ProcessEnv } = {}): Promise<TestStation> {
  const station = await createStation(name, url, options);
  const up = await station.up();
  if (up.code !== 0) {
    await station.close();
    throw new Error(`[${name}] dispatch up failed (${up.code}): ${up.stderr}`);
  }
  return station;
}

export const isGone = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

/**
 * A loopback TCP proxy in front of the database: `cut()` drops every connection and refuses new
 * ones (the database is unreachable), `restore()` lets them through again.
 */
export interface CuttableProxy {
  /** `url` with its host and port replaced by the proxy's. */
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startCuttableProxy(url: string): Promise<CuttableProxy> {
  const target = new URL(url);
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return {
    url: proxied.toString(),
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      open = true;
    },
    async close() {
      open = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The test database's url with a password in it (the test cluster trusts loopback, so any password works). */
export function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

/** The newest fact in a station's own registry (read beside its daemon): what its published stream must reach. */
export function latestLocalFact(station: TestStation): number {
  const store = openStore({ path: path.join(station.home, 'registry.db') });
  try {
    return store.facts.bounds().latest;
  } finally {
    store.close();
  }
}
