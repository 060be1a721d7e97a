import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type InboxItem = { id: number; lane: string; event: string; text: string; trigger_id: string | null };
type GoalView = { lane: string; goal: { objective: string; status: string; token_budget: number | null; tokens_used: number } | null; note?: string | null };

// A goal makes codex continue a lane by itself, turn after turn; on the simulated provider the
// model never completes a goal, so a token budget is what ends it (codex sets budgetLimited).
describe('goals and "done"', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  it('a goal stops on its token budget; a --when done subscription fires once, turn_completed once per turn', async () => {
    await h.ok(['new', '--name', 'worker', '--prefix', '', '--no-send']);
    const done = await h.ok<{ id: string; when: string }>(['subscribe', 'worker', '--when', 'done']);
    const each = await h.ok<{ id: string }>(['trigger', 'add', '--name', 'each-turn', '--lane', 'worker', '--when', 'turn_completed', '--action', 'inbox', '--text', 'turn of {{handle}}']);

    const set = await h.ok<GoalView>(['goal', 'set', 'worker', 'write the docs', '--token-budget', '20000']);
    expect(set.goal).toMatchObject({ objective: 'write the docs', status: 'active', token_budget: 20000 });

    const ended = await pollUntil(() => h.ok<GoalView>(['goal', 'status', 'worker']), (g) => g.goal?.status !== 'active', 'the goal ending');
    expect(ended.goal?.status).toBe('budgetLimited');
    expect(ended.goal?.token_budget).toBe(20000);
    expect(ended.goal?.tokens_used).toBeGreaterThanOrEqual(20000);
    await waitForLane(h, 'worker', (l) => l['status'] === 'idle');

    // Every turn of the run (codex's own continuation turns included) is in the lane's history.
    const tail = await h.ok<{ items: Array<{ turn_id: string }> }>(['lane', 'tail', 'worker', '--limit', '5000']);
    const turns = new Set(tail.items.map((item) => item.turn_id)).size;
    expect(turns).toBeGreaterThan(1);
    // Triggers fire in wire order, so once every turn_completed entry is in, so is lane_done.
    const items = await pollUntil(
      async () => (await h.ok<{ items: InboxItem[] }>(['inbox', 'list', '--all', '--limit', '1000'])).items,
      (list) => list.filter((i) => i.trigger_id === each.id).length >= turns,
      'one turn_completed entry per turn',
    );
    expect(items.filter((i) => i.trigger_id === each.id)).toHaveLength(turns);
    const doneItems = items.filter((i) => i.trigger_id === done.id);
    expect(doneItems).toHaveLength(1);
    expect(doneItems[0]).toMatchObject({ event: 'lane_done' });
    expect(doneItems[0]?.text).toContain('[dispatch] @worker is done.');
    expect(done.when).toBe('lane_done');
  }, 60_000);

  it('goal set says codex keeps working by itself, and until when', async () => {
    await h.ok(['new', '--name', 'steady', '--prefix', '', '--no-send']);
    const paused = await h.ok<GoalView>(['goal', 'set', 'steady', 'keep going', '--status', 'paused']);
    expect(paused.goal?.status).toBe('paused');
    expect(paused.note).toBeNull();
    const budgeted = await h.ok<GoalView>(['goal', 'set', 'steady', '--status', 'active', '--token-budget', '1']);
    expect(budgeted.note).toContain('codex now keeps working on this goal by itself, turn after turn');
    expect(budgeted.note).toContain('has used its budget of 1 tokens');
    expect(budgeted.note).toContain('dispatch goal set @steady --status paused');
    await pollUntil(() => h.ok<GoalView>(['goal', 'status', 'steady']), (g) => g.goal?.status === 'budgetLimited', 'the 1-token goal stopping');
    await waitForLane(h, 'steady', (l) => l['status'] === 'idle');
  }, 60_000);

  it('without a goal, done fires for the turn that finishes the lane', async () => {
    await h.ok(['new', '--name', 'shipper', '--prefix', '', '--no-send']);
    const done = await h.ok<{ id: string }>(['subscribe', 'shipper', '--when', 'done']);
    await h.ok(['send', 'shipper', '@sim reply shipped']);
    await waitForLane(h, 'shipper');
    const entries = await pollUntil(
      async () => (await h.ok<{ items: InboxItem[] }>(['inbox', 'list', '--all', '--limit', '1000'])).items.filter((i) => i.trigger_id === done.id),
      (list) => list.length > 0,
      'a lane_done entry',
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ event: 'lane_done' });
    expect(entries[0]?.text).toContain('shipped');
  }, 60_000);
});
