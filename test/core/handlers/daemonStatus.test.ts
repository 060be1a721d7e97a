import { afterEach, describe, expect, it } from 'vitest';
import type { OpContext } from '../../../src/core/context.js';
import { executeOp } from '../../../src/daemon/executor.js';
import { contextWithAlpha } from '../../contracts/opContext.js';
import { FakeFleetAccess } from '../../helpers/fakeFleetAccess.js';

let opened: OpContext[] = [];
afterEach(() => {
  for (const ctx of opened) ctx.store.close();
  opened = [];
});

async function context(): Promise<OpContext> {
  const ctx = await contextWithAlpha();
  opened.push(ctx);
  return ctx;
}

describe('daemon status: the fleet part', () => {
  it('a station in a fleet: its name, state, connection, url without the password, last error and lease expiry', async () => {
    const ctx = await context();
    const fleet = new FakeFleetAccess('build-1', { databaseUrl: 'postgres://dispatch:hunter2@db.example:5432/fleet' });
    fleet.unavailable = true;
    ctx.fleet = fleet;
    const status = (await executeOp('daemon.status', {}, ctx)) as Record<string, unknown>;
    expect(status['fleet']).toEqual({
      station: 'build-1',
      state: 'joined',
      connected: false,
      url: 'postgres://dispatch:***@db.example:5432/fleet',
      last_error: 'connect ECONNREFUSED 127.0.0.1:5432',
      lease_expires_at: null,
    });
    expect(JSON.stringify(status)).not.toContain('hunter2');
  });

  it('a station in no fleet: fleet is null', async () => {
    const ctx = await context();
    const status = (await executeOp('daemon.status', {}, ctx)) as Record<string, unknown>;
    expect(status['fleet']).toBeNull();
  });
});
