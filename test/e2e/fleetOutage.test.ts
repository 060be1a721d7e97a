import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgFleet } from '../../src/fleet/pgFleet.js';
import { openPgFleet } from '../../src/fleet/pgFleet.js';
import { pollUntil, readRequestLog } from '../helpers/dispatchHarness.js';
import { latestLocalFact, startCuttableProxy, startStation, withPassword, type CuttableProxy, type TestStation } from '../helpers/fleetHarness.js';
import { createTestDatabase } from '../helpers/postgres.js';

const SECRET = 'outage-pw-93817';

// Both stations reach the database through a loopback proxy the test cuts: the database is away.
describe('the fleet database unreachable for a while', () => {
  let db: PgFleet;
  let proxy: CuttableProxy;
  const stations: TestStation[] = [];
  beforeAll(async () => {
    const url = withPassword(await createTestDatabase(), SECRET);
    db = await openPgFleet(url);
    proxy = await startCuttableProxy(url);
  });
  afterAll(async () => {
    for (const s of stations.splice(0)) await s.close();
    await proxy?.close();
    await db?.close();
  });

  it('both stations keep working locally, and catch up (lanes, facts, mail) when it is back', async () => {
    // A short lease, so the outage outlasts it: the station must keep its name (nobody took it) afterwards.
    const a = await startStation('oa', proxy.url, { daemonEnv: { DISPATCH_FLEET_LEASE_MS: '1500' } });
    const b = await startStation('ob', proxy.url);
    stations.push(a, b);
    await b.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    await pollUntil(async () => (await db.listLanes({ station: 'ob' })).length, (n) => n === 1, "b's lane published", 20_000);

    proxy.cut();
    // Local work on both goes on: new lanes, turns, receipts.
    await a.ok(['new', '--name', 'meanwhile', '--prefix', '', '--text', '@sim reply local a']);
    await b.ok(['new', '--name', 'offline', '--prefix', '', '--text', '@sim reply local b']);
    await pollUntil(() => b.ok(['lane', 'get', 'offline']), (l) => l['last_agent_message'] === 'local b', "b's local turn", 30_000);
    // The send needs no database: it is queued in a's outbox at once, its receipt m<N> not yet posted.
    const sent = await a.ok<{ receipt: string; state: string }>(['send', 'worker@ob', '@sim reply across the outage']);
    expect(sent.state).toBe('queued');
    expect(sent.receipt).toMatch(/^m\d+$/);
    expect((await db.listLanes({ station: 'ob' })).map((l) => l.handle)).toEqual(['@worker']);
    expect(await a.ok(['delivery', 'get', sent.receipt])).toMatchObject({ mail: null, state: 'queued' });
    await pollUntil(async () => db.stations.list(), (list) => list.some((s) => s.name === 'oa' && s.state === 'unreachable'), "a's lease lapsing during the outage", 20_000);

    proxy.restore();
    await pollUntil(() => a.ok(['delivery', 'get', sent.receipt]), (d) => d['state'] === 'completed', 'the mail delivered after the outage', 40_000);
    // Exactly once: one receipt on b for a's mail, and the model saw the text once.
    expect((await b.ok<{ deliveries: Array<{ source: string }> }>(['queue', 'list', '--all'])).deliveries.filter((r) => r.source === 'fleet:oa')).toHaveLength(1);
    expect(readRequestLog(b.home).filter((r) => r.lastUserText === '@sim reply across the outage')).toHaveLength(1);
    await pollUntil(async () => (await db.listLanes()).map((l) => `${l.station}:${l.handle}`), (h) => h.join() === 'oa:@meanwhile,ob:@offline,ob:@worker', 'the directory caught up', 20_000);
    await pollUntil(async () => db.stations.list(), (list) => list.some((s) => s.name === 'oa' && s.state === 'up'), 'a renewing its own lapsed lease', 20_000);
    for (const s of [a, b]) await pollUntil(async () => (await db.latestFact(s.name)) >= latestLocalFact(s), (ok) => ok, `${s.name}'s facts caught up`, 20_000);

    for (const s of [a, b]) {
      const log = readFileSync(path.join(s.home, 'dispatchd.log'), 'utf8');
      expect(log).toContain('fleet.unreachable');
      expect(log).not.toContain(SECRET);
      expect(log).not.toContain('fleet.lease_lost');
    }
  }, 120_000);
});
