import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type InboxItem = { id: number; lane: string; event: string; text: string; read_at: string | null; acked_at: string | null };

// "Wake me when my worker is done": subscriptions to a lane and to the inbox, on the real app-server.
describe('subscriptions and inbox', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
    await h.ok(['new', '--name', 'orchestrator', '--prefix', '', '--no-send']);
  }, 60_000);
  afterAll(async () => h?.close());

  it('wakes the orchestrator lane with the worker\'s last message (new --subscribe)', async () => {
    const worker = await h.ok<{ subscription: string | null }>([
      'new', '--name', 'worker', '--prefix', '', '--subscribe', 'orchestrator', '--text', '@sim reply All 12 tests pass.',
    ]);
    expect(worker.subscription).toMatch(/^[0-9a-f]{8}$/);
    const orchestrator = await waitForLane(h, 'orchestrator', (l) => typeof l['last_agent_message'] === 'string');
    expect(orchestrator['last_agent_message']).toContain('[dispatch] @worker is done. Its last message:');
    expect(orchestrator['last_agent_message']).toContain('All 12 tests pass.');
  });

  it('puts the news in the inbox; read marks it, ack removes it', async () => {
    await h.ok(['new', '--name', 'builder', '--prefix', '', '--no-send']);
    const sub = await h.ok<{ id: string; action: string }>(['subscribe', 'builder', '--when', 'failed']);
    expect(sub.action).toBe('inbox');
    await h.ok(['send', 'builder', '@sim fail disk full']);
    await waitForLane(h, 'builder', (l) => l['status'] === 'error');
    const items = await pollUntil(async () => (await h.ok<{ items: InboxItem[] }>(['inbox', 'list'])).items, (list) => list.length > 0, 'the failure reaching the inbox');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ event: 'turn_failed', read_at: null });
    expect(items[0]?.text).toContain('@builder failed a turn');
    const read = await h.ok<InboxItem>(['inbox', 'read', String(items[0]?.id)]);
    expect(read.read_at).not.toBeNull();
    expect((await h.ok<{ items: InboxItem[] }>(['inbox', 'list'])).items).toHaveLength(1);
    await h.ok(['inbox', 'ack', String(items[0]?.id)]);
    expect((await h.ok<{ items: InboxItem[] }>(['inbox', 'list'])).items).toHaveLength(0);
    expect((await h.ok<{ items: InboxItem[] }>(['inbox', 'list', '--all'])).items).toHaveLength(1);
  });
});
