import { describe, expect, it } from 'vitest';
import type { LaneEvent } from '../../../src/core/laneEvents.js';
import type { Lane, Trigger } from '../../../src/core/model.js';
import { matchEventTriggers, triggerEventFor } from '../../../src/core/triggers/plan.js';
import { makeLane, makeTrigger } from './fixtures.js';

const laneA = makeLane({ id: 'lane-a', handle: '@a' });
const laneB = makeLane({ id: 'lane-b', handle: '@b' });
const lanes = new Map<string, Lane>([
  ['lane-a', laneA],
  ['lane-b', laneB],
]);
/** Resolves like the store does: by id or by handle (the @ optional). */
const resolve = (selector: string): Lane | undefined =>
  [...lanes.values()].find((lane) => lane.id === selector || lane.handle === selector || lane.handle === `@${selector}`);

const on = (event: Extract<Trigger['when'], { kind: 'event' }>['event'], overrides: Partial<Trigger> = {}): Trigger =>
  makeTrigger({ when: { kind: 'event', event }, ...overrides });

const completed = (laneId: string, outcome: 'completed' | 'interrupted' | 'failed'): LaneEvent => ({ type: 'turnCompleted', laneId, turnId: 'turn-1', outcome });

describe('triggerEventFor', () => {
  it('maps lane events to trigger event names', () => {
    expect(triggerEventFor(completed('lane-a', 'completed'))).toBe('turn_completed');
    expect(triggerEventFor(completed('lane-a', 'interrupted'))).toBe('turn_completed');
    expect(triggerEventFor(completed('lane-a', 'failed'))).toBe('turn_failed');
    expect(triggerEventFor({ type: 'approvalRequested', laneId: 'lane-a', turnId: 't', itemId: 'i', requestId: 1, kind: 'command' })).toBe('waiting_on_approval');
    expect(triggerEventFor({ type: 'statusChanged', laneId: 'lane-a', status: 'idle', activeFlags: [] })).toBe('lane_idle');
    expect(triggerEventFor({ type: 'statusChanged', laneId: 'lane-a', status: 'active', activeFlags: [] })).toBeNull();
    expect(triggerEventFor({ type: 'turnStarted', laneId: 'lane-a', turnId: 't' })).toBeNull();
    expect(triggerEventFor({ type: 'turnError', laneId: 'lane-a', turnId: 't', error: { message: 'x' }, willRetry: false })).toBeNull();
  });
});

describe('matchEventTriggers', () => {
  it('does not treat a failed turn as a completed one', () => {
    const onDone = on('turn_completed', { id: 'done' });
    const onFail = on('turn_failed', { id: 'fail' });
    expect(matchEventTriggers(completed('lane-a', 'failed'), [onDone, onFail], resolve)).toEqual([{ trigger: onFail, eventName: 'turn_failed' }]);
    expect(matchEventTriggers(completed('lane-a', 'completed'), [onDone, onFail], resolve)).toEqual([{ trigger: onDone, eventName: 'turn_completed' }]);
    expect(matchEventTriggers(completed('lane-a', 'interrupted'), [onDone, onFail], resolve)).toEqual([{ trigger: onDone, eventName: 'turn_completed' }]);
  });

  it("fires a trigger watching lane A for A's events only, carrying its target B along", () => {
    const relay = on('turn_completed', { id: 'relay', lane: '@a', action: { kind: 'send', text: 'A said: {{last_message}}', target: '@b' } });
    expect(matchEventTriggers(completed('lane-a', 'completed'), [relay], resolve)).toEqual([{ trigger: relay, eventName: 'turn_completed' }]);
    expect(matchEventTriggers(completed('lane-a', 'completed'), [relay], resolve)[0]?.trigger.action.target).toBe('@b');
    expect(matchEventTriggers(completed('lane-b', 'completed'), [relay], resolve)).toEqual([]);
  });

  it('resolves selectors written as an id, a handle or a bare name', () => {
    const byId = on('lane_idle', { id: '1', lane: 'lane-b' });
    const byHandle = on('lane_idle', { id: '2', lane: '@b' });
    const byName = on('lane_idle', { id: '3', lane: 'b' });
    const other = on('lane_idle', { id: '4', lane: '@a' });
    const idleB: LaneEvent = { type: 'statusChanged', laneId: 'lane-b', status: 'idle', activeFlags: [] };
    expect(matchEventTriggers(idleB, [other, byName, byHandle, byId], resolve).map((m) => m.trigger.id)).toEqual(['1', '2', '3']);
    // A map lookup works too.
    expect(matchEventTriggers(idleB, [byId, byHandle, other], lanes).map((m) => m.trigger.id)).toEqual(['1', '2']);
  });

  it('matches approvals, skips disabled and time triggers, and survives unresolvable selectors', () => {
    const approval: LaneEvent = { type: 'approvalRequested', laneId: 'lane-a', turnId: 't', itemId: 'i', requestId: 'r', kind: 'fileChange' };
    const watch = on('waiting_on_approval', { id: 'w' });
    const off = on('waiting_on_approval', { id: 'off', enabled: false });
    const gone = on('waiting_on_approval', { id: 'gone', lane: '@deleted' });
    const interval = makeTrigger({ id: 'interval' });
    const throwing = (selector: string): Lane | undefined => {
      if (selector === '@deleted') throw new Error(`no lane '${selector}'`);
      return resolve(selector);
    };
    expect(matchEventTriggers(approval, [gone, off, interval, watch], throwing)).toEqual([{ trigger: watch, eventName: 'waiting_on_approval' }]);
  });

  it('returns nothing for events no trigger can wait for', () => {
    expect(matchEventTriggers({ type: 'turnStarted', laneId: 'lane-a', turnId: 't' }, [on('turn_completed')], resolve)).toEqual([]);
  });
});
