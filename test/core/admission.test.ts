import { afterEach, describe, expect, it } from 'vitest';
import { deliver } from '../../src/core/deliveries.js';
import { drainOldestFirst, releaseHeld } from '../../src/core/admissionDrain.js';
import { recordRateLimits } from '../../src/core/admission.js';
import type { Lane, Trigger } from '../../src/core/model.js';
import { fireTrigger } from '../../src/core/triggers/apply.js';
import { fakeCore, type FakeCore } from './fakeCore.js';

// The ledger's capacity parts over the fake app-server: what admission holds, and in which order it lets go.
describe('capacity admission in the delivery ledger', () => {
  let core: FakeCore;
  afterEach(() => core.close());

  const startedTexts = () => core.fake.calls.filter((c) => c.method === 'startTurn').map((c) => (c.args[1] as { text: string }).text);

  it('holds sends over max_busy_lanes as queued receipts with the reason, and starts them oldest first across lanes as turns end', async () => {
    core = fakeCore({ capacity: { maxBusyLanes: 1, holdAbovePercent: null } });
    const lanes: Lane[] = [];
    for (let i = 0; i < 3; i++) lanes.push(await core.ownLane());
    const [a, b, c] = lanes as [Lane, Lane, Lane];
    const first = await deliver(core.ctx, { lane: a, mode: 'send', text: '@sim hang a', source: 'op' });
    expect(first.delivery.state).toBe('accepted');
    // c's message is older than b's: it goes first when the slot frees, whatever lane ended.
    const onC = await deliver(core.ctx, { lane: c, mode: 'send', text: '@sim hang c', source: 'op' });
    const onB = await deliver(core.ctx, { lane: b, mode: 'queue', text: '@sim hang b', source: 'op' });
    expect([onC.delivery.state, onB.delivery.state]).toEqual(['queued', 'queued']);
    expect(core.store.deliveries.find(onC.delivery.id)?.held).toBe('held: 1 of 1 busy lanes');
    expect(core.store.deliveries.find(onB.delivery.id)?.held).toBe('held: 1 of 1 busy lanes');
    expect(startedTexts()).toEqual(['@sim hang a']);

    core.fake.finishTurn(a.id);
    await core.until(() => core.store.deliveries.find(onC.delivery.id)?.state === 'accepted');
    expect(startedTexts()).toEqual(['@sim hang a', '@sim hang c']);
    expect(core.store.deliveries.find(onC.delivery.id)).toMatchObject({ state: 'accepted', held: null });
    expect(core.store.deliveries.find(onB.delivery.id)).toMatchObject({ state: 'queued', held: 'held: 1 of 1 busy lanes' });
    core.fake.finishTurn(c.id);
    await core.until(() => startedTexts().length === 3);
    expect(startedTexts()).toEqual(['@sim hang a', '@sim hang c', '@sim hang b']);
  });

  it('holds a trigger\'s message like any other, and a person can release a held one past the limit', async () => {
    core = fakeCore({ capacity: { maxBusyLanes: 1, holdAbovePercent: null } });
    const busy = await core.ownLane();
    const target = await core.ownLane();
    await deliver(core.ctx, { lane: busy, mode: 'send', text: '@sim hang', source: 'op' });
    const trigger: Trigger = core.store.triggers.insert({
      id: 't1',
      name: 'nudge',
      lane: busy.id,
      when: { kind: 'event', event: 'turn_completed' },
      action: { kind: 'send', text: 'go on', target: target.id },
      guard: { idleOnly: false, minIntervalSeconds: null, dedupe: false, once: false },
      enabled: true,
    });
    const fired = await fireTrigger(core.ctx, trigger, 'turn_completed', core.lane(busy.id));
    expect(fired).toMatchObject({ fired: true, outcome: 'queued' });
    const held = core.store.deliveries.find(fired.receipt ?? 0);
    expect(held).toMatchObject({ state: 'queued', held: 'held: 1 of 1 busy lanes', source: 'trigger:t1' });
    const released = await releaseHeld(core.ctx, held ?? (undefined as never));
    expect(released).toMatchObject({ state: 'accepted', held: null });
    expect(startedTexts()).toEqual(['@sim hang', 'go on']);
    await expect(releaseHeld(core.ctx, released)).rejects.toMatchObject({ code: 'validation' });
  });

  it('holds while a reported window is over the threshold and lets go once a report says it dropped', async () => {
    core = fakeCore({ capacity: { maxBusyLanes: null, holdAbovePercent: 90 } });
    const lane = await core.ownLane();
    const resetsAt = new Date(core.clock.now().getTime() + 3_600_000).toISOString();
    recordRateLimits(core.ctx, [{ window: 'primary', usedPercent: 92, windowMinutes: 300, resetsAt }]);
    const { delivery } = await deliver(core.ctx, { lane, mode: 'send', text: '@sim reply later', source: 'op' });
    expect(core.store.deliveries.find(delivery.id)?.held).toMatch(/^held: primary window 92% used, resets \d\d:\d\d UTC$/);
    // A sparse report (secondary only) leaves the primary window as it was.
    recordRateLimits(core.ctx, [{ window: 'secondary', usedPercent: 10, windowMinutes: 10_080, resetsAt: null }]);
    await drainOldestFirst(core.ctx);
    expect(core.store.deliveries.find(delivery.id)?.state).toBe('queued');
    recordRateLimits(core.ctx, [{ window: 'primary', usedPercent: 40, windowMinutes: 300, resetsAt }]);
    await drainOldestFirst(core.ctx);
    expect(core.store.deliveries.find(delivery.id)).toMatchObject({ state: 'accepted', held: null });
    expect(core.store.rateLimits.current().map((w) => [w.window, w.used_percent])).toEqual([['primary', 40], ['secondary', 10]]);
  });
});
