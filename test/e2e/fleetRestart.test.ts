import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgFleet } from '../../src/fleet/pgFleet.js';
import { pollUntil, readRequestLog } from '../helpers/dispatchHarness.js';
import { latestLocalFact, startStation, withPassword, type TestStation } from '../helpers/fleetHarness.js';
import { createDatabase, startPrivateCluster, type PrivateCluster } from '../helpers/postgres.js';

type Row = Record<string, unknown>;
type FleetPart = { station: string; state: string | null; connected: boolean | null; url: string | null; last_error: string | null; lease_expires_at: string | null };

const SECRET = 'restart-pw-55120';
const LEASE_MS = 1500;
const fleetPart = async (station: TestStation): Promise<FleetPart> => (await station.ok<{ fleet: FleetPart }>(['daemon', 'status'])).fleet;
const receiptsOf = async (station: TestStation): Promise<Row[]> => (await station.ok<{ deliveries: Row[] }>(['queue', 'list', '--all'])).deliveries;
const lanesOf = async (station: TestStation): Promise<string[]> => (await station.ok<{ lanes: Row[] }>(['lane', 'list'])).lanes.map((l) => String(l['handle'])).sort();

// The database server of a cluster of this file's own is stopped for longer than the stations' (shortened) lease, then started again.
describe('the fleet database server stopped and started again', () => {
  let cluster: PrivateCluster;
  let url: string;
  const stations: TestStation[] = [];
  beforeAll(async () => {
    cluster = await startPrivateCluster();
    // The cluster trusts loopback, so the password is accepted and ignored: it is there to be kept out of the logs.
    url = withPassword(await createDatabase(cluster.url, 'fleet_restart'), SECRET);
  }, 60_000);
  afterAll(async () => {
    for (const s of stations.splice(0)) await s.close();
    await cluster?.destroy();
  });

  it('both stations keep working locally, and catch up by themselves when the server is back', async () => {
    const daemonEnv = { DISPATCH_FLEET_LEASE_MS: String(LEASE_MS) };
    const a = await startStation('ra', url, { daemonEnv });
    const b = await startStation('rb', url, { daemonEnv });
    stations.push(a, b);
    await b.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    await pollUntil(() => a.run(['lane', 'get', 'worker@rb', '--json']), (r) => r.code === 0, 'worker@rb in the directory', 20_000);
    for (const s of [a, b]) {
      const own = await pollUntil(() => fleetPart(s), (f) => f.state === 'joined' && f.connected === true, `${s.name} joined`, 20_000);
      expect(own).toMatchObject({ station: s.name, last_error: null });
      expect(own.url).toContain(':***@');
      expect(typeof own.lease_expires_at).toBe('string');
    }

    await cluster.stop();
    // Both notice: daemon status says not connected, with the error, and no password anywhere.
    const away = await Promise.all([a, b].map((s) => pollUntil(() => fleetPart(s), (f) => f.connected === false, `${s.name} seeing the database away`, 20_000)));
    for (const own of away) {
      expect(own.last_error).toEqual(expect.any(String));
      expect(JSON.stringify(own)).not.toContain(SECRET);
    }
    // Local work goes on: new lanes, turns, receipts; a cross-station send answers queued at once.
    await a.ok(['new', '--name', 'meanwhile', '--prefix', '', '--text', '@sim reply local a']);
    await b.ok(['new', '--name', 'offline', '--prefix', '', '--text', '@sim reply local b']);
    const text = '@sim reply across the restart';
    const sent = await a.ok<{ receipt: string; state: string }>(['send', 'worker@rb', text]);
    expect(sent.state).toBe('queued');
    expect(await a.ok(['delivery', 'get', sent.receipt])).toMatchObject({ mail: null, state: 'queued' });
    await pollUntil(() => a.ok<Row>(['lane', 'get', 'meanwhile']), (l) => l['last_agent_message'] === 'local a', "a's local turn", 30_000);
    await pollUntil(() => b.ok<Row>(['lane', 'get', 'offline']), (l) => l['last_agent_message'] === 'local b', "b's local turn", 30_000);
    // The server stays down until both leases have lapsed.
    const lapses = away.map((f) => Date.parse(f.lease_expires_at ?? '')).filter((t) => !Number.isNaN(t));
    const leasesGone = Math.max(Date.now(), ...lapses) + LEASE_MS;
    await pollUntil(async () => Date.now(), (now) => now > leasesGone, 'both leases lapsing', 10_000);
    const localLanes = { a: await lanesOf(a), b: await lanesOf(b) };
    const localReceipts = { a: await receiptsOf(a), b: await receiptsOf(b) };

    await cluster.start();
    const done = await pollUntil(() => a.ok<Row>(['delivery', 'get', sent.receipt]), (d) => d['state'] === 'completed', 'the mail delivered after the restart', 30_000);
    expect(done).toMatchObject({ station: 'rb', error: null });
    // Exactly once: one receipt on b for a's mail, under the receipt a shows, and the model saw it once.
    const onB = (await receiptsOf(b)).filter((r) => r['source'] === 'fleet:ra');
    expect(onB.map((r) => [r['receipt'], r['state']])).toEqual([[done['remote_receipt'], 'completed']]);
    expect(readRequestLog(b.home).filter((r) => r.lastUserText === text)).toHaveLength(1);

    const db = await openPgFleet(url);
    try {
      await pollUntil(async () => (await db.listLanes()).map((l) => `${l.station}:${l.handle}`).sort(), (h) => h.join() === 'ra:@meanwhile,rb:@offline,rb:@worker', 'the directory caught up', 20_000);
      for (const s of [a, b]) await pollUntil(async () => (await db.latestFact(s.name)) >= latestLocalFact(s), (ok) => ok, `${s.name}'s facts caught up`, 20_000);
    } finally {
      await db.close();
    }
    for (const s of [a, b]) {
      await pollUntil(() => s.ok<Row>(['fleet', 'status']), (f) => f['connected'] === true && f['station_state'] === 'joined', `${s.name} connected again`, 20_000);
      // last_error keeps the outage's error (the station never clears it), still without the password.
      const own = await fleetPart(s);
      expect(own).toMatchObject({ state: 'joined', connected: true });
      expect(JSON.stringify(own)).not.toContain(SECRET);
    }

    // Nothing local lost: the lanes and receipts made while the server was down are all there, settled as they were.
    expect(localLanes).toEqual({ a: ['@meanwhile'], b: ['@offline', '@worker'] });
    expect({ a: await lanesOf(a), b: await lanesOf(b) }).toEqual(localLanes);
    for (const [s, before] of [[a, localReceipts.a], [b, localReceipts.b]] as const) {
      expect(before.map((r) => r['state'])).toEqual(['completed']);
      const now = await receiptsOf(s);
      for (const r of before) expect(now).toContainEqual(expect.objectContaining({ receipt: r['receipt'], state: 'completed' }));
    }

    for (const s of [a, b]) {
      const log = readFileSync(path.join(s.home, 'dispatchd.log'), 'utf8');
      expect(log).toContain('fleet.unreachable');
      expect(log).not.toContain(SECRET);
      expect(log).not.toContain('fleet.lease_lost');
    }
  }, 60_000);

  it('a plain restart of the server: a send made right after it is delivered once, and both are connected again', async () => {
    const a = await startStation('qa', url);
    const b = await startStation('qb', url);
    stations.push(a, b);
    await b.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    await pollUntil(() => a.run(['lane', 'get', 'worker@qb', '--json']), (r) => r.code === 0, 'worker@qb in the directory', 20_000);
    await cluster.restart();
    const text = '@sim reply after a plain restart';
    const sent = await a.ok<{ receipt: string; state: string }>(['send', 'worker@qb', text]);
    expect(sent.state).toBe('queued');
    await pollUntil(() => a.ok<Row>(['delivery', 'get', sent.receipt]), (d) => d['state'] === 'completed', 'the mail delivered after the restart', 30_000);
    expect(readRequestLog(b.home).filter((r) => r.lastUserText === text)).toHaveLength(1);
    expect((await receiptsOf(b)).filter((r) => r['source'] === 'fleet:qa')).toHaveLength(1);
    for (const s of [a, b]) await pollUntil(() => fleetPart(s), (f) => f.state === 'joined' && f.connected === true, `${s.name} connected again`, 20_000);
  }, 60_000);
});
