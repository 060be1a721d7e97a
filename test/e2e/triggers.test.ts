import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Item = { type: string; text: string | null };

// Triggers fired by the daemon's reactor and scheduler, on the real app-server.
describe('triggers', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
    for (const name of ['writer', 'reviewer', 'ticker']) await h.ok(['new', '--name', name, '--prefix', '', '--no-send']);
  }, 60_000);
  afterAll(async () => h?.close());

  it('when lane A finishes, tells lane B what A said', async () => {
    const trigger = await h.ok<{ id: string; when: string; target: string }>([
      'trigger', 'add', '--name', 'handoff', '--lane', 'writer', '--when', 'turn_completed', '--target', 'reviewer',
      '--text', 'Review what {{handle}} said: {{last_message}}',
    ]);
    expect(trigger).toMatchObject({ when: 'turn_completed', target: '@reviewer' });
    await h.ok(['send', 'writer', '@sim reply The patch is ready.']);
    await waitForLane(h, 'reviewer', (l) => typeof l['last_agent_message'] === 'string');
    const tail = await h.ok<{ items: Item[] }>(['lane', 'tail', 'reviewer']);
    expect(tail.items.find((i) => i.type === 'userMessage')?.text).toBe('Review what @writer said: The patch is ready.');
    const log = await h.ok<{ actions: Array<{ op: string; trigger_id: string | null; outcome: string }> }>(['daemon', 'log', '--limit', '50']);
    expect(log.actions.find((a) => a.op === 'trigger-fire' && a.trigger_id === trigger.id)?.outcome).toMatch(/accepted|completed/);
  });

  it('does not fire turn_completed triggers for failed turns', async () => {
    const before = (await h.ok<{ items: Item[] }>(['lane', 'tail', 'reviewer', '--limit', '100'])).items.length;
    await h.ok(['send', 'writer', '@sim fail the provider broke']);
    await waitForLane(h, 'writer', (l) => l['status'] === 'error');
    await new Promise((r) => setTimeout(r, 800));
    const after = (await h.ok<{ items: Item[] }>(['lane', 'tail', 'reviewer', '--limit', '100'])).items.length;
    expect(after).toBe(before);
  });

  it('fires an interval trigger from the scheduler, once', async () => {
    const trigger = await h.ok<{ id: string }>(['trigger', 'add', '--name', 'tick', '--lane', 'ticker', '--when', 'interval', '--seconds', '1', '--text', '@sim reply tock', '--once']);
    await waitForLane(h, 'ticker', (l) => l['last_agent_message'] === 'tock', 15_000);
    const list = await h.ok<{ triggers: Array<{ id: string; enabled: boolean; last_fired_at: string | null }> }>(['trigger', 'list']);
    expect(list.triggers.find((t) => t.id === trigger.id)).toMatchObject({ enabled: false });
    expect(list.triggers.find((t) => t.id === trigger.id)?.last_fired_at).not.toBeNull();
  });

  it('validates triggers when they are added', async () => {
    expect((await h.run(['trigger', 'add', '--name', 'x', '--lane', 'ticker', '--when', 'cron', '--cron', 'every tuesday', '--text', 'x'])).code).toBe(2);
    expect((await h.run(['trigger', 'add', '--name', 'x', '--lane', 'ticker', '--when', 'cron', '--cron', '0 9 * * *', '--timezone', 'Mars/Olympus', '--text', 'x'])).code).toBe(2);
    expect((await h.run(['trigger', 'add', '--name', 'x', '--lane', 'ticker', '--when', 'turn_completed', '--text', '{{nope}}'])).code).toBe(2);
    expect((await h.run(['trigger', 'add', '--name', 'x', '--lane', 'nobody', '--when', 'turn_completed', '--text', 'x'])).code).toBe(4);
    const cron = await h.ok<{ cron: string; timezone: string }>(['trigger', 'add', '--name', 'daily', '--lane', 'ticker', '--when', 'cron', '--cron', '0 9 * * 1-5', '--timezone', 'Europe/Paris', '--text', 'standup']);
    expect(cron).toMatchObject({ cron: '0 9 * * 1-5', timezone: 'Europe/Paris' });
  });
});
