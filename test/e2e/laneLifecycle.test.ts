import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

// Lanes keep working through archive/restore, rename and attach, on the real app-server.
describe('lane lifecycle', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  it('takes a send right after archive and restore', async () => {
    await h.ok(['new', '--name', 'phoenix', '--prefix', '', '--text', '@sim reply first']);
    await waitForLane(h, 'phoenix', (l) => l['last_agent_message'] === 'first');
    expect(await h.ok(['lane', 'archive', 'phoenix'])).toMatchObject({ status: 'archived' });
    expect(await h.ok(['lane', 'restore', 'phoenix'])).toMatchObject({ status: 'idle' });
    const sent = await h.run(['send', 'phoenix', '@sim reply second']);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    await waitForLane(h, 'phoenix', (l) => l['last_agent_message'] === 'second');
  });

  it('restores a lane archived before its first turn and sends to it', async () => {
    await h.ok(['new', '--name', 'unborn', '--prefix', '', '--no-send']);
    await h.ok(['lane', 'archive', 'unborn']);
    await h.ok(['lane', 'restore', 'unborn']);
    await h.ok(['send', 'unborn', '@sim reply alive']);
    await waitForLane(h, 'unborn', (l) => l['last_agent_message'] === 'alive');
  });
});
