import { describe, expect, it } from 'vitest';
import { projectNotification } from '../../../src/codex/events.js';
import type { LaneEvent } from '../../../src/core/laneEvents.js';
import type { Lane, Trigger } from '../../../src/core/model.js';
import { createGoalWatch } from '../../../src/core/triggers/goalWatch.js';
import { laneFinished, matchEventTriggers, NO_LANE_FACTS, triggerEventsFor } from '../../../src/core/triggers/plan.js';
import type { ServerNotification, ThreadGoalStatus } from '../../../src/protocol/index.js';
import { makeLane, makeTrigger } from './fixtures.js';

const lane = makeLane({ id: 'th', handle: '@worker' });
const lanes = new Map<string, Lane>([['th', lane]]);
const on = (event: Extract<Trigger['when'], { kind: 'event' }>['event'], id: string): Trigger => makeTrigger({ id, lane: '@worker', when: { kind: 'event', event } });
const completed = (outcome: 'completed' | 'interrupted' | 'failed'): LaneEvent => ({ type: 'turnCompleted', laneId: 'th', turnId: 'tu', outcome });

describe('laneFinished: the lane is idle and codex will not continue on its own', () => {
  it.each([
    ['completed', null, true],
    ['completed', 'active', false],
    ['completed', 'budgetLimited', true],
    ['completed', 'complete', true],
    ['completed', 'paused', true],
    ['completed', 'blocked', true],
    ['completed', 'usageLimited', true],
    // codex does not continue after an interrupt, though the goal stays active (seen on 0.171).
    ['interrupted', 'active', true],
    ['interrupted', null, true],
    ['failed', null, false],
    ['failed', 'active', false],
  ] as const)('%s turn, goal %s → %s', (outcome, goalStatus: ThreadGoalStatus | null, finished) => {
    expect(laneFinished(outcome, goalStatus)).toBe(finished);
  });

  it('adds lane_done to a finishing turn only', () => {
    expect(triggerEventsFor(completed('completed'))).toEqual(['turn_completed', 'lane_done']);
    expect(triggerEventsFor(completed('completed'), { goalStatus: 'active' })).toEqual(['turn_completed']);
    expect(triggerEventsFor(completed('failed'), NO_LANE_FACTS)).toEqual(['turn_failed']);
    expect(triggerEventsFor({ type: 'statusChanged', laneId: 'th', status: 'idle', activeFlags: [] })).toEqual(['lane_idle']);
    expect(triggerEventsFor({ type: 'turnStarted', laneId: 'th', turnId: 'tu' })).toEqual([]);
  });
});

// The order codex 0.171 sent for `thread/goal/set {tokenBudget: 20000}` on the simulated provider
// (captured, reduced to what the rule reads): the goal is reported before each turn/completed;
// codex started the next turn itself while it stayed active, and stopped once it was budgetLimited.
const THREAD = 'th';
const goalUpdated = (turnId: string | null, status: ThreadGoalStatus, tokensUsed: number) =>
  ({
    method: 'thread/goal/updated',
    params: {
      threadId: THREAD,
      turnId,
      goal: { threadId: THREAD, objective: 'write the docs', status, tokenBudget: 20000, tokensUsed, timeUsedSeconds: 0, createdAt: 1796129050, updatedAt: 1796129050 },
    },
  }) satisfies ServerNotification;
const status = (type: 'idle' | 'active') =>
  ({ method: 'thread/status/changed', params: { threadId: THREAD, status: type === 'idle' ? { type } : { type, activeFlags: [] } } }) satisfies ServerNotification;
const turn = (method: 'turn/started' | 'turn/completed', id: string) =>
  ({
    method,
    params: {
      threadId: THREAD,
      turn: {
        id,
        rootTurnId: id,
        items: [],
        itemsView: 'summary',
        status: method === 'turn/started' ? 'inProgress' : 'completed',
        error: null,
        startedAt: 1796129050,
        completedAt: null,
        durationMs: null,
      },
    },
  }) satisfies ServerNotification;
const budgetRun: ServerNotification[] = [
  goalUpdated(null, 'active', 0),
  ...[
    ['t1', 'active', 3147],
    ['t2', 'active', 7899],
    ['t3', 'active', 14256],
    ['t4', 'budgetLimited', 22218],
  ].flatMap(([id, goal, used]) => [status('active'), turn('turn/started', id as string), goalUpdated(id as string, goal as ThreadGoalStatus, used as number), status('idle'), turn('turn/completed', id as string)]),
];

describe('a goal run seen through the goal watch', () => {
  it('fires turn_completed for each of the 4 turns and lane_done once, after the last', () => {
    const watch = createGoalWatch();
    const fired: string[] = [];
    const triggers = [on('lane_done', 'done'), on('turn_completed', 'each')];
    for (const message of budgetRun) {
      for (const event of projectNotification(message)) {
        watch.observe(event);
        for (const match of matchEventTriggers(event, triggers, lanes, watch.factsFor(event.laneId))) {
          fired.push(`${match.eventName}@${event.type === 'turnCompleted' ? event.turnId : '-'}`);
        }
      }
    }
    expect(fired).toEqual(['turn_completed@t1', 'turn_completed@t2', 'turn_completed@t3', 'lane_done@t4', 'turn_completed@t4']);
  });

  it('forgets a cleared goal, so the next turn finishes the lane', () => {
    const watch = createGoalWatch();
    for (const event of projectNotification(goalUpdated('t1', 'active', 10))) watch.observe(event);
    expect(watch.factsFor(THREAD)).toEqual({ goalStatus: 'active' });
    expect(watch.factsFor('other')).toEqual(NO_LANE_FACTS);
    for (const event of projectNotification({ method: 'thread/goal/cleared', params: { threadId: THREAD } } satisfies ServerNotification)) watch.observe(event);
    expect(watch.factsFor(THREAD)).toEqual(NO_LANE_FACTS);
  });
});
