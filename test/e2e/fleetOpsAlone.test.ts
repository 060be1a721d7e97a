import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatchHarness, type DispatchHarness } from '../helpers/dispatchHarness.js';

// The fleet's surfaces on a station in no fleet, through the built CLI against a real daemon.
describe('fleet ops on a station on its own', () => {
  let h: DispatchHarness;

  beforeAll(async () => {
    h = await startDispatchHarness();
    await h.ok(['new', '--name', 'solo', '--prefix', '', '--no-send']);
  }, 60_000);
  afterAll(async () => h?.close());

  it('fleet status says it is in no fleet, with exit 0', async () => {
    expect(await h.ok(['fleet', 'status', '--json'])).toMatchObject({ in_fleet: false, station: null, url: null, stations: [] });
  });

  it('a lane of another station is refused with exit 2 and how to join a fleet', async () => {
    for (const args of [
      ['send', 'worker@build-1', 'hi'],
      ['send', 'worker@build-1', 'hi', '--queue'],
      ['lane', 'get', 'worker@build-1'],
      ['lane', 'tail', 'worker@build-1'],
      ['subscribe', 'worker@build-1', '--to', 'solo'],
      ['trigger', 'add', '--name', 't', '--lane', 'solo', '--when', 'turn_completed', '--target', 'worker@build-1', '--text', 'x'],
      ['request', 'respond', '3', 'accept', '--station', 'build-1'],
      ['lane', 'list', '--fleet'],
      ['attention', '--fleet'],
    ]) {
      const result = await h.run([...args, '--json']);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/\[fleet\] url and station/);
    }
  });

  it('delivery get takes m<N> for remote receipts and digits for local ones', async () => {
    const missing = await h.run(['delivery', 'get', 'm3', '--json']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/no receipt m3 \(this station is in no fleet\)/);
    const sent = await h.ok<{ receipt: number }>(['send', 'solo', '@sim reply fine', '--queue']);
    expect(typeof sent.receipt).toBe('number');
    expect(await h.ok(['delivery', 'get', String(sent.receipt)])).toMatchObject({ receipt: sent.receipt, mode: 'queue' });
    expect((await h.run(['delivery', 'get', 'x3', '--json'])).code).toBe(2);
  });
});
