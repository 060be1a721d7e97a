import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { pollUntil, readRequestLog } from '../helpers/dispatchHarness.js';
import { startStation, type TestStation } from '../helpers/fleetHarness.js';
import { createTestDatabase } from '../helpers/postgres.js';

/** Reads the station's registry beside its running daemon: the follower's cursor has no surface of its own. */
function withRegistry<T>(station: TestStation, fn: (store: ReturnType<typeof openStore>) => T): T {
  const store = openStore({ path: path.join(station.home, 'registry.db') });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

// The remote-trigger follower wired in the daemon: a trigger on a watches a lane of b through b's published facts.
describe('a trigger watching a lane of another station', () => {
  let url: string;
  const stations: TestStation[] = [];
  beforeAll(async () => {
    url = await createTestDatabase();
  });
  afterAll(async () => {
    for (const s of stations.splice(0)) await s.close();
  });

  it("fires on a when b's lane completes a turn, and sends a's lane the remote reply", async () => {
    const a = await startStation('ta', url);
    const b = await startStation('tb', url);
    stations.push(a, b);
    const worker = await b.ok<{ id: string }>(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    await a.ok(['new', '--name', 'lead', '--prefix', '', '--no-send']);
    // a knows worker@tb once tb published it.
    await pollUntil(() => a.run(['lane', 'get', 'worker@tb', '--json']), (r) => r.code === 0, 'worker@tb in the directory', 30_000);
    const trigger = await a.ok<{ id: string; lane_id: string }>(['trigger', 'add', '--name', 'handoff', '--lane', 'worker@tb', '--when', 'turn_completed', '--target', 'lead', '--text', 'worker said: {{last_message}}']);
    expect(trigger.lane_id).toBe(`${worker.id}@tb`);
    // The follower starts watching at the stream's end: wait until it has its cursor for tb.
    await pollUntil(async () => withRegistry(a, (store) => store.outbox.cursor('facts:tb')), (cursor) => cursor !== undefined, "a's follower watching tb", 20_000);

    await b.ok(['send', 'worker', '@sim reply all green']);
    await pollUntil(async () => readRequestLog(a.home).filter((r) => r.lastUserText === 'worker said: all green').length, (n) => n === 1, "a's lead receiving the handoff", 30_000);
    const { triggers } = await a.ok<{ triggers: Array<Record<string, unknown>> }>(['trigger', 'list']);
    expect(triggers.find((t) => t['id'] === trigger.id)).toMatchObject({ last_error: null, failure_count: 0 });
  }, 90_000);
});
