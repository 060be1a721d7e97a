import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetWake, NewMail } from '../../src/core/fleet.js';
import { openPgFleet, type PgFleet } from '../../src/fleet/pgFleet.js';
import { LISTENER_APPLICATION_NAME } from '../../src/fleet/pgListener.js';
import { DispatchError } from '../../src/shared/errors.js';
import { createDatabase, createTestDatabase, startPrivateCluster, type PrivateCluster } from '../helpers/postgres.js';

const DEADLINE_MS = 15_000;
const PASSWORD = 'pw-s3cret-never-shown';

let ref = 0;
const mail = (target = 'bravo'): NewMail => ({ sender: 'alpha', senderRef: ++ref, target, lane: '@worker', body: { kind: 'send', mode: 'send', text: 'hi' } });

/** Posts (through `poster`) until `seen` holds a mail wake for bravo, with a deadline. */
async function untilMailWake(poster: PgFleet, seen: FleetWake[]): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    await poster.post(mail()).catch(() => undefined);
    const until = Date.now() + 200;
    while (Date.now() < until) {
      if (seen.some((w) => w.channel === 'mail' && w.station === 'bravo')) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (Date.now() > deadline) throw new Error(`no mail wake within ${DEADLINE_MS} ms`);
  }
}

async function listenerPids(url: string): Promise<number[]> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const rows = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [LISTENER_APPLICATION_NAME]);
    return rows.rows.map((r) => r.pid);
  } finally {
    await admin.end();
  }
}

async function failure(promise: Promise<unknown>): Promise<DispatchError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  if (!(error instanceof DispatchError)) throw new Error(`expected a DispatchError, got ${String(error)}`);
  return error;
}

it('the listener reconnects after the server ends its connection (pg_terminate_backend), and wakes arrive again', async () => {
  const url = await createTestDatabase();
  const errors: Error[] = [];
  const fleet = await openPgFleet(url, { onError: (error) => errors.push(error) });
  const poster = await openPgFleet(url);
  try {
    const seen: FleetWake[] = [];
    const subscription = fleet.listen((wake) => seen.push(wake));
    await untilMailWake(poster, seen);
    const [before, ...others] = await listenerPids(url);
    expect(others).toEqual([]);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('SELECT pg_terminate_backend($1)', [before]);
    await admin.end();
    const deadline = Date.now() + DEADLINE_MS;
    while (!errors.some((e) => e instanceof DispatchError && e.code === 'fleet_unavailable') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(errors.map((e) => (e instanceof DispatchError ? e.code : e.message))).toContain('fleet_unavailable');
    seen.length = 0;
    await untilMailWake(poster, seen);
    const after = await listenerPids(url);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before);
    subscription.dispose();
  } finally {
    await Promise.all([fleet.close(), poster.close()]);
  }
});

it('the listening connection is there only while someone listens', async () => {
  const url = await createTestDatabase();
  const fleet = await openPgFleet(url);
  const poster = await openPgFleet(url);
  try {
    const seen: FleetWake[] = [];
    const first = fleet.listen((wake) => seen.push(wake));
    const second = fleet.listen(() => undefined);
    await untilMailWake(poster, seen);
    expect(await listenerPids(url)).toHaveLength(1);
    first.dispose();
    expect(await listenerPids(url)).toHaveLength(1);
    second.dispose();
    const deadline = Date.now() + DEADLINE_MS;
    while ((await listenerPids(url)).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await listenerPids(url)).toEqual([]);
  } finally {
    await Promise.all([fleet.close(), poster.close()]);
  }
});

describe('while the database server is down', () => {
  let cluster: PrivateCluster;
  let url: string;
  beforeAll(async () => {
    cluster = await startPrivateCluster();
    const plain = await createDatabase(cluster.url, 'fleet');
    // Trust auth ignores the password; it is there to prove no message ever carries it.
    const withPassword = new URL(plain);
    withPassword.password = PASSWORD;
    url = withPassword.toString();
  }, 60_000);
  afterAll(async () => {
    await cluster.destroy();
  });

  it('every call fails with fleet_unavailable (redacted, no crash), and works again once the server is back', async () => {
    const errors: Error[] = [];
    const fleet = await openPgFleet(url, { onError: (error) => errors.push(error) });
    const poster = await openPgFleet(url);
    try {
      const kept = await fleet.post(mail());
      const lease = await fleet.stations.join('alpha', { host: 'box-a', version: '0.2.0', mode: 'simulate' });
      const seen: FleetWake[] = [];
      const subscription = fleet.listen((wake) => seen.push(wake));
      await untilMailWake(poster, seen);

      await cluster.stop();
      const started = Date.now();
      const aLane = { station: 'alpha', laneId: 'l1', handle: '@w', status: 'idle' as const, attention: 'idle' as const, cwd: null, activeTurnId: null, lastAgentMessage: null, pendingRequests: [], updatedAt: new Date().toISOString() };
      const calls = [fleet.post(mail()), fleet.claim('bravo', 10), fleet.report(kept.id, 'bravo', { receipt: 1, receiptState: 'accepted', done: false }), fleet.listLanes(), fleet.publishLanes('alpha', [aLane]), fleet.replaceLanes('alpha', []), fleet.factsSince('alpha', 0, { limit: 10 }), fleet.publishFacts('alpha', [{ type: 'laneRead', laneId: 'l', seq: 1, at: new Date().toISOString() }]), fleet.latestFact('alpha'), fleet.changedSince('alpha', 0, 10), fleet.stations.heartbeat(lease), fleet.stations.list()];
      for (const error of await Promise.all(calls.map((call) => failure(call)))) {
        expect(error.code).toBe('fleet_unavailable');
        expect(error.message).toContain('the fleet database is not reachable');
        expect(error.message).toContain('127.0.0.1');
        expect(error.message).not.toContain(PASSWORD);
        expect(JSON.stringify(error.data ?? {})).not.toContain(PASSWORD);
      }
      expect(Date.now() - started).toBeLessThan(10_000);
      const opening = await failure(openPgFleet(url));
      expect(opening.code).toBe('fleet_unavailable');
      expect(opening.message).not.toContain(PASSWORD);
      expect(opening.message).toContain(':***@');
      for (const error of errors) expect(`${error.message} ${String(error.stack)}`).not.toContain(PASSWORD);

      await cluster.start();
      const deadline = Date.now() + DEADLINE_MS;
      for (;;) {
        const result = await fleet.find(kept.id).catch((e: unknown) => e);
        if (!(result instanceof Error)) {
          expect(result).toMatchObject({ id: kept.id, state: 'posted' });
          break;
        }
        if (Date.now() > deadline) throw result;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await fleet.claim('bravo', 1000)).map((m) => m.id)).toContain(kept.id);
      await fleet.stations.heartbeat(lease);
      seen.length = 0;
      await untilMailWake(poster, seen);
      subscription.dispose();
    } finally {
      await Promise.all([fleet.close(), poster.close()]);
    }
  }, 60_000);
});
