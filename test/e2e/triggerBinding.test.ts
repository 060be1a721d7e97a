import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil, startDispatchHarness, waitForLane, type DispatchHarness } from '../helpers/dispatchHarness.js';

type Item = { type: string; text: string | null };
type TriggerView = { id: string; lane: string; lane_id: string; target: string | null; target_id: string | null; failure_count: number; last_error: string | null };

function pollTrigger(h: DispatchHarness, id: string, until: (t: TriggerView) => boolean, timeoutMs = 20_000): Promise<TriggerView> {
  const read = async (): Promise<TriggerView | undefined> => (await h.ok<{ triggers: TriggerView[] }>(['trigger', 'list'])).triggers.find((t) => t.id === id);
  return pollUntil(read, (found): found is TriggerView => found !== undefined && until(found), `trigger ${id} matching`, timeoutMs);
}

// Triggers and subscriptions hold lane ids: renames, archives and attached lanes, on the real app-server.
describe('triggers bound to lanes', () => {
  let h: DispatchHarness;
  beforeAll(async () => {
    h = await startDispatchHarness();
    // An attached (observe-only) lane: a thread this registry does not own.
    await h.ok(['new', '--name', 'elsewhere', '--prefix', '', '--text', '@sim reply from before']);
    await waitForLane(h, 'elsewhere');
    await h.run(['down']);
    for (const f of ['registry.db', 'registry.db-wal', 'registry.db-shm']) rmSync(path.join(h.home, f), { force: true });
    const up = await h.run(['up', '--simulate']);
    if (up.code !== 0) throw new Error(up.stderr);
    const found = await h.ok<{ sessions: Array<{ id: string; name: string | null }> }>(['lane', 'discover']);
    const thread = found.sessions.find((s) => s.name === 'elsewhere');
    if (!thread) throw new Error('no elsewhere thread');
    await h.ok(['lane', 'attach', thread.id]);
    for (const name of ['writer', 'reviewer', 'boss', 'shelved', 'source', 'sink']) await h.ok(['new', '--name', name, '--prefix', '', '--no-send']);
    await h.ok(['lane', 'archive', 'shelved']);
  }, 90_000);
  afterAll(async () => h?.close());

  it('keeps firing a trigger and a subscription after their lanes are renamed, showing the new handles', async () => {
    const trigger = await h.ok<TriggerView>(['trigger', 'add', '--name', 'handoff', '--lane', 'writer', '--when', 'turn_completed', '--target', 'reviewer', '--text', 'Review what {{handle}} said: {{last_message}}']);
    const subscription = await h.ok<TriggerView>(['subscribe', 'writer', '--to', 'boss']);
    await h.ok(['lane', 'rename', 'writer', 'author']);
    await h.ok(['lane', 'rename', 'reviewer', 'critic']);
    await h.ok(['lane', 'rename', 'boss', 'chief']);
    await h.ok(['send', 'author', '@sim reply The patch is ready.']);
    await waitForLane(h, 'critic', (l) => typeof l['last_agent_message'] === 'string');
    const tail = await h.ok<{ items: Item[] }>(['lane', 'tail', 'critic']);
    expect(tail.items.find((i) => i.type === 'userMessage')?.text).toBe('Review what @author said: The patch is ready.');
    const chief = await waitForLane(h, 'chief', (l) => typeof l['last_agent_message'] === 'string');
    expect(chief['last_agent_message']).toContain('@author is done');
    const list = (await h.ok<{ triggers: TriggerView[] }>(['trigger', 'list'])).triggers;
    expect(list.find((t) => t.id === trigger.id)).toMatchObject({ lane: '@author', target: '@critic', lane_id: trigger.lane_id, target_id: trigger.target_id, failure_count: 0 });
    expect(list.find((t) => t.id === subscription.id)).toMatchObject({ lane: '@author', target: '@chief' });
  });

  it('refuses, when added, a trigger or subscription whose action writes to an attached or archived lane', async () => {
    const add = (lane: string, target?: string, action = 'send') =>
      h.run(['trigger', 'add', '--name', 'x', '--lane', lane, '--when', 'turn_completed', '--action', action, '--text', 'x', ...(target ? ['--target', target] : [])]);
    expect((await add('source', 'elsewhere')).code).toBe(7);
    expect((await add('elsewhere')).code).toBe(7);
    expect((await add('source', 'shelved')).code).toBe(2);
    expect((await add('shelved', undefined, 'steer')).code).toBe(2);
    expect((await h.run(['subscribe', 'source', '--to', 'elsewhere'])).code).toBe(7);
    expect((await h.run(['subscribe', 'source', '--to', 'shelved'])).code).toBe(2);
    expect((await h.run(['new', '--name', 'orphan', '--prefix', '', '--no-send', '--subscribe', 'shelved'])).code).toBe(2);
    expect((await h.run(['lane', 'get', 'orphan'])).code).toBe(4);
    // Watching an attached lane is fine; only writing to it is not.
    expect((await add('elsewhere', 'sink')).code).toBe(0);
    expect((await add('elsewhere', undefined, 'inbox')).code).toBe(0);
    expect((await h.run(['subscribe', 'elsewhere', '--to', 'sink'])).code).toBe(0);
  });

  it('reports in trigger list a trigger whose firings fail, and clears it once one succeeds', async () => {
    const trigger = await h.ok<TriggerView>(['trigger', 'add', '--name', 'relay', '--lane', 'source', '--when', 'turn_completed', '--target', 'sink', '--text', 'relayed: {{last_message}}']);
    await h.ok(['lane', 'archive', 'sink']);
    await h.ok(['send', 'source', '@sim reply one']);
    const failing = await pollTrigger(h, trigger.id, (t) => t.failure_count === 1);
    expect(failing.last_error).toMatch(/^validation: lane @sink is archived/);
    await waitForLane(h, 'source');
    await h.ok(['send', 'source', '@sim reply two']);
    expect((await pollTrigger(h, trigger.id, (t) => t.failure_count === 2)).last_error).toMatch(/archived/);
    const log = await h.ok<{ actions: Array<{ op: string; trigger_id: string | null; outcome: string }> }>(['daemon', 'log', '--limit', '100']);
    expect(log.actions.filter((a) => a.op === 'trigger-fire' && a.trigger_id === trigger.id).map((a) => a.outcome)).toEqual(['validation', 'validation']);
    await h.ok(['lane', 'restore', 'sink']);
    await waitForLane(h, 'source');
    await h.ok(['send', 'source', '@sim reply three']);
    expect(await pollTrigger(h, trigger.id, (t) => t.failure_count === 0)).toMatchObject({ last_error: null });
    await waitForLane(h, 'sink', (l) => typeof l['last_agent_message'] === 'string');
  });
});
