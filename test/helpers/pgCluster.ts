/**
 * Throwaway PostgreSQL clusters from Debian's server binaries: initdb into a temp dir (as the
 * `postgres` user when run as root, since initdb and postgres refuse root), a server on a free
 * loopback port and a private socket dir, `fsync=off`. No system cluster or user data is touched.
 * No vitest here, so the bench uses it too; test/helpers/postgres.ts is the per-run cluster on top.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const SUPERUSER = 'dispatch_test';
const READY_DEADLINE_MS = 30_000;

/** The newest installed server's bin dir (Debian's layout), or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : path.join(root, versions[0], 'bin');
}

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

/**
 * A cluster of one's own, for tests that take the database away and bring it back (and the bench).
 * `url` is the superuser's (database `postgres`, trust auth: any password is accepted and ignored).
 */
export interface PrivateCluster {
  url: string;
  /** Shuts the server down (fast: sessions are ended, clients see 57P01); the data stays, `url` is refused until start(). */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port (and waits until it answers). */
  start(): Promise<void>;
  /** stop() then start(): what a restart of the database server looks like to its clients. */
  restart(): Promise<void>;
  /** Stops the server and removes the cluster's files (call it in afterAll / finally). */
  destroy(): Promise<void>;
}

/** initdb's a new cluster and starts its server; throws (saying why) when no PostgreSQL server is installed. */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error('no PostgreSQL server under /usr/lib/postgresql/*/bin (.ci/run installs Debian\'s postgresql package)');
  const owner = clusterOwner();
  const root = mkdtempSync(path.join(os.tmpdir(), 'dispatch-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'sock');
  const asOwner = owner === null ? {} : { uid: owner.uid, gid: owner.gid };
  const remove = (): void => rmSync(root, { recursive: true, force: true });
  let server: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  let url = '';
  let port = 0;

  const stop = async (): Promise<void> => {
    // SIGINT is PostgreSQL's fast shutdown: it ends sessions and exits without waiting for clients.
    if (server !== null && server.exitCode === null) server.kill('SIGINT');
    await exited;
    server = null;
  };
  const start = async (): Promise<void> => {
    if (server !== null) return;
    output = '';
    const started = spawn(
      path.join(bin, 'postgres'),
      ['-D', dataDir, '-k', socketDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...asOwner },
    );
    server = started;
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    try {
      await waitUntilReady(url, started, () => output);
    } catch (error) {
      await stop();
      throw error;
    }
  };
  const destroy = async (): Promise<void> => {
    await stop();
    remove();
  };

  try {
    if (owner !== null) {
      chownSync(root, owner.uid, owner.gid);
      chmodSync(root, 0o700);
    }
    const init = spawnSync(path.join(bin, 'initdb'), ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], { encoding: 'utf8', cwd: root, ...asOwner });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
    mkdirSync(socketDir, { mode: 0o700 });
    if (owner !== null) chownSync(socketDir, owner.uid, owner.gid);
    port = await freePort();
    url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    await start();
  } catch (error) {
    await destroy();
    throw error;
  }
  return {
    url,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    destroy,
  };
}

/** A new, empty database on the cluster whose superuser URL is `clusterUrl`; returns its URL. */
export async function createDatabase(clusterUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
