import type { LaneEvent } from '../laneEvents.js';
import { NO_LANE_FACTS, type LaneFacts } from './plan.js';

/** The lane facts the trigger planner needs, kept from lane events in wire order. */
export interface GoalWatch {
  /** Takes one lane event; call it for every event, in the order codex sent them. */
  observe(event: LaneEvent): void;
  /** What is known about a lane right now (call it synchronously with the event it goes with). */
  factsFor(laneId: string): LaneFacts;
}

/**
 * Remembers each lane's goal status from `thread/goal/updated` / `thread/goal/cleared`. codex
 * reports the goal before a turn's turn/completed, so reading it while that event is handled tells
 * whether a continuation turn follows; reading it later (the trigger chain may lag) could see a
 * goal that ended turns afterwards. Memory only: codex reports the goal again at every turn's end.
 */
export function createGoalWatch(): GoalWatch {
  const statuses = new Map<string, string>();
  return {
    observe(event) {
      if (event.type === 'goalUpdated') statuses.set(event.laneId, event.status);
      else if (event.type === 'goalCleared') statuses.delete(event.laneId);
    },
    factsFor(laneId) {
      const goalStatus = statuses.get(laneId);
      return goalStatus === undefined ? NO_LANE_FACTS : { goalStatus };
    },
  };
}
