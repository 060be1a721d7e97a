import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliver } from '../../../src/core/deliveries.js';
import type { LaneEvent } from '../../../src/core/laneEvents.js';
import type { Lane, Trigger } from '../../../src/core/model.js';
import type { NewTrigger } from '../../../src/core/ports.js';
import { reattachLanes } from '../../../src/core/recovery.js';
import { fireDueTimeTriggers, fireEventTriggers, fireTrigger } from '../../../src/core/triggers/apply.js';
import { silentLogger } from '../../../src/core/context.js';
import { DispatchError } from '../../../src/shared/errors.js';
import { MINIMAL_SETTINGS } from '../../store/helpers.js';
import { fakeCore, turnCompletedOn, type FakeCore } from '../fakeCore.js';

describe('trigger apply', () => {
  let core: FakeCore;
  beforeEach(() => {
    core = fakeCore();
  });
  afterEach(() => core.close());

  function addTrigger(lane: Lane, overrides: Partial<NewTrigger> = {}): Trigger {
    return core.store.triggers.insert({
      id: `t${core.store.triggers.list().length + 1}`,
      name: 'nudge',
      lane: lane.id,
      when: { kind: 'event', event: 'turn_completed' },
      action: { kind: 'send', text: 'continue {{handle}}' },
      guard: { idleOnly: false, minIntervalSeconds: null, dedupe: false, once: false },
      enabled: true,
      ...overrides,
    });
  }

  const trigger = (id: string): Trigger => {
    const found = core.store.triggers.find(id);
    if (!found) throw new Error(`no trigger ${id}`);
    return found;
  };

  async function busyLane(handle?: string): Promise<Lane> {
    const lane = await core.ownLane(handle);
    const started = core.nextEvent((e) => e.type === 'turnStarted' && e.laneId === lane.id);
    await deliver(core.ctx, { lane, mode: 'send', text: '@sim hang', source: 'op' });
    await started;
    return core.lane(lane.id);
  }

  it('fires a send to an idle lane through the ledger, with the rendered text, and records the firing', async () => {
    const lane = await core.ownLane('@alpha');
    const t = addTrigger(lane);
    const result = await fireTrigger(core.ctx, t, 'turn_completed', lane);
    expect(result).toMatchObject({ fired: true, outcome: 'accepted' });
    expect(core.store.deliveries.find(result.receipt ?? -1)).toMatchObject({ source: `trigger:${t.id}`, text: 'continue @alpha', mode: 'send', state: 'accepted' });
    expect(trigger(t.id)).toMatchObject({ lastFiredAt: core.clock.iso(), lastError: null, failureCount: 0 });
    expect(core.store.audit.recent({ limit: 1 })[0]).toMatchObject({ op: 'trigger-fire', lane: lane.id, triggerId: t.id, outcome: 'accepted' });
  });

  it('queues a send to a busy target instead of dropping it; it goes out when the running turn ends', async () => {
    const lane = await busyLane();
    const t = addTrigger(lane, { action: { kind: 'send', text: '@sim reply queued by trigger' } });
    const result = await fireTrigger(core.ctx, t, 'turn_completed', lane);
    expect(result).toMatchObject({ fired: true, outcome: 'queued' });
    core.fake.finishTurn(lane.id);
    await core.until(() => core.store.deliveries.find(result.receipt ?? -1)?.state === 'completed');
  });

  it('queues a send while codex is not there instead of failing it; it goes out when codex is back', async () => {
    const lane = await core.ownLane('@alpha');
    const t = addTrigger(lane, { action: { kind: 'send', text: '@sim reply after the outage' } });
    core.fake.goDown('failed');
    const result = await fireTrigger(core.ctx, t, 'turn_completed', lane);
    expect(result).toMatchObject({ fired: true, outcome: 'queued' });
    expect(trigger(t.id)).toMatchObject({ failureCount: 0, lastError: null });
    await core.fake.restart();
    await reattachLanes(core.ctx, { generation: 2, restarted: true });
    await core.until(() => core.store.deliveries.find(result.receipt ?? -1)?.state === 'completed');
  });

  it('skips on its guards without delivering or counting a firing: idle only, min interval (by the clock), duplicate text', async () => {
    const busy = await busyLane();
    const idleOnly = addTrigger(busy, { guard: { idleOnly: true, minIntervalSeconds: null, dedupe: false, once: false } });
    expect(await fireTrigger(core.ctx, idleOnly, 'turn_completed', busy)).toEqual({ fired: false, outcome: 'skipped: target busy' });
    expect(trigger(idleOnly.id).lastFiredAt).toBeNull();

    const lane = await core.ownLane();
    const spaced = addTrigger(lane, { action: { kind: 'context', text: 'note' }, guard: { idleOnly: false, minIntervalSeconds: 60, dedupe: false, once: false } });
    expect((await fireTrigger(core.ctx, spaced, 'turn_completed', lane)).fired).toBe(true);
    core.clock.advance(59_000);
    expect(await fireTrigger(core.ctx, trigger(spaced.id), 'turn_completed', lane)).toEqual({ fired: false, outcome: 'skipped: min_interval' });
    core.clock.advance(1_000);
    expect((await fireTrigger(core.ctx, trigger(spaced.id), 'turn_completed', lane)).fired).toBe(true);

    // Dedupe compares with the trigger's last delivered text in the ledger.
    const deduped = addTrigger(lane, { action: { kind: 'context', text: 'same' }, guard: { idleOnly: false, minIntervalSeconds: null, dedupe: true, once: false } });
    expect((await fireTrigger(core.ctx, deduped, 'turn_completed', lane)).fired).toBe(true);
    expect(await fireTrigger(core.ctx, trigger(deduped.id), 'turn_completed', lane)).toEqual({ fired: false, outcome: 'skipped: duplicate text' });
    expect(core.store.deliveries.list({ lane: lane.id }).map((d) => d.text)).toEqual(['note', 'note', 'same']);
  });

  it('disables a once trigger after it fired', async () => {
    const lane = await core.ownLane();
    const once = addTrigger(lane, { action: { kind: 'context', text: 'only once' }, guard: { idleOnly: false, minIntervalSeconds: null, dedupe: false, once: true } });
    await fireTrigger(core.ctx, once, 'turn_completed', lane);
    expect(trigger(once.id).enabled).toBe(false);
    expect(await fireTrigger(core.ctx, trigger(once.id), 'turn_completed', lane)).toEqual({ fired: false, outcome: 'skipped: disabled' });
  });

  it('counts consecutive failures with the last error, never throws, and clears them on the next success', async () => {
    const lane = await core.ownLane();
    const t = addTrigger(lane);
    core.fake.failNext('startTurn', new DispatchError('app_server', 'turn/start: refused'));
    expect(await fireTrigger(core.ctx, t, 'turn_completed', lane)).toEqual({ fired: true, outcome: 'app_server' });
    core.fake.failNext('startTurn', new DispatchError('app_server', 'turn/start: refused again'));
    await fireTrigger(core.ctx, trigger(t.id), 'turn_completed', lane);
    expect(trigger(t.id)).toMatchObject({ failureCount: 2, lastError: 'app_server: turn/start: refused again' });
    await fireTrigger(core.ctx, trigger(t.id), 'turn_completed', core.lane(lane.id));
    expect(trigger(t.id)).toMatchObject({ failureCount: 0, lastError: null });
  });

  it('delivers to its target lane, and fails visibly on a target that is gone, attached or archived', async () => {
    const watched = await core.ownLane('@watched');
    const target = await core.ownLane('@target');
    const routed = addTrigger(watched, { action: { kind: 'context', text: 'from {{handle}}', target: target.id } });
    const result = await fireTrigger(core.ctx, routed, 'turn_completed', watched);
    expect(core.store.deliveries.find(result.receipt ?? -1)).toMatchObject({ lane: target.id, text: 'from @watched' });

    const gone = addTrigger(watched, { action: { kind: 'send', text: 'x', target: 'no-such-lane' } });
    expect(await fireTrigger(core.ctx, gone, 'turn_completed', watched)).toEqual({ fired: true, outcome: 'not_found' });
    const attached = core.store.lanes.insert({ id: 'attached-thread', handle: '@attached', source: 'attached', cwd: '/work', status: 'idle', settings: MINIMAL_SETTINGS, ephemeral: false });
    const toAttached = addTrigger(watched, { action: { kind: 'send', text: 'x', target: attached.id } });
    expect(await fireTrigger(core.ctx, toAttached, 'turn_completed', watched)).toEqual({ fired: true, outcome: 'authority' });
    const archived = await core.ownLane('@archived');
    core.store.lanes.update(archived.id, { status: 'archived' });
    const toArchived = addTrigger(watched, { action: { kind: 'send', text: 'x', target: archived.id } });
    expect(await fireTrigger(core.ctx, toArchived, 'turn_completed', watched)).toEqual({ fired: true, outcome: 'validation' });
    expect(trigger(toArchived.id).failureCount).toBe(1);
    expect(core.fake.calls.filter((c) => c.method === 'startTurn')).toEqual([]);
  });

  it('writes an inbox action to the inbox, not to a lane', async () => {
    const lane = await core.ownLane('@alpha');
    const t = addTrigger(lane, { action: { kind: 'inbox', text: '{{handle}} finished: {{last_message}}' } });
    const result = await fireTrigger(core.ctx, t, 'turn_completed', lane, 'all done');
    expect(result.outcome).toMatch(/^inbox \d+$/);
    expect(core.store.inbox.latestForTrigger(t.id)).toMatchObject({ lane: lane.id, event: 'turn_completed', text: '@alpha finished: all done' });
    expect(core.store.deliveries.list({ lane: lane.id })).toEqual([]);
  });

  it("fires event triggers from a lane's real turn end, carrying the turn's last agent message", async () => {
    const lane = await core.ownLane();
    const t = addTrigger(lane, { action: { kind: 'inbox', text: 'said: {{last_message}}' } });
    const done = core.nextEvent(turnCompletedOn(lane.id));
    await deliver(core.ctx, { lane, mode: 'send', text: '@sim reply the answer', source: 'op' });
    await fireEventTriggers(core.ctx, await done);
    expect(core.store.inbox.latestForTrigger(t.id)?.text).toBe('said: the answer');
    const unrelated: LaneEvent = { type: 'turnStarted', laneId: lane.id, turnId: 'x' };
    await fireEventTriggers(core.ctx, unrelated);
    expect(core.store.inbox.list({ unackedOnly: false, limit: 10 })).toHaveLength(1);
  });

  it('fires an interval trigger once its period has passed on the clock, then not again within the period', async () => {
    const lane = await core.ownLane();
    addTrigger(lane, { when: { kind: 'interval', seconds: 60 }, action: { kind: 'context', text: 'tick' } });
    const problems = new Set<string>();
    expect(await fireDueTimeTriggers(core.ctx, problems, silentLogger)).toBe(0);
    core.clock.advance(60_000);
    expect(await fireDueTimeTriggers(core.ctx, problems, silentLogger)).toBe(1);
    core.clock.advance(30_000);
    expect(await fireDueTimeTriggers(core.ctx, problems, silentLogger)).toBe(0);
    expect(core.store.deliveries.list({ lane: lane.id }).map((d) => d.text)).toEqual(['tick']);
  });
});
