import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StationDirectory } from '../../src/core/stationDirectory.js';
import { openPgStationDirectory } from '../../src/fleet/pgStationDirectory.js';
import { pollUntil } from '../helpers/dispatchHarness.js';
import { createStation, startCuttableProxy, startStation, withPassword, type TestStation } from '../helpers/fleetHarness.js';
import { createTestDatabase } from '../helpers/postgres.js';

const SECRET = 'pw-Sekrit-4711';

// Real daemons joining the fleet's station directory on the test cluster.
describe('a station joining the fleet', () => {
  let url: string;
  let directory: StationDirectory;
  const stations: TestStation[] = [];
  beforeAll(async () => {
    url = withPassword(await createTestDatabase(), SECRET);
    directory = await openPgStationDirectory(url);
  });
  afterAll(async () => {
    for (const s of stations.splice(0)) await s.close();
    await directory?.close();
  });

  it('joins at start, leaves on `down`; a second station with the same name refuses to start with the clear conflict error', async () => {
    const first = await startStation('dup', url);
    stations.push(first);
    expect((await directory.list()).map((e) => [e.name, e.state])).toEqual([['dup', 'up']]);

    const second = await createStation('dup', url);
    stations.push(second);
    const up = await second.up();
    expect(up.code, up.stderr).toBe(10);
    const error = (JSON.parse(up.stderr.trim().split('\n').pop() ?? '{}') as { error?: { code: string; message: string } }).error;
    expect(error?.code).toBe('conflict');
    expect(error?.message).toMatch(/^station name "dup" is held by a running station on host \S+; pick another name or stop that station$/);
    // The second home runs nothing.
    expect((await second.run(['daemon', 'status', '--json'])).code).not.toBe(0);

    await first.run(['down']);
    expect(await directory.list()).toEqual([]);
    // Once the name is free the second station starts.
    const again = await second.up();
    expect(again.code, again.stderr).toBe(0);
    expect((await directory.list()).map((e) => e.name)).toEqual(['dup']);
  }, 90_000);

  it('a fleet url without a station name, or a bad name, stops `dispatch up` with a validation error that shows no password', async () => {
    const station = await createStation('unused', url);
    stations.push(station);
    await writeFile(path.join(station.home, 'config.toml'), `[fleet]\nurl = ${JSON.stringify(url)}\n`);
    const errorOf = (stderr: string) => (JSON.parse(stderr.trim().split('\n').pop() ?? '{}') as { error?: { code: string; message: string } }).error;
    const noStation = await station.up();
    expect(noStation.code).toBe(2);
    expect(errorOf(noStation.stderr)?.message).toMatch(/fleet\.station: a fleet database url is set but no station name/);
    const badName = await station.up({ DISPATCH_STATION: 'bad name!' });
    expect(badName.code).toBe(2);
    expect(errorOf(badName.stderr)?.message).toMatch(/^"bad name!" is not a station name/);
    for (const out of [noStation.stderr, badName.stderr]) expect(out).not.toContain(SECRET);
  }, 60_000);

  it('starts while the database is unreachable, works locally, joins when it comes; the password is in no log, audit or status', async () => {
    const proxy = await startCuttableProxy(url);
    try {
      proxy.cut();
      const station = await startStation('late', proxy.url);
      stations.push(station);
      // Local work goes on without the database.
      await station.ok(['new', '--name', 'local', '--prefix', '', '--text', '@sim reply fine']);
      const status = await station.run(['daemon', 'status', '--json']);
      expect(status.code).toBe(0);
      expect((await directory.list()).map((e) => e.name)).not.toContain('late');

      proxy.restore();
      await pollUntil(async () => (await directory.list()).map((e) => e.name), (names) => names.includes('late'), 'the station joining once the database is back', 20_000);

      const log = readFileSync(path.join(station.home, 'dispatchd.log'), 'utf8');
      expect(log).toContain('fleet.unreachable');
      expect(log).toContain('fleet.joined');
      expect(log).toContain(':***@127.0.0.1');
      const audit = await station.run(['daemon', 'log', '--json']);
      for (const text of [log, status.stdout, status.stderr, audit.stdout, readFileSync(path.join(station.home, 'registry.db')).toString('latin1')]) expect(text).not.toContain(SECRET);
    } finally {
      await proxy.close();
    }
  }, 90_000);
});
