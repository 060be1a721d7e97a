/**
 * A throwaway PostgreSQL cluster for the fleet tests: vitest's globalSetup starts one per run
 * (initdb into a temp dir, a server on a free loopback port and a private socket dir) and removes it
 * at the end; each test file asks for its own database. No system cluster or user data is touched.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster's superuser URL (database `postgres`), or the reason no cluster could start. */
    postgres: { url: string } | { error: string };
  }
}

const SUPERUSER = 'dispatch_test';
const READY_DEADLINE_MS = 30_000;

/** The newest installed server's bin dir (Debian's layout), or null. */
function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : path.join(root, versions[0], 'bin');
}

/** initdb and postgres refuse to run as root: then the cluster belongs to the `postgres` system user. */
function clusterOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string): number => {
    const out = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error('running as root needs the `postgres` system user (Debian\'s postgresql package creates it)');
    return Number(out.stdout.trim());
  };
  return { uid: id('-u'), gid: id('-g') };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitUntilReady(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}: ${log()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`postgres was not ready within ${READY_DEADLINE_MS} ms: ${String(error)}; ${log()}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

interface Cluster {
  url: string;
  stop(): Promise<void>;
}

async function startCluster(): Promise<Cluster> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error('no PostgreSQL server under /usr/lib/postgresql/*/bin (.ci/run installs Debian\'s postgresql package)');
  const owner = clusterOwner();
  const root = mkdtempSync(path.join(os.tmpdir(), 'dispatch-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'sock');
  const asOwner = owner === null ? {} : { uid: owner.uid, gid: owner.gid };
  if (owner !== null) {
    chownSync(root, owner.uid, owner.gid);
    chmodSync(root, 0o700);
  }
  const remove = (): void => rmSync(root, { recursive: true, force: true });
  try {
    const init = spawnSync(path.join(bin, 'initdb'), ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], { encoding: 'utf8', cwd: root, ...asOwner });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
    mkdirSync(socketDir, { mode: 0o700 });
    if (owner !== null) chownSync(socketDir, owner.uid, owner.gid);
    const port = await freePort();
    let output = '';
    const server = spawn(
      path.join(bin, 'postgres'),
      ['-D', dataDir, '-k', socketDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...asOwner },
    );
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
    };
    server.stdout?.on('data', keep);
    server.stderr?.on('data', keep);
    const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    const stop = async (): Promise<void> => {
      // SIGINT is PostgreSQL's fast shutdown: it ends sessions and exits without waiting for clients.
      if (server.exitCode === null) server.kill('SIGINT');
      await exited;
      remove();
    };
    try {
      await waitUntilReady(url, server, () => output);
    } catch (error) {
      await stop();
      throw error;
    }
    return { url, stop };
  } catch (error) {
    remove();
    throw error;
  }
}

/** vitest globalSetup: one cluster per run; a failure to start is handed on, so only tests that need it fail. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let cluster: Cluster | null = null;
  try {
    cluster = await startCluster();
    project.provide('postgres', { url: cluster.url });
  } catch (error) {
    project.provide('postgres', { error: error instanceof Error ? error.message : String(error) });
  }
  return async () => {
    await cluster?.stop();
  };
}

/** A fresh, empty database of this run's cluster, for one test file; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const provided = inject('postgres');
  if ('error' in provided) throw new Error(`the throwaway PostgreSQL cluster did not start: ${provided.error}`);
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: provided.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(provided.url);
  url.pathname = `/${name}`;
  return url.toString();
}
