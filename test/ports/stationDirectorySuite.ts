import { afterEach, beforeEach, expect, it } from 'vitest';
import type { StationDirectory, StationEntry, StationInfo } from '../../src/core/stationDirectory.js';
import { LATEST_FLEET_SCHEMA_VERSION } from '../../src/fleet/schema.js';
import { DispatchError } from '../../src/shared/errors.js';

/** One shared fleet database; each open() is another station's connection to it. */
export interface StationDirectoryEnv {
  open(options?: { leaseMs?: number }): Promise<StationDirectory>;
  /** Sets the database's fleet schema version as a newer dispatch would have left it. */
  setSchemaVersion(version: number): Promise<void>;
  close(): Promise<void>;
}

const SHORT_LEASE_MS = 300;
const DEADLINE_MS = 10_000;

const info = (host: string): StationInfo => ({ host, version: '0.2.0', mode: 'simulate' });

async function failure(promise: Promise<unknown>): Promise<DispatchError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!(error instanceof DispatchError)) throw new Error(`expected a DispatchError, got ${String(error)}`);
  return error;
}

/** Polls the directory until `name` is in `state`, with a deadline. */
async function until(directory: StationDirectory, name: string, state: StationEntry['state']): Promise<StationEntry> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const entry = (await directory.list()).find((e) => e.name === name);
    if (entry?.state === state) return entry;
    if (Date.now() > deadline) throw new Error(`station ${name} not ${state} within ${DEADLINE_MS} ms: ${JSON.stringify(entry)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The StationDirectory port's contract: every implementation (the fake, fleet/ on PostgreSQL) passes it. */
export function runStationDirectorySuite(makeEnv: () => Promise<StationDirectoryEnv>): void {
  let env: StationDirectoryEnv;
  const opened: StationDirectory[] = [];
  const open = async (options?: { leaseMs?: number }): Promise<StationDirectory> => {
    const directory = await env.open(options);
    opened.push(directory);
    return directory;
  };

  beforeEach(async () => {
    env = await makeEnv();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((d) => d.close()));
    await env.close();
  });

  it('a joined station is listed up, with what it told and the directory\'s times', async () => {
    const directory = await open();
    const lease = await directory.join('build-1', info('box-a'));
    expect(lease.name).toBe('build-1');
    const [entry, ...rest] = await directory.list();
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ name: 'build-1', host: 'box-a', version: '0.2.0', mode: 'simulate', instanceId: lease.instanceId, state: 'up', leaseExpiresAt: lease.expiresAt });
    expect(Date.parse(entry?.leaseExpiresAt ?? '')).toBeGreaterThan(Date.parse(entry?.lastSeen ?? ''));
  });

  it('a heartbeat renews the lease', async () => {
    const directory = await open();
    const lease = await directory.join('build-1', info('box-a'));
    const deadline = Date.now() + DEADLINE_MS;
    let renewed = await directory.heartbeat(lease);
    while (renewed.expiresAt === lease.expiresAt && Date.now() < deadline) renewed = await directory.heartbeat(lease);
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.parse(lease.expiresAt));
    expect((await directory.list())[0]?.leaseExpiresAt).toBe(renewed.expiresAt);
  });

  it('a second station claiming a live name is refused, naming the name and the holder\'s host', async () => {
    const first = await open();
    const second = await open();
    await first.join('build-1', info('box-a'));
    const error = await failure(second.join('build-1', info('box-b')));
    expect(error.code).toBe('conflict');
    expect(error.message).toContain('build-1');
    expect(error.message).toContain('box-a');
    expect(error.data).toEqual({ station: 'build-1', holderHost: 'box-a' });
    expect((await second.list()).map((e) => e.host)).toEqual(['box-a']);
  });

  it('a lapsed lease is shown unreachable and taken over; the old holder has lost it', async () => {
    const crashed = await open({ leaseMs: SHORT_LEASE_MS });
    const replacement = await open();
    const old = await crashed.join('build-1', info('box-a'));
    await until(replacement, 'build-1', 'unreachable');
    const lease = await replacement.join('build-1', info('box-b'));
    expect(lease.instanceId).not.toBe(old.instanceId);
    expect(await until(replacement, 'build-1', 'up')).toMatchObject({ host: 'box-b', instanceId: lease.instanceId });
    const lost = await failure(crashed.heartbeat(old));
    expect(lost.code).toBe('conflict');
    expect(lost.message).toContain('build-1');
    await crashed.leave(old); // the old holder's leave must not remove the new holder
    expect((await replacement.list()).map((e) => [e.name, e.host, e.state])).toEqual([['build-1', 'box-b', 'up']]);
  });

  it('list derives each station\'s state from its own lease', async () => {
    const shortLived = await open({ leaseMs: SHORT_LEASE_MS });
    const steady = await open();
    await shortLived.join('edge', info('box-a'));
    await steady.join('build-1', info('box-b'));
    await until(steady, 'edge', 'unreachable');
    expect((await steady.list()).map((e) => [e.name, e.state])).toEqual([['build-1', 'up'], ['edge', 'unreachable']]);
  });

  it('a station that leaves is gone and its name is free', async () => {
    const first = await open();
    const second = await open();
    const lease = await first.join('build-1', info('box-a'));
    await first.leave(lease);
    expect(await first.list()).toEqual([]);
    await second.join('build-1', info('box-b'));
    expect((await first.list()).map((e) => e.host)).toEqual(['box-b']);
  });

  it('a database of a newer fleet schema is refused, naming both versions', async () => {
    await (await open()).list(); // the database exists at this build's version
    await env.setSchemaVersion(LATEST_FLEET_SCHEMA_VERSION + 1);
    const error = await failure(open());
    expect(error.code).toBe('version_skew');
    expect(error.message).toContain(`schema version ${LATEST_FLEET_SCHEMA_VERSION + 1}`);
    expect(error.message).toContain(`up to ${LATEST_FLEET_SCHEMA_VERSION}`);
    expect(error.data).toEqual({ databaseVersion: LATEST_FLEET_SCHEMA_VERSION + 1, knownVersion: LATEST_FLEET_SCHEMA_VERSION });
  });

  it('stations opening together on a fresh database all join it, and of concurrent claims of one name exactly one wins', async () => {
    const stations = await Promise.all(Array.from({ length: 5 }, () => open()));
    const claims = await Promise.allSettled(stations.map((s, i) => s.join('build-1', info(`box-${i}`))));
    const won = claims.filter((c) => c.status === 'fulfilled');
    const refused = claims.flatMap((c) => (c.status === 'rejected' ? [c.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(refused).toHaveLength(4);
    for (const reason of refused) expect(reason instanceof DispatchError && reason.code).toBe('conflict');
    expect(await stations[0]?.list()).toHaveLength(1);
  });

  it('concurrent takeovers of a lapsed name: exactly one wins', async () => {
    const crashed = await open({ leaseMs: SHORT_LEASE_MS });
    await crashed.join('build-1', info('box-a'));
    const stations = await Promise.all(Array.from({ length: 4 }, () => open()));
    await until(crashed, 'build-1', 'unreachable');
    const claims = await Promise.allSettled(stations.map((s, i) => s.join('build-1', info(`box-${i}`))));
    expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    expect((await crashed.list()).map((e) => e.state)).toEqual(['up']);
  });
}
