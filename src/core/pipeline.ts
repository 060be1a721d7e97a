import type { Logger } from './context.js';
import type { LaneEvent } from './laneEvents.js';
import { react, type ReactorDeps } from './reactor.js';

export interface PipelineStages extends ReactorDeps {
  log: Logger;
  /** Ties later approval requests to the items they are about (file-change paths). */
  correlate(event: LaneEvent): void;
  /** Triggers and the goal watch, which keep their own order (a chain) from here on. */
  automate(event: LaneEvent): void;
  /** Lets the lane's queue start its next message. */
  turnEnded(laneId: string): void;
}

/**
 * The one ordered path every lane event from codex takes in the daemon:
 *   1. reactor: the event becomes a fact, its lane folds it, a finished turn settles its receipts
 *      (one transaction); on commit the feed (subscribers, watchers) gets it in sequence order;
 *   2. approval correlation;
 *   3. automation (triggers see the lane as the fact left it);
 *   4. the queue, when a turn ended.
 * A stage that throws is logged and the rest still run: one bad event never stops the stream.
 */
export function createLanePipeline(stages: PipelineStages): (event: LaneEvent) => void {
  const run = (stage: string, event: LaneEvent, fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      stages.log.error('pipeline.stage_failed', { stage, event: event.type, lane: event.laneId, error: (error as Error).message });
    }
  };
  return (event) => {
    run('reactor', event, () => react(stages, event));
    run('correlate', event, () => stages.correlate(event));
    run('automation', event, () => stages.automate(event));
    if (event.type === 'turnCompleted') run('queue', event, () => stages.turnEnded(event.laneId));
  };
}
