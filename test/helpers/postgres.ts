/**
 * The fleet tests' PostgreSQL: vitest's globalSetup starts one throwaway cluster per run
 * (pgCluster.ts) and removes it at the end; each test file asks for its own database
 * (createTestDatabase). A test that takes the database away and back (a restart, a minute
 * unreachable) starts a cluster of its own instead: startPrivateCluster(), re-exported here.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';
import { createDatabase, startPrivateCluster, type PrivateCluster } from './pgCluster.js';

export { createDatabase, startPrivateCluster, type PrivateCluster } from './pgCluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster's superuser URL (database `postgres`), or the reason no cluster could start. */
    postgres: { url: string } | { error: string };
  }
}

/** vitest globalSetup: one cluster per run; a failure to start is handed on, so only tests that need it fail. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let cluster: PrivateCluster | null = null;
  try {
    cluster = await startPrivateCluster();
    project.provide('postgres', { url: cluster.url });
  } catch (error) {
    project.provide('postgres', { error: error instanceof Error ? error.message : String(error) });
  }
  return async () => {
    await cluster?.destroy();
  };
}

/** A fresh, empty database of this run's cluster, for one test file; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const provided = inject('postgres');
  if ('error' in provided) throw new Error(`the throwaway PostgreSQL cluster did not start: ${provided.error}`);
  return createDatabase(provided.url, `t_${randomBytes(6).toString('hex')}`);
}
