/**
 * What `lane.wait` waits for, read off a lane's folded state (state.ts decides attention; this only
 * reads it), so the condition is tested without a daemon.
 */
import { isRunningLaneState } from '../../contracts/schemas.js';
import type { Lane } from '../model.js';

export type WaitUntil = 'idle' | 'done' | 'failed' | 'needs-you';

/**
 * Whether the lane is where the waiter wants it. `done` also needs codex not to continue on its own:
 * a turn of an active goal completes like any other, and the next one follows (`goalActive`).
 */
export function laneIsAt(lane: Lane, until: WaitUntil, goalActive = false): boolean {
  switch (until) {
    case 'idle':
      return !isRunningLaneState(lane.status);
    case 'done':
      return lane.attention === 'done-unread' && !goalActive;
    case 'failed':
      return lane.attention === 'failed';
    case 'needs-you':
      return lane.attention === 'needs-you';
  }
}
