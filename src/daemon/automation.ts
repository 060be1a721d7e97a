import type { Logger } from '../core/context.js';
import type { LaneEvent } from '../core/laneEvents.js';
import { fireDueTimeTriggers, fireEventTriggers, type TriggerContext } from '../core/triggers/apply.js';
import { createGoalWatch } from '../core/triggers/goalWatch.js';

/**
 * Starts the trigger machinery: event triggers fire one at a time in wire order (a failure is
 * logged and the chain goes on), each with its lane's goal status as of that event (for
 * `lane_done`), and the scheduler checks time triggers every second.
 */
export function startAutomation(ctx: TriggerContext, log: Logger): { observe(event: LaneEvent): void; stop(): void } {
  let chain: Promise<void> = Promise.resolve();
  const goals = createGoalWatch();
  let stopped = false;
  const observe = (event: LaneEvent): void => {
    goals.observe(event);
    if (stopped || (event.type !== 'turnCompleted' && event.type !== 'approvalRequested' && event.type !== 'statusChanged')) return;
    const facts = goals.factsFor(event.laneId);
    chain = chain
      .then(() => fireEventTriggers(ctx, event, facts))
      .catch((error: unknown) => log.error('trigger.event_failed', { event: event.type, error: (error as Error).message }));
  };
  const cronProblems = new Set<string>();
  let ticking = false;
  const scheduler = setInterval(() => {
    if (ticking) return;
    ticking = true;
    fireDueTimeTriggers(ctx, cronProblems, log)
      .catch((error: unknown) => log.error('scheduler.tick_failed', { error: (error as Error).message }))
      .finally(() => (ticking = false));
  }, 1000);
  return {
    observe,
    stop: () => {
      stopped = true;
      clearInterval(scheduler);
    },
  };
}
