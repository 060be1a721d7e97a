import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Item = { type: string; text: string | null };

// Triggers fired by the daemon's reactor and scheduler, on the real app-server.
describe('triggers', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
  }, 60_000);
  afterAll(async () => h?.close());

  /** Two fresh lanes and a trigger that tells `target` what `source` said when a turn of `source` completes. */
  const handoff = async (source: string, target: string): Promise<{ id: string; when: string; target: string }> => {
    for (const name of [source, target]) await h.ok(['new', '--name', name, '--prefix', '', '--no-send']);
    return h.ok(['trigger', 'add', '--name', `${source}-to-${target}`, '--lane', source, '--when', 'turn_completed', '--target', target, '--text', 'Review what {{handle}} said: {{last_message}}']);
  };
  const userMessages = async (lane: string): Promise<Array<string | null>> =>
    (await h.ok<{ items: Item[] }>(['lane', 'tail', lane, '--limit', '100'])).items.filter((i) => i.type === 'userMessage').map((i) => i.text);

  it('when lane A finishes, tells lane B what A said', async () => {
    const trigger = await handoff('writer', 'reviewer');
    expect(trigger).toMatchObject({ when: 'turn_completed', target: '@reviewer' });
    await h.ok(['send', 'writer', '@sim reply The patch is ready.']);
    await waitForLane(h, 'reviewer', (l) => typeof l['last_agent_message'] === 'string');
    expect(await userMessages('reviewer')).toEqual(['Review what @writer said: The patch is ready.']);
    const log = await h.ok<{ actions: Array<{ op: string; trigger_id: string | null; outcome: string }> }>(['daemon', 'log', '--limit', '50']);
    expect(log.actions.find((a) => a.op === 'trigger-fire' && a.trigger_id === trigger.id)?.outcome).toMatch(/accepted|completed/);
  });

  it('does not fire turn_completed triggers for failed turns', async () => {
    await handoff('breaker', 'watcher');
    await h.ok(['send', 'breaker', '@sim fail the provider broke']);
    await waitForLane(h, 'breaker', (l) => l['status'] === 'error');
    // Triggers fire in wire order: once the next, successful turn has fired, the failed one had its chance.
    await h.ok(['send', 'breaker', '@sim reply fixed']);
    await waitForLane(h, 'watcher', (l) => typeof l['last_agent_message'] === 'string');
    expect(await userMessages('watcher')).toEqual(['Review what @breaker said: fixed']);
  });

  it('fires an interval trigger from the scheduler, once', async () => {
    await h.ok(['new', '--name', 'ticker', '--prefix', '', '--no-send']);
    const trigger = await h.ok<{ id: string }>(['trigger', 'add', '--name', 'tick', '--lane', 'ticker', '--when', 'interval', '--seconds', '1', '--text', '@sim reply tock', '--once']);
    await waitForLane(h, 'ticker', (l) => l['last_agent_message'] === 'tock', 15_000);
    const list = await h.ok<{ triggers: Array<{ id: string; enabled: boolean; last_fired_at: string | null }> }>(['trigger', 'list']);
    expect(list.triggers.find((t) => t.id === trigger.id)).toMatchObject({ enabled: false });
    expect(list.triggers.find((t) => t.id === trigger.id)?.last_fired_at).not.toBeNull();
  });

  it('validates triggers when they are added', async () => {
    await h.ok(['new', '--name', 'checked', '--prefix', '', '--no-send']);
    expect((await h.run(['trigger', 'add', '--name', 'x', '--lane', 'checked', '--when', 'cron', '--cron', 'every tuesday', '--text', 'x'])).code).toBe(2);
    expect((await h.run(['trigger', 'add', '--name', 'x', '--lane', 'checked', '--when', 'cron', '--cron', '0 9 * * *', '--timezone', 'Mars/Olympus', '--text', 'x'])).code).toBe(2);
    expect((await h.run(['trigger', 'add', '--name', 'x', '--lane', 'checked', '--when', 'turn_completed', '--text', '{{nope}}'])).code).toBe(2);
    expect((await h.run(['trigger', 'add', '--name', 'x', '--lane', 'nobody', '--when', 'turn_completed', '--text', 'x'])).code).toBe(4);
    const cron = await h.ok<{ cron: string; timezone: string }>(['trigger', 'add', '--name', 'daily', '--lane', 'checked', '--when', 'cron', '--cron', '0 9 * * 1-5', '--timezone', 'Europe/Paris', '--text', 'standup']);
    expect(cron).toMatchObject({ cron: '0 9 * * 1-5', timezone: 'Europe/Paris' });
  });
});
