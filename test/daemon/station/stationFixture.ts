import { ApprovalBroker } from '../../../src/core/approvals.js';
import { silentLogger } from '../../../src/core/context.js';
import type { FleetAccess } from '../../../src/core/fleet.js';
import type { StationDirectory } from '../../../src/core/stationDirectory.js';
import { createFleetAccess } from '../../../src/daemon/station/access.js';
import { Station } from '../../../src/daemon/station/station.js';
import { fakeCore, type FakeCore } from '../../core/fakeCore.js';
import { FakeFleet, FakeFleetStore } from '../../helpers/fakeFleet.js';
import { FakeFleetDatabase, FakeStationDirectory } from '../../helpers/fakeStationDirectory.js';

/** The shared database of the fakes; `down` cuts both the directory and the fleet. */
export class FakeNet {
  readonly db = new FakeFleetDatabase();
  readonly store = new FakeFleetStore();
  /** The test's own view of the shared fake (each station opens its own). */
  readonly fleet = new FakeFleet(this.store);
  /** How often a station tried to open its connection. */
  opens = 0;
  /** Makes every join take this long (a slow database). */
  joinDelayMs = 0;
  /** Joins attempted, by any station. */
  joins = 0;
  get down(): boolean {
    return !this.store.available;
  }
  set down(value: boolean) {
    this.store.available = !value;
  }

  /** A directory over the shared fake that fails like the fleet while the net is down. */
  async directory(leaseMs?: number): Promise<StationDirectory> {
    this.opens += 1;
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    const inner = await FakeStationDirectory.open(this.db, leaseMs === undefined ? {} : { leaseMs });
    return new Proxy(inner, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function' || key === 'close') return value;
        return async (...args: unknown[]) => {
          if (key === 'join') this.joins += 1;
          if (key === 'join' && this.joinDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.joinDelayMs));
          if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
  }
}

export interface TestStation {
  core: FakeCore;
  approvals: ApprovalBroker;
  station: Station;
  access: FleetAccess;
  logs: Array<{ level: string; message: string; data?: Record<string, unknown> }>;
}

/** A station over a fake core (its own store and app-server) on the fake net. */
export function testStation(net: FakeNet, name: string, options: { core?: FakeCore; failpoint?: string; leaseMs?: number; heartbeatMs?: number; url?: string; pollMs?: number; coalesceMs?: number } = {}): TestStation {
  const core = options.core ?? fakeCore();
  const logs: TestStation['logs'] = [];
  const log = {
    info: (message: string, data?: Record<string, unknown>) => logs.push({ level: 'info', message, ...(data ? { data } : {}) }),
    warn: (message: string, data?: Record<string, unknown>) => logs.push({ level: 'warn', message, ...(data ? { data } : {}) }),
    error: (message: string, data?: Record<string, unknown>) => logs.push({ level: 'error', message, ...(data ? { data } : {}) }),
  };
  const failpoint = options.failpoint;
  const ctx = {
    ...core.ctx,
    log: silentLogger,
    approvals: new ApprovalBroker({ store: core.store, log: silentLogger }),
    failpoint: async (point: string) => {
      if (point === failpoint) await new Promise<never>(() => undefined);
    },
  };
  const station = new Station({
    station: name,
    url: options.url ?? 'postgres://dispatch:s3cret-pw@127.0.0.1:5432/fleet',
    info: { host: `${name}.test`, version: 'test', mode: 'simulated' },
    open: async () => ({ directory: await net.directory(options.leaseMs), fleet: new FakeFleet(net.store) }),
    ctx,
    log,
    heartbeatMs: options.heartbeatMs ?? 100,
    pollMs: options.pollMs ?? 200,
    coalesceMs: options.coalesceMs ?? 20,
    backoffCapMs: 400,
  });
  return { core, approvals: ctx.approvals, station, access: createFleetAccess(station, core.store), logs };
}

/** Polls `check` until it holds, with a deadline. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
