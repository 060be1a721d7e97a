import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { pollUntil, readRequestLog } from '../helpers/dispatchHarness.js';
import { startStation, type TestStation } from '../helpers/fleetHarness.js';
import { createTestDatabase } from '../helpers/postgres.js';

/** Runs `fn` on the station's registry beside its running daemon (test-only, until `trigger add --lane x@s` is on main). */
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
    const lead = await a.ok<{ id: string }>(['new', '--name', 'lead', '--prefix', '', '--no-send']);
    withRegistry(a, (store) =>
      store.triggers.insert({
        id: 'trg-remote',
        name: 'handoff',
        lane: `${worker.id}@tb`,
        when: { kind: 'event', event: 'turn_completed' },
        action: { kind: 'send', text: 'worker said: {{last_message}}', target: lead.id },
        guard: { idleOnly: false, minIntervalSeconds: null, dedupe: false, once: false },
        enabled: true,
      }),
    );
    // The follower starts watching at the stream's end: wait until it has its cursor for tb.
    await pollUntil(async () => withRegistry(a, (store) => store.outbox.cursor('facts:tb')), (cursor) => cursor !== undefined, "a's follower watching tb", 20_000);

    await b.ok(['send', 'worker', '@sim reply all green']);
    await pollUntil(async () => readRequestLog(a.home).filter((r) => r.lastUserText === 'worker said: all green').length, (n) => n === 1, "a's lead receiving the handoff", 30_000);
    expect(withRegistry(a, (store) => store.triggers.find('trg-remote'))).toMatchObject({ lastError: null, failureCount: 0 });
  }, 90_000);
});
