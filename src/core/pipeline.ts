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

export interface LanePipeline {
  /** Takes one lane event; inside a batch it waits for the batch's end. */
  (event: LaneEvent): void;
  /**
   * Events until the matching `endBatch` (what codex sent in one read of its output) are recorded
   * in one transaction at that end; the later stages then run per event, in order. Batches nest.
   */
  beginBatch(): void;
  endBatch(): void;
  /** `read` between beginBatch and endBatch. */
  batch(read: () => void): void;
}

/**
 * The one ordered path every lane event from codex takes in the daemon:
 *   1. reactor: the event becomes a fact, its lane folds it, a finished turn settles its receipts
 *      (one transaction per batch); on commit the feed (subscribers, watchers) gets it in sequence order;
 *   2. approval correlation;
 *   3. automation (triggers see the lane as the fact left it);
 *   4. the queue, when a turn ended.
 * A stage that throws is logged and the rest still run: one bad event never stops the stream.
 * Batching changes no outcome: what reads lane state (handlers, triggers, the queue) runs on later
 * tasks, after the batch committed, and a batch whose reactor throws is rolled back and recorded
 * again event by event, so only the bad event is lost, as without batches.
 */
export function createLanePipeline(stages: PipelineStages): LanePipeline {
  const run = (stage: string, event: LaneEvent, fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      stages.log.error('pipeline.stage_failed', { stage, event: event.type, lane: event.laneId, error: (error as Error).message });
    }
  };
  const after = (event: LaneEvent): void => {
    run('correlate', event, () => stages.correlate(event));
    run('automation', event, () => stages.automate(event));
    if (event.type === 'turnCompleted') run('queue', event, () => stages.turnEnded(event.laneId));
  };
  const one = (event: LaneEvent): void => {
    run('reactor', event, () => react(stages, event));
    after(event);
  };
  let held: LaneEvent[] = [];
  let depth = 0;
  const endBatch = (): void => {
    if (depth === 0 || --depth > 0) return;
    const events = held;
    held = [];
    if (events.length === 1) one(events[0] as LaneEvent);
    else if (events.length > 1) flush(events);
  };
  const pipeline: LanePipeline = Object.assign(
    (event: LaneEvent): void => {
      if (depth > 0) held.push(event);
      else one(event);
    },
    {
      beginBatch: () => void depth++,
      endBatch,
      batch(read: () => void): void {
        depth++;
        try {
          read();
        } finally {
          endBatch();
        }
      },
    },
  );
  const flush = (events: readonly LaneEvent[]): void => {
    let committed = false;
    try {
      stages.store.transaction(() => {
        // First in line after the commit: a subscriber that throws later must not cause a replay.
        stages.store.afterCommit(() => (committed = true));
        for (const event of events) react(stages, event);
      });
    } catch (error) {
      if (committed) stages.log.error('pipeline.stage_failed', { stage: 'reactor', event: 'batch', error: (error as Error).message });
    }
    // Rolled back as a whole: each event again in its own transaction, where the bad one fails alone.
    if (!committed) for (const event of events) run('reactor', event, () => react(stages, event));
    for (const event of events) after(event);
  };
  return pipeline;
}
