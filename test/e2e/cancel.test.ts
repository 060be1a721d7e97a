import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../src/client/client.js';
import { resolvePaths } from '../../src/control/paths.js';
import { pollUntil, startDispatchHarness, type DispatchHarness } from '../helpers/dispatchHarness.js';

/** The daemon's log lines (pino JSON) with this message. */
function logged(home: string, message: string): Array<Record<string, unknown>> {
  return readFileSync(resolvePaths({ DISPATCH_HOME: home }).log, 'utf8')
    .split('\n')
    .filter((line) => line.includes(`"msg":"${message}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// A caller that gives up on a call (the MCP server does, per tool call) must stop the op in the
// daemon too, not leave it running until its own timeout while the connection stays open.
describe('a cancelled call is cancelled in the daemon', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  it('stops a lane watch whose caller aborted, and the same connection keeps working', async () => {
    await h.ok(['new', '--name', 'calm', '--prefix', '']);
    const client = await DaemonClient.connect(resolvePaths({ DISPATCH_HOME: h.home }).socket);
    try {
      for (const round of [1, 2]) {
        const controller = new AbortController();
        // Without the cancel reaching the daemon this watch would hold for 600 s.
        const watching = client.call('lane.watch', { lane: '@calm', timeout: 600 }, { signal: controller.signal });
        // The daemon reads frames in order: once this later call is answered, the watch has reached it.
        expect(await client.call<{ handle: string }>('lane.get', { lane: '@calm' })).toMatchObject({ handle: '@calm' });
        controller.abort();
        await expect(watching).rejects.toMatchObject({ code: 'cancelled' });
        await pollUntil(
          async () => logged(h.home, 'control.call_cancelled'),
          (lines) => lines.length === round,
          `the daemon cancelling watch #${round}`,
          10_000,
        );
      }
      expect(logged(h.home, 'control.call_cancelled').map((line) => line['op'])).toEqual(['lane.watch', 'lane.watch']);
    } finally {
      await client.close();
    }
  });
});
